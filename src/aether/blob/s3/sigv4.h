// AWS Signature Version 4: the canonical request, the string to sign and the signature, plus
// the two ways S3 carries them: an Authorization header (aetherd's own calls) and presigned
// query parameters (URLs handed to clients and agents). Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace aether::s3 {

using Pairs = std::vector<std::pair<std::string, std::string>>;

struct Credentials {
  std::string access_key;
  std::string secret_key;
  std::string session_token;  // temporary credentials (AWS_SESSION_TOKEN); may be empty
};

// What gets signed. `path` is the URI path exactly as sent (already percent-encoded; S3 does
// not normalise or double-encode it). `query` and `headers` hold raw, unencoded names/values;
// `headers` must include host (and x-amz-date for header auth).
struct SignedRequest {
  std::string method;
  std::string path;
  Pairs query;
  Pairs headers;
  std::string payload_hash;  // hex sha256 of the body, or "UNSIGNED-PAYLOAD"
};

struct Scope {
  std::string date;  // YYYYMMDD
  std::string region;
  std::string service = "s3";
  std::string str() const { return date + "/" + region + "/" + service + "/aws4_request"; }
};

// RFC 3986 percent-encoding as SigV4 wants it (unreserved set kept; '/' kept when asked).
std::string UriEncode(std::string_view s, bool keep_slash = false);
// "20150830T123600Z" for a unix time ("" for one beyond what gmtime_r can represent).
std::string AmzDate(long long unix_seconds);
// Sorted, encoded "a=1&b=2".
std::string CanonicalQuery(const Pairs& query);
// Lowercase names, sorted, joined with ';'.
std::string SignedHeaderNames(const Pairs& headers);
std::string CanonicalRequest(const SignedRequest& r);
std::string StringToSign(std::string_view amz_date, const Scope& scope,
                         std::string_view canonical_request);
// Hex HMAC of the string to sign under the key derived from `secret` and `scope`.
std::string Signature(std::string_view secret, const Scope& scope, std::string_view string_to_sign);

// Header auth: adds x-amz-date, x-amz-content-sha256 and (with a session token)
// x-amz-security-token to `r.headers`, then returns the Authorization header value.
std::string AuthorizationHeader(SignedRequest& r, const Credentials& c, std::string_view region,
                                long long now);
// Presigned URL: adds the X-Amz-* parameters (expiring `expires_seconds` after `now`) and the
// signature to `r.query`; `r.headers` are signed too, so the client must send them unchanged.
// The payload is UNSIGNED-PAYLOAD unless `r.headers` has x-amz-content-sha256, whose value the
// server then checks the body against.
// Returns the final query string ("X-Amz-Algorithm=…&X-Amz-Signature=…").
std::string Presign(SignedRequest& r, const Credentials& c, std::string_view region, long long now,
                    long long expires_seconds);

}  // namespace aether::s3
