// HTTP client facade (libcurl underneath, in http/curl/). A Client may be used from one
// thread at a time; create one per thread. TLS peers are always verified.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "aether/core/status.h"
#include "aether/http/types.h"

namespace aether::http {

struct ClientRequest {
  std::string method = "GET";
  std::string url;
  Headers headers;
  std::string body;
  std::string upload_file;     // when set, the body is streamed from this file
  int64_t upload_offset = 0;   // with upload_file: the first byte sent
  int64_t upload_length = -1;  // with upload_file: how many bytes (-1: to the end of the file)
  std::string download_file;   // when set, a 2xx body is streamed into this file, not kept
  std::chrono::milliseconds timeout{30000};
  bool follow_redirects = false;
  // Called with (bytes done, bytes total) during upload or download; total may be 0.
  std::function<void(int64_t, int64_t)> progress;
};

class Client {
 public:
  virtual ~Client() = default;
  // Any HTTP status is a successful Result; transport failures are kUnavailable
  // ("cannot reach http://…: Connection refused") or kTimeout.
  virtual Result<Response> Send(const ClientRequest& req) = 0;
};

struct ClientOptions {
  std::string ca_file;  // extra CA bundle; empty uses the system store
};

std::unique_ptr<Client> NewClient(const ClientOptions& options = {});

}  // namespace aether::http
