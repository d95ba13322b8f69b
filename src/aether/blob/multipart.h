// Bookkeeping shared by the BlobStore implementations that serve multipart uploads themselves
// (memory fake, fs): part arithmetic, part-list checks and the signed part resource name.
// Pure functions; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "aether/core/model.h"
#include "aether/core/status.h"

namespace aether::multipart {

inline constexpr int kMaxParts = 10000;

// How many parts `size` bytes make in `part_size` pieces (at least one; the last may be
// smaller). kInvalidArgument for a negative size, a part size < 1 or more than kMaxParts parts.
Result<int> PartCount(long long size, long long part_size);
// The length part `number` (1-based) of such an upload must have.
long long PartLength(long long size, long long part_size, int number);
// Checks `parts` names each of 1..etags.size() exactly once with the ETag recorded for it
// (etags[n-1]; "" = never uploaded); returns them sorted by number. kInvalidArgument otherwise.
Result<std::vector<UploadPart>> CheckParts(std::vector<UploadPart> parts,
                                           const std::vector<std::string>& etags);
// "uploads/<id>/<n>": what UrlSigner signs for a part, so its URL is /blobs/uploads/<id>/<n>.
std::string PartResource(const std::string& upload_id, int number);
// A fresh, URL-safe upload id ("up_" + 32 hex).
std::string NewUploadId();

}  // namespace aether::multipart
