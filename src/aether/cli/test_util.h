// Test helpers for the CLI unit tests: a scratch directory, file writing, an environment
// variable guard and a scriptable fake http::Client. Test-only; single-threaded.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "aether/cli/temp_dir.h"
#include "aether/http/client.h"

namespace aether::cli::testing {

// A temporary directory removed at the end of the test.
class Scratch {
 public:
  Scratch() : dir_(ScopedTempDir::Create("aether-cli-test").value()) {}
  const std::string& path() const { return dir_.path(); }
  std::string operator/(const std::string& rel) const { return path() + "/" + rel; }
  void Write(const std::string& rel, const std::string& text) const {
    std::filesystem::path p = path() + "/" + rel;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << text;
  }

 private:
  ScopedTempDir dir_;
};

// Sets (or unsets with nullptr) an environment variable for the scope.
class EnvGuard {
 public:
  EnvGuard(const char* name, const char* value) : name_(name) {
    const char* old = std::getenv(name);
    had_ = old != nullptr;
    if (had_) old_ = old;
    if (value != nullptr) {
      ::setenv(name, value, 1);
    } else {
      ::unsetenv(name);
    }
  }
  ~EnvGuard() {
    if (had_) {
      ::setenv(name_.c_str(), old_.c_str(), 1);
    } else {
      ::unsetenv(name_.c_str());
    }
  }

 private:
  std::string name_;
  std::string old_;
  bool had_ = false;
};

class FakeHttp : public http::Client {
 public:
  using Handler = std::function<Result<http::Response>(const http::ClientRequest&)>;
  explicit FakeHttp(Handler h) : handler_(std::move(h)) {}
  Result<http::Response> Send(const http::ClientRequest& req) override {
    requests.push_back(req);
    return handler_(req);
  }
  std::vector<http::ClientRequest> requests;

 private:
  Handler handler_;
};

inline http::Response JsonReply(int status, const std::string& body) {
  http::Response r;
  r.status = status;
  r.headers["Content-Type"] = "application/json";
  r.body = body;
  return r;
}

}  // namespace aether::cli::testing
