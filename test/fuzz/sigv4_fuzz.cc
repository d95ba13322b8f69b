// libFuzzer target: the SigV4 canonicaliser (blob/s3/sigv4.h). The input is split into lines:
// method, path, query ("k=v&k2=v2"), then "name:value" headers. Checks: no crash; UriEncode
// emits only unreserved bytes and %XX escapes and round-trips; the canonical query is sorted;
// canonicalisation and signing are deterministic; AmzDate is 16 characters for any time.
#include <algorithm>
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "aether/blob/s3/sigv4.h"

namespace {

using aether::s3::Pairs;

void Check(bool ok) {
  if (!ok) std::abort();
}

std::vector<std::string_view> Split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (true) {
    size_t at = s.find(sep, start);
    if (at == std::string_view::npos) {
      out.push_back(s.substr(start));
      return out;
    }
    out.push_back(s.substr(start, at - start));
    start = at + 1;
  }
}

int Hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void CheckEncoding(std::string_view raw, bool keep_slash) {
  std::string enc = aether::s3::UriEncode(raw, keep_slash);
  std::string decoded;
  for (size_t i = 0; i < enc.size(); ++i) {
    char c = enc[i];
    if (c == '%') {
      Check(i + 2 < enc.size() && Hex(enc[i + 1]) >= 0 && Hex(enc[i + 2]) >= 0);
      decoded.push_back(static_cast<char>(Hex(enc[i + 1]) * 16 + Hex(enc[i + 2])));
      i += 2;
    } else {
      Check(std::isalnum(static_cast<unsigned char>(c)) != 0 || std::strchr("-_.~", c) != nullptr ||
            (keep_slash && c == '/'));
      decoded.push_back(c);
    }
  }
  Check(decoded == raw);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::vector<std::string_view> lines = Split(input, '\n');
  aether::s3::SignedRequest r;
  r.method = std::string(lines[0]);
  if (lines.size() > 1) r.path = std::string(lines[1]);
  if (lines.size() > 2 && !lines[2].empty()) {
    for (std::string_view kv : Split(lines[2], '&')) {
      size_t eq = kv.find('=');
      r.query.emplace_back(std::string(kv.substr(0, eq)),
                           eq == std::string_view::npos ? "" : std::string(kv.substr(eq + 1)));
    }
  }
  for (size_t i = 3; i < lines.size(); ++i) {
    size_t colon = lines[i].find(':');
    r.headers.emplace_back(
        std::string(lines[i].substr(0, colon)),
        colon == std::string_view::npos ? "" : std::string(lines[i].substr(colon + 1)));
  }
  r.payload_hash = "UNSIGNED-PAYLOAD";

  CheckEncoding(r.path, true);
  CheckEncoding(r.method, false);
  for (const auto& [k, v] : r.query) CheckEncoding(k, false);

  // The canonical query is sorted by (encoded name, encoded value) and deterministic.
  std::string query = aether::s3::CanonicalQuery(r.query);
  Check(query == aether::s3::CanonicalQuery(r.query));
  Pairs shuffled(r.query.rbegin(), r.query.rend());
  Check(query == aether::s3::CanonicalQuery(shuffled));  // order of the input does not matter
  if (!r.query.empty()) {
    std::vector<std::string_view> parts = Split(query, '&');
    Check(parts.size() == r.query.size());
    std::vector<std::pair<std::string_view, std::string_view>> kvs;
    for (std::string_view p : parts) {
      size_t eq = p.find('=');
      Check(eq != std::string_view::npos);
      kvs.emplace_back(p.substr(0, eq), p.substr(eq + 1));
    }
    Check(std::is_sorted(kvs.begin(), kvs.end()));
  }

  std::string canonical = aether::s3::CanonicalRequest(r);
  Check(canonical == aether::s3::CanonicalRequest(r));
  std::string names = aether::s3::SignedHeaderNames(r.headers);
  std::vector<std::string_view> name_list = Split(names, ';');
  if (names.find(";;") == std::string::npos &&
      std::none_of(r.headers.begin(), r.headers.end(),
                   [](const auto& h) { return h.first.find(';') != std::string::npos; })) {
    Check(std::adjacent_find(name_list.begin(), name_list.end(), std::greater_equal<>()) ==
          name_list.end());  // sorted, no repeats
  }

  long long now = 0;
  std::memcpy(&now, data, std::min(size, sizeof now));
  std::string date = aether::s3::AmzDate(now);
  if (now >= 0 && now <= 253402300799) Check(date.size() == 16);  // up to 9999-12-31

  aether::s3::Credentials creds{"AKID", "SECRET", size % 2 == 0 ? "" : "TOKEN"};
  aether::s3::SignedRequest a = r;
  aether::s3::SignedRequest b = r;
  Check(aether::s3::Presign(a, creds, "us-east-1", 1700000000, 900) ==
        aether::s3::Presign(b, creds, "us-east-1", 1700000000, 900));
  aether::s3::SignedRequest c = r;
  (void)aether::s3::AuthorizationHeader(c, creds, "us-east-1", 1700000000);
  return 0;
}
