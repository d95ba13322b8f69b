// s3_presign_tool: presigned S3 URLs from aether's signer (S3Client::Presign over
// s3::Presign), for test/s3/presign-compare.sh, which checks them against the official AWS SDK
// presigner. Reads a JSON array of cases on stdin:
//   {name, method, endpoint ("http://127.0.0.1:17480"), bucket, key, region, access_key,
//    secret_key, session_token?, time (unix seconds), expires (seconds), path_style (bool),
//    headers? {signed header: value}, query? {extra query parameter: value}}
// and prints a JSON array with one {name, url, headers} per case (headers: what the client must
// send with the URL). Exit status 2 on malformed input.
#include <chrono>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>

#include "aether/blob/s3/s3_client.h"
#include "aether/blob/s3/s3_options.h"
#include "aether/blob/s3/sigv4.h"

namespace {

using nlohmann::json;

aether::s3::Pairs PairsOf(const json& c, const char* field) {
  aether::s3::Pairs out;
  if (!c.contains(field)) return out;
  for (const auto& [name, value] : c.at(field).items()) {
    out.emplace_back(name, value.get<std::string>());
  }
  return out;
}

json PresignCase(const json& c) {
  aether::s3::S3Options o;
  o.endpoint = c.at("endpoint").get<std::string>();
  o.region = c.at("region").get<std::string>();
  o.bucket = c.at("bucket").get<std::string>();
  o.path_style = c.value("path_style", true);
  o.credentials = {c.at("access_key").get<std::string>(), c.at("secret_key").get<std::string>(),
                   c.value("session_token", std::string())};
  const long long now = c.at("time").get<long long>();
  aether::s3::S3Client client(o, [now] { return now; });
  aether::PresignedUrl url = client.Presign(
      c.at("method").get<std::string>(), c.at("key").get<std::string>(), PairsOf(c, "query"),
      PairsOf(c, "headers"), std::chrono::seconds(c.at("expires").get<long long>()));
  json headers = json::object();
  for (const auto& [name, value] : url.headers) headers[name] = value;
  return {{"name", c.value("name", std::string())}, {"url", url.url}, {"headers", headers}};
}

}  // namespace

int main() {
  try {
    json cases = json::parse(std::cin);
    json out = json::array();
    for (const auto& c : cases) out.push_back(PresignCase(c));
    std::cout << out.dump(2) << "\n";
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "s3_presign_tool: " << e.what() << "\n";
    return 2;
  }
}
