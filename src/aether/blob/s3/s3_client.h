// S3Client: signed S3 requests for the S3 blob store. Builds path-style or virtual-host URLs,
// signs with SigV4 (header auth), retries 5xx, throttling and transport failures with
// exponential backoff and full jitter, and turns S3's error documents into Statuses that say
// what to fix (credentials, bucket, clock). Also presigns URLs for clients. Thread-safe: it
// keeps a small pool of HTTP clients, one per concurrent call.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "aether/blob/s3/s3_options.h"
#include "aether/blob/s3/sigv4.h"
#include "aether/core/model.h"
#include "aether/core/status.h"
#include "aether/http/client.h"

namespace aether::s3 {

struct S3Call {
  std::string method;
  std::string key;  // full object key (prefix included), unencoded; "" for the bucket itself
  Pairs query;
  Pairs headers;     // extra headers, all signed
  std::string body;  // in-memory body; its sha256 is signed
  std::chrono::milliseconds timeout{60000};
  // The signed payload hash when it is not the body's: S3 then refuses the body (a promised
  // digest for a blob the server stages itself).
  std::string payload_hash{};
};

class S3Client {
 public:
  using Clock = std::function<long long()>;  // unix seconds

  explicit S3Client(S3Options options, Clock now = {});

  // Any final HTTP status is a successful Result (callers map 404 and friends); retryable
  // failures are retried first, and kUnavailable/kTimeout come back once attempts run out.
  Result<http::Response> Send(const S3Call& call);
  // A Status for a failed response (`res` is not 2xx, or a 2xx carrying an <Error>): NoSuchKey
  // and NoSuchUpload are kNotFound, a payload hash mismatch kDigestMismatch, refused parts
  // kInvalidArgument, and what an operator must fix (credentials, bucket, clock) kUnavailable.
  Status ErrorFor(const http::Response& res, std::string_view what) const;
  // A presigned URL for `method` on `key`; the client must send `headers` unchanged.
  PresignedUrl Presign(const std::string& method, const std::string& key, Pairs query,
                       const Pairs& headers, std::chrono::seconds ttl) const;

  const S3Options& options() const { return options_; }
  long long Now() const;

 private:
  std::string Host() const;
  std::string PathFor(const std::string& key) const;
  static http::ClientOptions PoolOptions(const S3Options& o);

  const S3Options options_;
  const Clock now_;
  std::string scheme_;     // "http" or "https"
  std::string authority_;  // endpoint host[:port]
  http::ClientPool pool_;
};

}  // namespace aether::s3
