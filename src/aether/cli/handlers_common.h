// What the server-facing handlers share: a Session (HTTP client + ApiClient from the saved
// config), the app name a command acts on, and column padding. Internal to the handlers.
#pragma once

#include <memory>
#include <string>

#include "aether/cli/api_client.h"
#include "aether/cli/handlers.h"

namespace aether::cli {

struct Session {
  std::unique_ptr<http::Client> http;
  std::unique_ptr<ApiClient> api;
};

// The resolved config with a token, and an ApiClient over it. Failures are local (config).
Result<Session> Connect(Context& ctx);

// The app to act on: `app_flag` (an invalid name is a usage error), else the app of the
// project in `dir` ("" = the current directory; a project error when none can be derived).
Outcome ResolveAppName(const std::string& app_flag, const std::string& dir, std::string* name);

std::string Pad(std::string s, size_t width);
// A release status padded to `width`: green when running, red when failed.
std::string StatusCell(const Output& out, const std::string& status, size_t width);

}  // namespace aether::cli
