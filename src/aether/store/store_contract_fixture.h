// The fixture of the MetadataStore contract suite (store_contract.h): a fresh store per test
// from the implementation's factory, plus record builders and a page walker.
// Test-only header (includes gtest); one fixture per test thread.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "aether/store/store.h"

namespace aether::contract {

using StoreFactory = std::function<std::unique_ptr<MetadataStore>()>;

class StoreContract : public ::testing::TestWithParam<StoreFactory> {
 protected:
  void SetUp() override {
    store_ = GetParam()();
    ASSERT_NE(store_, nullptr);
  }
  MetadataStore& store() { return *store_; }

  static std::string Digest(char hex) { return "sha256:" + std::string(64, hex); }

  static Deployment MakeDeployment(const std::string& id, const std::string& app,
                                   const std::string& artifact = Digest('a')) {
    Deployment d;
    d.id = id;
    d.app = app;
    d.artifact = artifact;
    d.created_at = d.updated_at = "2026-01-01T00:00:00.000Z";
    return d;
  }

  // Creates the deployment and returns the stored record (version assigned).
  Deployment Create(const Deployment& d) {
    auto stored = store().CreateDeployment(d);
    EXPECT_TRUE(stored.ok()) << stored.status().ToString();
    return stored.ok() ? *stored : Deployment{};
  }

  // An artifact of `app` registered at "t0", with no evidence.
  static ArtifactRecord MakeArtifact(char hex, const std::string& manifest, long long size,
                                     const std::string& app = "web") {
    ArtifactRecord a;
    a.digest = Digest(hex);
    a.app = app;
    a.manifest = manifest;
    a.size = size;
    a.created_at = "t0";
    return a;
  }

  // Follows `next` from the first page with `limit` until a page says it is the last.
  template <typename T>
  static std::vector<Page<T>> WalkPages(
      const std::function<Result<Page<T>>(const PageRequest&)>& list, int limit) {
    std::vector<Page<T>> pages;
    PageRequest request{limit, ""};
    for (int guard = 0; guard < 1000; ++guard) {
      auto page = list(request);
      EXPECT_TRUE(page.ok()) << page.status().ToString();
      if (!page.ok()) break;
      pages.push_back(*page);
      if (page->next.empty()) break;
      request.after = page->next;
    }
    return pages;
  }

  // The items' keys, page by page.
  template <typename T, typename Key>
  static std::vector<std::vector<std::string>> Keys(const std::vector<Page<T>>& pages, Key key) {
    std::vector<std::vector<std::string>> out;
    for (const auto& page : pages) {
      out.emplace_back();
      for (const auto& item : page.items) out.back().push_back(key(item));
    }
    return out;
  }

 private:
  std::unique_ptr<MetadataStore> store_;
};

}  // namespace aether::contract
