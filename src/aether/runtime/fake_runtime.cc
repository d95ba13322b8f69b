// FakeRuntime: an in-memory Runtime for unit tests of the deploy service.
#include "aether/runtime/runtime.h"

namespace aether {

Status FakeRuntime::Deploy(const ReleaseSpec& spec, const PhaseReporter& report) {
  if (auto it = spec.env.find("FAKE_FAIL"); it != spec.env.end()) {
    report("fetch", 1);
    return {ErrorCode::kDeployFailed, it->second};
  }
  for (const char* phase : {"fetch", "verify", "unpack", "start", "ready", "switch"}) {
    report(phase, 1);
  }
  std::lock_guard lock(mu_);
  deployed_.push_back(spec);
  return Status::Ok();
}

Status FakeRuntime::Resume(const ReleaseSpec& spec) {
  std::lock_guard lock(mu_);
  resumed_.push_back(spec);
  return Status::Ok();
}

Status FakeRuntime::Remove(std::string_view app) {
  std::lock_guard lock(mu_);
  removed_.emplace_back(app);
  return Status::Ok();
}

std::string FakeRuntime::UrlFor(std::string_view app) const {
  return "http://" + std::string(app) + ".fake/";
}

std::vector<ReleaseSpec> FakeRuntime::deployed() const {
  std::lock_guard lock(mu_);
  return deployed_;
}

std::vector<ReleaseSpec> FakeRuntime::resumed() const {
  std::lock_guard lock(mu_);
  return resumed_;
}

std::vector<std::string> FakeRuntime::removed() const {
  std::lock_guard lock(mu_);
  return removed_;
}

}  // namespace aether
