// UploadLayers against a fake of aetherd's upload routes: small layers take the single
// presigned PUT, layers at or above the multipart threshold go in byte-range parts and a
// failed part aborts the upload.
#include "aether/cli/server_steps.h"

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "aether/cli/test_util.h"
#include "aether/crypto/crypto.h"

namespace aether::cli {
namespace {

using nlohmann::json;
using testing::EnvGuard;
using testing::FakeHttp;
using testing::JsonReply;
using testing::Scratch;

// The upload routes of aetherd, with parts of `part_size` bytes.
struct FakeUploads {
  int64_t part_size = 4;
  int fail_part = 0;  // a PUT of this part number answers 500
  std::map<std::string, std::string> blobs;
  std::map<int, std::string> parts;  // of the one multipart upload
  std::string digest;
  std::vector<std::string> calls;  // "METHOD path" without the query
  int64_t progress_seen = 0;

  static std::string Range(const http::ClientRequest& req) {
    std::ifstream in(req.upload_file, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    std::string all = ss.str();
    return req.upload_length < 0 ? all.substr(req.upload_offset)
                                 : all.substr(req.upload_offset, req.upload_length);
  }

  Result<http::Response> Handle(const http::ClientRequest& req) {
    std::string path = req.url.substr(std::string("http://srv").size());
    path = path.substr(0, path.find('?'));
    calls.push_back(req.method + " " + path);
    auto body = json::parse(req.body.empty() ? "{}" : req.body, nullptr, false);
    if (path == "/artifacts/missing")
      return JsonReply(200, json{{"missing", body["digests"]}}.dump());
    if (path == "/artifacts/presign") {
      return JsonReply(200, json{{"url", "/blobs/" + body["digest"].get<std::string>()}}.dump());
    }
    if (path == "/artifacts/complete") return JsonReply(200, "{}");
    if (path == "/artifacts/uploads") {
      digest = body["digest"];
      int64_t size = body["size"];
      json list = json::array();
      for (int64_t n = 1; (n - 1) * part_size < size; ++n) {
        list.push_back({{"number", n}, {"url", "/blobs/uploads/up_1/" + std::to_string(n)}});
      }
      return JsonReply(
          201, json{{"upload_id", "up_1"}, {"part_size", part_size}, {"parts", list}}.dump());
    }
    if (req.method == "PUT" && path.starts_with("/blobs/uploads/up_1/")) {
      EXPECT_EQ(req.headers.count("Authorization"), 0u);
      int n = std::stoi(path.substr(path.rfind('/') + 1));
      if (n == fail_part) return JsonReply(500, R"({"code":"internal","message":"disk full"})");
      parts[n] = Range(req);
      if (req.progress) req.progress(req.upload_length, req.upload_length);
      http::Response r = JsonReply(200, "{}");
      r.headers["ETag"] = "\"" + crypto::Sha256Hex(parts[n]) + "\"";
      return r;
    }
    if (req.method == "PUT" && path.starts_with("/blobs/")) return JsonReply(201, "{}");
    if (path == "/artifacts/uploads/up_1/complete") {
      std::string joined;
      for (const auto& p : body["parts"]) {
        int n = p["number"];
        EXPECT_EQ(p["etag"], crypto::Sha256Hex(parts[n]));
        joined += parts[n];
      }
      if ("sha256:" + crypto::Sha256Hex(joined) != digest) {
        return JsonReply(422, R"({"code":"digest_mismatch","message":"no"})");
      }
      blobs[digest] = joined;
      return JsonReply(200, json{{"digest", digest}, {"size", joined.size()}}.dump());
    }
    if (req.method == "DELETE" && path == "/artifacts/uploads/up_1") return JsonReply(200, "{}");
    return JsonReply(404, R"({"code":"not_found","message":"no route"})");
  }
};

class UploadLayersTest : public ::testing::Test {
 protected:
  UploadLayersTest() : http_([this](const http::ClientRequest& r) { return server_.Handle(r); }) {}

  artifact::PackedLayer Layer(const std::string& name, const std::string& bytes) {
    scratch_.Write(name, bytes);
    return {.digest = crypto::Sha256Digest(bytes),
            .size = static_cast<int64_t>(bytes.size()),
            .path = scratch_ / name};
  }

  Result<UploadStats> Upload(const std::vector<const artifact::PackedLayer*>& layers) {
    Output out(false, true);
    ApiClient api(http_, "http://srv", "tok");
    std::vector<LayerFile> files;
    files.reserve(layers.size());
    for (const auto* l : layers) files.push_back({l, "app"});
    return UploadLayers(api, out, files);
  }

  Scratch scratch_;
  FakeUploads server_;
  FakeHttp http_;
};

TEST_F(UploadLayersTest, LayersAtTheThresholdGoInPartsSmallerOnesInOnePut) {
  EnvGuard threshold("AETHER_MULTIPART_THRESHOLD", "10");
  auto big = Layer("big.tar.zst", "0123456789");  // 10 bytes: parts of 4, 4, 2
  auto small = Layer("small.tar.zst", "abc");
  auto stats = Upload({&big, &small});
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_EQ(stats->uploaded_layers, 2);
  EXPECT_EQ(stats->uploaded_bytes, 13);
  EXPECT_EQ(server_.blobs[big.digest.str()], "0123456789");
  EXPECT_EQ(server_.parts[3], "89");
  EXPECT_EQ(server_.calls,
            (std::vector<std::string>{
                "POST /artifacts/missing", "POST /artifacts/uploads", "PUT /blobs/uploads/up_1/1",
                "PUT /blobs/uploads/up_1/2", "PUT /blobs/uploads/up_1/3",
                "POST /artifacts/uploads/up_1/complete", "POST /artifacts/presign",
                "PUT /blobs/" + small.digest.str(), "POST /artifacts/complete"}));
}

TEST_F(UploadLayersTest, DefaultThresholdKeepsSmallLayersOnOnePut) {
  EnvGuard threshold("AETHER_MULTIPART_THRESHOLD", nullptr);
  EXPECT_EQ(MultipartThreshold(), 16 << 20);
  auto l = Layer("l.tar.zst", "0123456789");
  ASSERT_TRUE(Upload({&l}).ok());
  EXPECT_EQ(server_.calls[1], "POST /artifacts/presign");
}

TEST_F(UploadLayersTest, AFailedPartAbortsTheUpload) {
  EnvGuard threshold("AETHER_MULTIPART_THRESHOLD", "1");
  server_.fail_part = 2;
  auto l = Layer("l.tar.zst", "0123456789");
  auto stats = Upload({&l});
  ASSERT_FALSE(stats.ok());
  EXPECT_EQ(stats.status().code(), ErrorCode::kInternal);
  EXPECT_NE(stats.status().message().find("disk full"), std::string::npos);
  EXPECT_EQ(server_.calls.back(), "DELETE /artifacts/uploads/up_1");
  EXPECT_TRUE(server_.blobs.empty());
}

TEST_F(UploadLayersTest, ARefusedCompleteAbortsAndReturnsTheMismatch) {
  EnvGuard threshold("AETHER_MULTIPART_THRESHOLD", "1");
  auto l = Layer("l.tar.zst", "0123456789");
  l.digest = crypto::Sha256Digest("something else");
  auto stats = Upload({&l});
  EXPECT_EQ(stats.status().code(), ErrorCode::kDigestMismatch);
  EXPECT_EQ(server_.calls.back(), "DELETE /artifacts/uploads/up_1");
}

}  // namespace
}  // namespace aether::cli
