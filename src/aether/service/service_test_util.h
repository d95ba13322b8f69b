// The use-case test fixture over the in-memory fakes (store, blobs, runtime): every service
// wired as aetherd wires it, plus helpers to upload, register and wait for rollouts.
// Test-only header (includes gtest).
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>

#include "aether/artifact/manifest.h"
#include "aether/crypto/crypto.h"
#include "aether/service/apps.h"
#include "aether/service/artifacts.h"
#include "aether/service/auth.h"
#include "aether/service/deployments.h"
#include "aether/service/releases.h"

namespace aether {

class ServiceTest : public ::testing::Test {
 protected:
  std::unique_ptr<MetadataStore> store = NewMemoryStore();
  std::unique_ptr<BlobStore> blobs = NewMemoryBlobStore(UrlSigner("k"));
  FakeRuntime runtime;
  AuthService auth{*store};
  AppService apps{*store, runtime};
  ArtifactService artifacts{*store, *blobs, UrlSigner("k")};
  ConfigCipher cipher{std::string(32, 'k')};
  DeployService deploys{*store, runtime, cipher};
  ReleaseService releases{*store, deploys, cipher};

  // Uploads `bytes` through presign → signed stage → complete.
  std::string Upload(const std::string& bytes) {
    std::string d = crypto::Sha256Digest(bytes).str();
    auto url = artifacts.PresignUpload(d, static_cast<long long>(bytes.size()));
    EXPECT_TRUE(url.ok());
    std::string q = url->url.substr(url->url.find('?') + 1);
    std::string expires = q.substr(8, q.find('&') - 8);
    std::string sig = q.substr(q.find("signature=") + 10);
    EXPECT_TRUE(artifacts.StageSigned(d, expires, sig, bytes).ok());
    EXPECT_TRUE(artifacts.Complete(d, static_cast<long long>(bytes.size())).ok());
    return d;
  }

  // Registers an artifact whose one layer holds `content` (a different content, a different
  // digest).
  std::string RegisterArtifact(const std::string& app, const std::string& content = "") {
    std::string layer = "layer-bytes-" + app + content;
    artifact::Manifest m;
    m.app = app;
    m.layers.push_back({*Digest::Parse(Upload(layer)), static_cast<long long>(layer.size()),
                        std::string(artifact::kLayerMediaType), "app"});
    m.command = {"node", "index.js"};
    auto rec = artifacts.Register(app, artifact::SerializeManifest(m));
    EXPECT_TRUE(rec.ok()) << rec.status().ToString();
    return rec.ok() ? rec->digest : "";
  }

  Deployment WaitFinished(const std::string& id) {
    for (int i = 0; i < 500; ++i) {
      auto d = deploys.Get(id);
      if (d.ok() && d->status != "pending" && d->status != "deploying") return *d;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    ADD_FAILURE() << "deployment " << id << " did not finish";
    return {};
  }
};

}  // namespace aether
