// Integration: multipart layer upload on a real aetherd over HTTP — a ~20 MB layer sent in
// byte-range parts (out of order) is joined, re-hashed and registrable; a tampered part, a
// missing part and a bad part signature are refused and leave nothing published.
#include "daemon_harness.h"

namespace aether {
namespace {

using nlohmann::json;

class MultipartTest : public ::testing::Test, protected testing::DaemonHarness {
 protected:
  void SetUp() override {
    StartDaemon();
    // ~20 MB of incompressible-looking bytes in a tar, so it is a real layer.
    std::string data;
    data.resize(20'000'000);
    uint32_t x = 12345;
    for (char& c : data) {
      x = x * 1664525u + 1013904223u;
      c = static_cast<char>(x >> 24);
    }
    path_ = dir_ + "/big.tar";
    bytes_ = testing::MakeTar({{"index.js", data}});
    std::ofstream(path_, std::ios::binary) << bytes_;
    digest_ = crypto::Sha256Digest(bytes_).str();
  }
  void TearDown() override { StopDaemon(); }

  json Create() {
    auto res = Call("POST", "/artifacts/uploads",
                    json{{"digest", digest_}, {"size", bytes_.size()}}.dump());
    EXPECT_EQ(res.status, 201) << res.body;
    return Json(res);
  }

  // PUTs part `n` (1-based) of `plan` from the file, or `body` when given; returns the response.
  http::Response Put(const json& plan, int n, const std::string& body = "",
                     const std::string& url_suffix = "") {
    const int64_t part_size = plan["part_size"];
    const int64_t offset = (n - 1) * part_size;
    http::ClientRequest put;
    put.method = "PUT";
    put.url = plan["parts"][n - 1]["url"].get<std::string>() + url_suffix;
    if (body.empty()) {
      put.upload_file = path_;
      put.upload_offset = offset;
      put.upload_length =
          std::min<int64_t>(part_size, static_cast<int64_t>(bytes_.size()) - offset);
    } else {
      put.body = body;
    }
    auto res = client_->Send(put);
    EXPECT_TRUE(res.ok()) << res.status().ToString();
    return res.ok() ? std::move(res).value() : http::Response{};
  }

  http::Response Complete(const json& plan, const json& parts) {
    return Call("POST", "/artifacts/uploads/" + plan["upload_id"].get<std::string>() + "/complete",
                json{{"parts", parts}}.dump());
  }

  std::string path_, bytes_, digest_;
};

TEST_F(MultipartTest, TwentyMegabyteLayerGoesInPartsAndRegisters) {
  EXPECT_EQ(
      Call("POST", "/artifacts/uploads", json{{"digest", digest_}, {"size", 1}}.dump(), "").status,
      401);
  json plan = Create();
  EXPECT_EQ(plan["part_size"], 8 << 20);
  ASSERT_EQ(plan["parts"].size(), 3u);
  for (const auto& p : plan["parts"]) {
    EXPECT_EQ(p["method"], "PUT");
    EXPECT_TRUE(p["url"].get<std::string>().starts_with("http"));
    EXPECT_GT(p["expires_at"].get<long long>(), 0);
  }
  json parts = json::array();
  for (int n : {3, 1, 2}) {
    auto res = Put(plan, n);
    ASSERT_EQ(res.status, 200) << res.body;
    std::string etag = Json(res)["etag"];
    EXPECT_EQ(res.headers["ETag"], "\"" + etag + "\"");
    parts.push_back({{"number", n}, {"etag", etag}});
  }
  EXPECT_EQ(Call("HEAD", "/layers/" + digest_).status, 404) << "nothing visible before complete";
  auto done = Complete(plan, parts);
  ASSERT_EQ(done.status, 200) << done.body;
  EXPECT_EQ(Json(done)["digest"], digest_);
  EXPECT_EQ(Json(done)["size"], bytes_.size());
  auto head = Call("HEAD", "/layers/" + digest_);
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.headers["Content-Length"], std::to_string(bytes_.size()));

  ASSERT_EQ(Call("POST", "/apps", json{{"name", "big"}}.dump()).status, 201);
  std::string artifact = RegisterLayer("big", path_);  // the layer is no longer missing
  EXPECT_TRUE(artifact.starts_with("sha256:")) << artifact;
}

TEST_F(MultipartTest, TamperedMissingAndUnsignedPartsAreRefused) {
  json plan = Create();
  // A bad signature or part number never reaches the store.
  EXPECT_EQ(Put(plan, 1, "", "0").status, 403);
  // Part 2 altered in flight (same length): the whole no longer hashes to the digest.
  json parts = json::array();
  for (int n = 1; n <= 3; ++n) {
    http::Response res;
    if (n == 2) {
      std::string part = bytes_.substr(8 << 20, 8 << 20);
      part[1000] = static_cast<char>(part[1000] ^ 0x01);
      res = Put(plan, n, part);
    } else {
      res = Put(plan, n);
    }
    ASSERT_EQ(res.status, 200) << res.body;
    parts.push_back({{"number", n}, {"etag", Json(res)["etag"]}});
  }
  auto refused = Complete(plan, parts);
  EXPECT_EQ(refused.status, 422) << refused.body;
  EXPECT_EQ(Json(refused)["code"], "digest_mismatch");
  EXPECT_EQ(Call("HEAD", "/layers/" + digest_).status, 404);
  EXPECT_EQ(Complete(plan, parts).status, 404) << "the upload was dropped";
  std::string id = plan["upload_id"];
  EXPECT_EQ(Call("DELETE", "/artifacts/uploads/" + id).status, 404);

  // A part missing from the list: 400, the upload stays until aborted.
  plan = Create();
  id = plan["upload_id"];
  parts = json::array();
  for (int n : {1, 3}) {
    auto res = Put(plan, n);
    ASSERT_EQ(res.status, 200) << res.body;
    parts.push_back({{"number", n}, {"etag", Json(res)["etag"]}});
  }
  auto missing = Complete(plan, parts);
  EXPECT_EQ(missing.status, 400) << missing.body;
  EXPECT_EQ(Put(plan, 2, "too short").status, 400);
  EXPECT_EQ(Call("DELETE", "/artifacts/uploads/" + id).status, 200);
  EXPECT_EQ(Complete(plan, parts).status, 404);
  EXPECT_EQ(Put(plan, 2).status, 404);
  EXPECT_EQ(Call("HEAD", "/layers/" + digest_).status, 404);
}

}  // namespace
}  // namespace aether
