// AWS Signature Version 4 (see sigv4.h).
#include "aether/blob/s3/sigv4.h"

#include <algorithm>
#include <cctype>
#include <ctime>

#include "aether/crypto/crypto.h"

namespace aether::s3 {
namespace {

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Trimmed, with runs of spaces collapsed to one (SigV4's canonical header value).
std::string CanonicalValue(std::string_view v) {
  std::string out;
  bool space = false;
  for (char c : v) {
    if (c == ' ' || c == '\t') {
      space = !out.empty();
      continue;
    }
    if (space) out.push_back(' ');
    space = false;
    out.push_back(c);
  }
  return out;
}

// Lowercased, sorted by name (stable, so repeated names keep their order), values canonical.
Pairs CanonicalHeaders(const Pairs& headers) {
  Pairs out;
  out.reserve(headers.size());
  for (const auto& [name, value] : headers) out.emplace_back(Lower(name), CanonicalValue(value));
  std::stable_sort(out.begin(), out.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  return out;
}

}  // namespace

std::string UriEncode(std::string_view s, bool keep_slash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    if (std::isalnum(c) != 0 || c == '-' || c == '_' || c == '.' || c == '~' ||
        (keep_slash && c == '/')) {
      out.push_back(static_cast<char>(c));
    } else {
      out += {'%', kHex[c >> 4], kHex[c & 15]};
    }
  }
  return out;
}

std::string AmzDate(long long unix_seconds) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  if (gmtime_r(&t, &tm) == nullptr) return "";  // beyond what struct tm can hold
  char buf[32];  // the longest year gmtime_r returns (11 characters with a sign) fits
  size_t n = std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return std::string(buf, n);
}

std::string CanonicalQuery(const Pairs& query) {
  Pairs encoded;
  encoded.reserve(query.size());
  for (const auto& [k, v] : query) encoded.emplace_back(UriEncode(k), UriEncode(v));
  std::sort(encoded.begin(), encoded.end());
  std::string out;
  for (const auto& [k, v] : encoded) {
    if (!out.empty()) out.push_back('&');
    out += k + "=" + v;
  }
  return out;
}

std::string SignedHeaderNames(const Pairs& headers) {
  std::string out;
  std::string last;
  for (const auto& [name, value] : CanonicalHeaders(headers)) {
    if (!out.empty() && name == last) continue;
    if (!out.empty()) out.push_back(';');
    out += name;
    last = name;
  }
  return out;
}

std::string CanonicalRequest(const SignedRequest& r) {
  std::string headers;
  Pairs canonical = CanonicalHeaders(r.headers);
  for (size_t i = 0; i < canonical.size(); ++i) {
    const auto& [name, value] = canonical[i];
    if (i > 0 && canonical[i - 1].first == name) {
      headers.back() = ',';  // a repeated header: values joined with commas
      headers += value + "\n";
    } else {
      headers += name + ":" + value + "\n";
    }
  }
  return r.method + "\n" + (r.path.empty() ? "/" : r.path) + "\n" + CanonicalQuery(r.query) + "\n" +
         headers + "\n" + SignedHeaderNames(r.headers) + "\n" + r.payload_hash;
}

std::string StringToSign(std::string_view amz_date, const Scope& scope,
                         std::string_view canonical_request) {
  return std::string(kAlgorithm) + "\n" + std::string(amz_date) + "\n" + scope.str() + "\n" +
         crypto::Sha256Hex(canonical_request);
}

std::string Signature(std::string_view secret, const Scope& scope,
                      std::string_view string_to_sign) {
  std::string key = crypto::HmacSha256("AWS4" + std::string(secret), scope.date);
  key = crypto::HmacSha256(key, scope.region);
  key = crypto::HmacSha256(key, scope.service);
  key = crypto::HmacSha256(key, "aws4_request");
  return crypto::HmacSha256Hex(key, string_to_sign);
}

std::string AuthorizationHeader(SignedRequest& r, const Credentials& c, std::string_view region,
                                long long now) {
  std::string date = AmzDate(now);
  Scope scope{date.substr(0, 8), std::string(region)};
  r.headers.emplace_back("x-amz-date", date);
  r.headers.emplace_back("x-amz-content-sha256", r.payload_hash);
  if (!c.session_token.empty()) r.headers.emplace_back("x-amz-security-token", c.session_token);
  std::string sts = StringToSign(date, scope, CanonicalRequest(r));
  return std::string(kAlgorithm) + " Credential=" + c.access_key + "/" + scope.str() +
         ", SignedHeaders=" + SignedHeaderNames(r.headers) +
         ", Signature=" + Signature(c.secret_key, scope, sts);
}

std::string Presign(SignedRequest& r, const Credentials& c, std::string_view region, long long now,
                    long long expires_seconds) {
  std::string date = AmzDate(now);
  Scope scope{date.substr(0, 8), std::string(region)};
  // A signed x-amz-content-sha256 header is the payload hash (S3 then checks the body
  // against it, as the AWS SDK's presigner does); otherwise the body is unsigned.
  r.payload_hash = "UNSIGNED-PAYLOAD";
  for (const auto& [name, value] : r.headers) {
    if (Lower(name) == "x-amz-content-sha256") r.payload_hash = value;
  }
  r.query.emplace_back("X-Amz-Algorithm", std::string(kAlgorithm));
  r.query.emplace_back("X-Amz-Credential", c.access_key + "/" + scope.str());
  r.query.emplace_back("X-Amz-Date", date);
  r.query.emplace_back("X-Amz-Expires", std::to_string(expires_seconds));
  if (!c.session_token.empty()) r.query.emplace_back("X-Amz-Security-Token", c.session_token);
  r.query.emplace_back("X-Amz-SignedHeaders", SignedHeaderNames(r.headers));
  std::string signature =
      Signature(c.secret_key, scope, StringToSign(date, scope, CanonicalRequest(r)));
  std::string query = CanonicalQuery(r.query) + "&X-Amz-Signature=" + signature;
  r.query.emplace_back("X-Amz-Signature", signature);
  return query;
}

}  // namespace aether::s3
