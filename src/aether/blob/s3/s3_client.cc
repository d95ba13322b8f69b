// Signed S3 requests with retries (see s3_client.h).
#include "aether/blob/s3/s3_client.h"

#include <algorithm>
#include <ctime>
#include <random>
#include <thread>

#include "aether/blob/s3/s3_xml.h"
#include "aether/crypto/crypto.h"

namespace aether::s3 {
namespace {

// 501 Not Implemented will not change on a retry.
bool Retryable(int status) { return status == 429 || (status >= 500 && status != 501); }

bool RetryableCode(const std::string& code) {
  return code == "SlowDown" || code == "RequestTimeout" || code == "InternalError" ||
         code == "ServiceUnavailable";
}

// Full jitter: a random wait in [0, min(cap, base * 2^attempt)].
std::chrono::milliseconds Backoff(int attempt) {
  thread_local std::mt19937 rng{std::random_device{}()};
  const long long cap = std::min(2000LL, 100LL << std::min(attempt, 10));
  return std::chrono::milliseconds(std::uniform_int_distribution<long long>(0, cap)(rng));
}

}  // namespace

http::ClientOptions S3Client::PoolOptions(const S3Options& o) {
  http::ClientOptions client;
  client.ca_file = o.ca_file;
  return client;
}

S3Client::S3Client(S3Options options, Clock now)
    : options_(std::move(options)), now_(std::move(now)), pool_(PoolOptions(options_)) {
  const std::string& e = options_.endpoint;
  auto colon = e.find("://");
  scheme_ = e.substr(0, colon);
  authority_ = e.substr(colon + 3);
  authority_ = authority_.substr(0, authority_.find('/'));
}

long long S3Client::Now() const {
  return now_ ? now_() : static_cast<long long>(std::time(nullptr));
}

std::string S3Client::Host() const {
  return options_.path_style ? authority_ : options_.bucket + "." + authority_;
}

std::string S3Client::PathFor(const std::string& key) const {
  std::string path = options_.path_style ? "/" + options_.bucket : "";
  if (!key.empty() || !options_.path_style) path += "/" + UriEncode(key, /*keep_slash=*/true);
  return path;
}

Result<http::Response> S3Client::Send(const S3Call& call) {
  auto client = pool_.Take();
  Result<http::Response> last = Status(ErrorCode::kUnavailable, "S3 request was not sent");
  for (int attempt = 0; attempt < std::max(1, options_.max_attempts); ++attempt) {
    if (attempt > 0) std::this_thread::sleep_for(Backoff(attempt));
    SignedRequest r{call.method, PathFor(call.key), call.query, call.headers,
                    call.payload_hash.empty() ? crypto::Sha256Hex(call.body) : call.payload_hash};
    r.headers.emplace_back("host", Host());
    std::string auth = AuthorizationHeader(r, options_.credentials, options_.region, Now());
    http::ClientRequest req;
    req.method = call.method;
    std::string query = CanonicalQuery(call.query);
    req.url = scheme_ + "://" + Host() + r.path + (query.empty() ? "" : "?" + query);
    for (const auto& [name, value] : r.headers) {
      if (name != "host") req.headers[name] = value;
    }
    req.headers["Authorization"] = auth;
    req.body = call.body;
    req.timeout = call.timeout;
    last = client->Send(req);
    if (!last.ok()) {
      ErrorCode c = last.status().code();
      if (c != ErrorCode::kUnavailable && c != ErrorCode::kTimeout) break;
      continue;
    }
    // S3 may also answer 200 with an <Error> (CompleteMultipartUpload); bodies of objects are
    // not parsed.
    auto err = last->body.size() < (64 << 10) ? ParseError(last->body) : std::nullopt;
    if (!Retryable(last->status) && !(err && RetryableCode(err->code))) break;
  }
  pool_.Give(std::move(client));
  if (last.ok() && Retryable(last->status)) {
    return Status(ErrorCode::kUnavailable, ErrorFor(*last, call.method + " " + call.key).message());
  }
  if (!last.ok()) {
    return Status(last.status().code(),
                  "S3 at " + options_.endpoint + ": " + last.status().message());
  }
  return last;
}

Status S3Client::ErrorFor(const http::Response& res, std::string_view what) const {
  auto err = ParseError(res.body);
  const std::string code = err ? err->code : "";
  const std::string detail = err && !err->message.empty() ? ": " + err->message : "";
  const std::string where = "S3 bucket '" + options_.bucket + "' at " + options_.endpoint;
  if (code == "NoSuchKey" || (code.empty() && res.status == 404)) {
    return NotFound(std::string(what) + ": no such object");
  }
  if (code == "NoSuchUpload") return NotFound("no such multipart upload");
  if (code == "NoSuchBucket") {
    return Status(ErrorCode::kUnavailable,
                  where + " does not exist (AETHER_ARTIFACT_BUCKET); create it first");
  }
  if (code == "InvalidAccessKeyId") {
    return Status(ErrorCode::kUnavailable, where + " does not know the access key '" +
                                               options_.credentials.access_key +
                                               "' (AWS_ACCESS_KEY_ID)");
  }
  if (code == "SignatureDoesNotMatch") {
    return Status(ErrorCode::kUnavailable,
                  where + " rejected the request signature: check AWS_SECRET_ACCESS_KEY");
  }
  if (code == "RequestTimeTooSkewed") {
    return Status(ErrorCode::kUnavailable,
                  "this machine's clock differs from S3's by more than 15 minutes "
                  "(RequestTimeTooSkewed); fix the clock (NTP)");
  }
  if (code == "AccessDenied" || (code.empty() && res.status == 403)) {
    return Status(ErrorCode::kUnavailable,
                  where + " denied " + std::string(what) +
                      " (AccessDenied): check the credentials and the bucket policy");
  }
  if (code == "XAmzContentSHA256Mismatch" || code == "BadDigest") {
    return Status(ErrorCode::kDigestMismatch, "S3 refused the body: it does not match its hash");
  }
  if (code == "InvalidPart" || code == "InvalidPartOrder" || code == "EntityTooSmall") {
    return InvalidArgument("S3 refused the parts (" + code + ")" + detail);
  }
  ErrorCode c = Retryable(res.status) ? ErrorCode::kUnavailable : ErrorCode::kInternal;
  return Status(c, std::string(what) + ": " + where + " answered " + std::to_string(res.status) +
                       (code.empty() ? "" : " " + code) + detail);
}

PresignedUrl S3Client::Presign(const std::string& method, const std::string& key, Pairs query,
                               const Pairs& headers, std::chrono::seconds ttl) const {
  SignedRequest r{method, PathFor(key), std::move(query), headers, ""};
  r.headers.emplace_back("host", Host());
  const long long now = Now();
  std::string q = s3::Presign(r, options_.credentials, options_.region, now, ttl.count());
  PresignedUrl url{method, scheme_ + "://" + Host() + r.path + "?" + q, now + ttl.count(), {}};
  for (const auto& [name, value] : headers) url.headers[name] = value;
  return url;
}

}  // namespace aether::s3
