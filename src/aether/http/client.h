// HTTP client facade (libcurl underneath, in http/curl/). A Client may be used from one
// thread at a time; create one per thread. TLS peers are always verified.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

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
  // When set, a 2xx body is handed over piece by piece as it arrives (a watch or log stream)
  // instead of being kept in Response::body; returning false ends the transfer (Send then
  // returns the response so far, without error). Non-2xx bodies are still kept.
  std::function<bool(std::string_view)> on_body;
  // When set and true, the transfer stops within about a second (Send returns kUnavailable
  // "cancelled"), even while no bytes arrive.
  const std::atomic<bool>* cancel = nullptr;
};

class Client {
 public:
  virtual ~Client() = default;
  // Any HTTP status is a successful Result; transport failures are kUnavailable
  // ("cannot reach http://…: Connection refused"), kTimeout, or kUntrustedCertificate
  // ("certificate of https://h:1 is not trusted: SSL certificate problem: …") when the peer's
  // certificate does not verify against the CA bundle.
  virtual Result<Response> Send(const ClientRequest& req) = 0;
};

struct ClientOptions {
  std::string ca_file;  // CA bundle to verify peers with; empty uses the system store
  std::string ca_pem;   // or the CA bundle itself (PEM), e.g. from a kubeconfig
  // A client certificate and its private key (PEM), for servers that authenticate clients by
  // certificate (a Kubernetes API server).
  std::string client_cert_pem;
  std::string client_key_pem;
};

std::unique_ptr<Client> NewClient(const ClientOptions& options = {});

// Clients (and their kept-alive connections) shared across threads: Take() one, use it on one
// thread, Give() it back, or drop it after a transport error. Keeps at most `max_idle`.
class ClientPool {
 public:
  explicit ClientPool(ClientOptions options, size_t max_idle = 16)
      : options_(std::move(options)), max_idle_(max_idle) {}
  std::unique_ptr<Client> Take();
  void Give(std::unique_ptr<Client> client);

 private:
  const ClientOptions options_;
  const size_t max_idle_;
  std::mutex mu_;
  std::vector<std::unique_ptr<Client>> idle_;
};

}  // namespace aether::http
