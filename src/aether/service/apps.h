// AppService: create, list, inspect and delete apps. Deleting stops the app's processes
// before its records go. Thread-safe (the store and runtime are).
#pragma once

#include <string>
#include <vector>

#include "aether/runtime/runtime.h"
#include "aether/store/store.h"

namespace aether {

class AppService {
 public:
  AppService(MetadataStore& store, Runtime& runtime) : store_(store), runtime_(runtime) {}

  Result<App> Create(const std::string& name);
  Result<App> Get(const std::string& name);
  Result<Page<App>> List(const PageRequest& page);
  Status Delete(const std::string& name);
  std::string UrlFor(const std::string& name) const { return runtime_.UrlFor(name); }

 private:
  MetadataStore& store_;
  Runtime& runtime_;
};

}  // namespace aether
