// Factory for the S3 BlobStore (MinIO, Ceph RGW, AWS S3). Blobs live at
// <prefix>cas/sha256/<hex>, shared by every app (content addressing dedupes across apps), each
// with x-amz-meta-sha256. Clients PUT straight to S3 with presigned URLs: a single PUT signs
// x-amz-content-sha256 = the digest, so S3 itself refuses any other body and the object lands
// in place, checked; a multipart upload is completed in place by `complete`. `complete` then
// HEADs the object (size, x-amz-meta-sha256) and, up to verify_max_bytes, re-hashes it,
// deleting it on a mismatch. No server-side copy is needed (RGW cannot copy SSE-KMS objects).
// Multipart upload ids are stateless (S3's upload id, sizes and digest, MAC'd with `id_key`),
// so any aetherd replica can complete any upload. Thread-safe.
#pragma once

#include <memory>
#include <string>

#include "aether/blob/blob_store.h"
#include "aether/blob/s3/s3_client.h"
#include "aether/blob/s3/s3_options.h"

namespace aether::s3 {

// S3 refuses non-final parts under 5 MiB.
inline constexpr long long kMinPartSize = 5LL << 20;

// Does not touch the network; call Ping() to check the bucket and credentials.
std::unique_ptr<BlobStore> NewS3BlobStore(S3Options options, std::string id_key,
                                          S3Client::Clock now = {});

}  // namespace aether::s3
