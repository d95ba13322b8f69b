// Multipart bookkeeping shared by the memory and fs blob stores.
#include "aether/blob/multipart.h"

#include <algorithm>

#include "aether/crypto/crypto.h"

namespace aether::multipart {

Result<int> PartCount(long long size, long long part_size) {
  if (size < 0) return InvalidArgument("size must be >= 0");
  if (part_size < 1) return InvalidArgument("part size must be >= 1");
  long long count = size == 0 ? 1 : (size + part_size - 1) / part_size;
  if (count > kMaxParts) {
    return InvalidArgument(std::to_string(size) + " bytes in parts of " +
                           std::to_string(part_size) + " bytes is more than " +
                           std::to_string(kMaxParts) + " parts");
  }
  return static_cast<int>(count);
}

long long PartLength(long long size, long long part_size, int number) {
  long long start = static_cast<long long>(number - 1) * part_size;
  return std::clamp(size - start, 0LL, part_size);
}

Result<std::vector<UploadPart>> CheckParts(std::vector<UploadPart> parts,
                                           const std::vector<std::string>& etags) {
  std::sort(parts.begin(), parts.end(),
            [](const UploadPart& a, const UploadPart& b) { return a.number < b.number; });
  for (size_t i = 0; i < etags.size(); ++i) {
    const int number = static_cast<int>(i) + 1;
    if (i >= parts.size() || parts[i].number != number) {
      return InvalidArgument("part " + std::to_string(number) + " is missing from the part list");
    }
    if (etags[i].empty()) {
      return InvalidArgument("part " + std::to_string(number) + " was never uploaded");
    }
    if (parts[i].etag != etags[i]) {
      return InvalidArgument("part " + std::to_string(number) + ": ETag '" + parts[i].etag +
                             "' does not match the uploaded part");
    }
  }
  if (parts.size() != etags.size()) {
    return InvalidArgument("the upload has " + std::to_string(etags.size()) + " parts, not " +
                           std::to_string(parts.size()));
  }
  return parts;
}

std::string PartResource(const std::string& upload_id, int number) {
  return "uploads/" + upload_id + "/" + std::to_string(number);
}

std::string NewUploadId() { return "up_" + crypto::RandomHex(16); }

}  // namespace aether::multipart
