// The XML S3 speaks (tinyxml2 underneath): error bodies, multipart initiate/list/complete,
// ListObjectsV2 and ListMultipartUploads. Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aether/core/model.h"
#include "aether/core/status.h"

namespace aether::s3 {

struct S3Error {
  std::string code;  // "NoSuchKey", "SignatureDoesNotMatch", …
  std::string message;
};

struct PartInfo {
  int number = 0;
  std::string etag;  // without quotes
  long long size = 0;
};

struct PartList {
  std::vector<PartInfo> parts;
  bool truncated = false;
  int next_marker = 0;
};

struct ObjectInfo {
  std::string key;
  long long modified = 0;  // unix seconds
  long long size = 0;
};

struct ObjectList {
  std::vector<ObjectInfo> objects;
  bool truncated = false;
  std::string next_token;
};

struct UploadInfo {
  std::string key;
  std::string upload_id;
  long long initiated = 0;  // unix seconds
};

struct UploadList {
  std::vector<UploadInfo> uploads;
  bool truncated = false;
  std::string next_key_marker;
  std::string next_upload_id_marker;
};

// The <Error> document in `body`, if that is what it is (S3 also sends one with status 200
// for a failed CopyObject or CompleteMultipartUpload).
std::optional<S3Error> ParseError(std::string_view body);
Result<std::string> ParseUploadId(std::string_view body);
Result<PartList> ParseListParts(std::string_view body);
Result<ObjectList> ParseListObjects(std::string_view body);
Result<UploadList> ParseListUploads(std::string_view body);
// <CompleteMultipartUpload> for `parts` (in the order given).
std::string CompleteMultipartXml(const std::vector<UploadPart>& parts);
// An ETag without its surrounding quotes ("\"abc\"" → "abc"), as S3 sends it in headers and XML.
std::string UnquoteEtag(std::string etag);
// "2026-11-28T03:23:12.000Z" → unix seconds; -1 when malformed.
long long ParseIsoTime(std::string_view text);

}  // namespace aether::s3
