// Boost.Beast implementation of http::StartServer: synchronous I/O on non-blocking sockets
// with poll()-based timeouts, optionally TLS (beast/tls.h), one acceptor thread and one thread
// per connection, and the request limits of server.h. Owned by the caller of StartServer;
// Stop() is thread-safe, idempotent and drains in-flight requests up to
// ServerOptions::drain_timeout. One of the TUs with Boost.
#include "aether/http/server.h"

#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "aether/http/beast/boost_includes.h"
#include "aether/http/beast/conn_stream.h"
#include "aether/http/beast/timed_socket.h"
#include "aether/http/beast/tls.h"
#include "aether/http/beast/websocket.h"
#include "aether/http/beast/write_response.h"
#include "aether/http/envelope.h"

namespace aether::http {
namespace {

namespace net = boost::asio;
namespace bhttp = boost::beast::http;
using tcp = net::ip::tcp;
using beast_internal::ConnStream;
using beast_internal::IEquals;
using beast_internal::TimedSocket;
using beast_internal::TlsContext;
using beast_internal::TlsSession;
using beast_internal::WriteResponse;
using boost::system::error_code;

std::string ToString(boost::beast::string_view s) { return std::string(s.data(), s.size()); }

class BeastServer final : public Server {
 public:
  BeastServer(ServerOptions options, std::function<Response(Request&)> handler,
              std::shared_ptr<TlsContext> tls)
      : options_(std::move(options)),
        handler_(std::move(handler)),
        tls_(std::move(tls)),
        acceptor_(ioc_) {}
  ~BeastServer() override { Stop(); }

  Status Listen();
  int port() const override { return port_; }
  void Stop() override;

 private:
  struct Conn {
    std::thread thread;
    int fd = -1;       // -1 once the connection thread has closed its socket
    bool idle = true;  // waiting for the first byte of a request (closed at once by Stop)
  };

  void AcceptLoop();
  void ReapFinished();
  void Serve(uint64_t id, tcp::socket socket);
  void ServeConnection(uint64_t id, tcp::socket& socket);
  // Waits (idle) for the next request's first bytes and reads them into `buffer`, then marks
  // the connection busy. Returns false when the connection should close: peer gone, idle
  // timeout, or the server stopping.
  bool AwaitRequest(uint64_t id, ConnStream& stream, boost::beast::flat_buffer& buffer);
  // Whether every connection thread has closed its socket. Requires mu_.
  bool AllClosedLocked() const;
  // The request's method, target and headers (no body).
  static Request MakeHead(const bhttp::request<bhttp::string_body>& msg, const std::string& remote);
  Response CallHandler(Request& req);
  void RejectAndClose(tcp::socket& socket, ConnStream& stream, int status, std::string_view code,
                      std::string_view message);

  const ServerOptions options_;
  const std::function<Response(Request&)> handler_;
  const std::shared_ptr<TlsContext> tls_;  // null: plain HTTP
  net::io_context ioc_;
  tcp::acceptor acceptor_;
  int port_ = 0;
  std::thread accept_thread_;
  std::atomic<bool> stopping_{false};  // no new connections or requests
  std::atomic<bool> cut_{false};       // the drain deadline passed: streams end, sockets close

  std::mutex stop_mu_;  // serialises Stop()
  bool stopped_ = false;

  std::mutex mu_;  // guards the fields below
  uint64_t next_id_ = 0;
  std::map<uint64_t, Conn> conns_;
  std::vector<uint64_t> done_;         // connections whose thread has finished, to join
  std::condition_variable closed_cv_;  // a connection closed its socket
};

Status BeastServer::Listen() {
  const std::string where = options_.host + ":" + std::to_string(options_.port);
  if (!handler_) return InvalidArgument("server " + options_.name + " has no handler");
  if (options_.port < 0 || options_.port > 65535) {
    return Unavailable("cannot listen on " + where + ": invalid port");
  }
  error_code ec;
  tcp::endpoint endpoint;
  net::ip::address address = net::ip::make_address(options_.host, ec);
  if (!ec) {
    endpoint = tcp::endpoint(address, static_cast<unsigned short>(options_.port));
  } else {
    tcp::resolver resolver(ioc_);
    auto results = resolver.resolve(options_.host, std::to_string(options_.port), ec);
    if (ec || results.empty()) {
      return Unavailable("cannot listen on " + where + ": " +
                         (ec ? ec.message() : std::string("no address")));
    }
    endpoint = results.begin()->endpoint();
  }
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    acceptor_.close();
    return Unavailable("cannot listen on " + where + ": " + ec.message());
  }
  port_ = acceptor_.local_endpoint(ec).port();
  accept_thread_ = std::thread([this] { AcceptLoop(); });
  return Status::Ok();
}

void BeastServer::AcceptLoop() {
  for (;;) {
    tcp::socket socket(ioc_);
    error_code ec;
    acceptor_.accept(socket, ec);
    ReapFinished();
    if (stopping_) return;
    if (ec) {  // e.g. out of file descriptors: back off instead of spinning
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      continue;
    }
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return;
    uint64_t id = next_id_++;
    Conn& conn = conns_[id];
    conn.fd = socket.native_handle();
    conn.thread =
        std::thread([this, id, s = std::move(socket)]() mutable { Serve(id, std::move(s)); });
  }
}

void BeastServer::ReapFinished() {
  std::vector<std::thread> finished;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (uint64_t id : done_) {
      auto it = conns_.find(id);
      if (it == conns_.end()) continue;
      finished.push_back(std::move(it->second.thread));
      conns_.erase(it);
    }
    done_.clear();
  }
  for (std::thread& t : finished) {
    if (t.joinable()) t.join();
  }
}

bool BeastServer::AllClosedLocked() const {
  return std::all_of(conns_.begin(), conns_.end(), [](const auto& c) { return c.second.fd < 0; });
}

// Graceful: the listener closes first (new connections are refused), idle keep-alive
// connections close at once, in-flight requests and streams get until the drain deadline,
// then every socket that is left is shut down and streams see their writer return false.
void BeastServer::Stop() {
  std::lock_guard<std::mutex> stop_lock(stop_mu_);
  if (stopped_) return;
  stopped_ = true;
  const auto deadline = std::chrono::steady_clock::now() + options_.drain_timeout;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    for (auto& [id, conn] : conns_) {
      if (conn.fd >= 0 && conn.idle) ::shutdown(conn.fd, SHUT_RDWR);  // wakes AwaitRequest
    }
  }
  if (acceptor_.is_open()) ::shutdown(acceptor_.native_handle(), SHUT_RDWR);  // wakes accept()
  if (accept_thread_.joinable()) accept_thread_.join();
  error_code ec;
  acceptor_.close(ec);
  std::vector<std::thread> threads;
  {
    std::unique_lock<std::mutex> lock(mu_);
    closed_cv_.wait_until(lock, deadline, [this] { return AllClosedLocked(); });
    cut_ = true;
    for (auto& [id, conn] : conns_) {
      if (conn.fd >= 0) ::shutdown(conn.fd, SHUT_RDWR);  // wakes reads, writes and streams
      if (conn.thread.joinable()) threads.push_back(std::move(conn.thread));
    }
  }
  for (std::thread& t : threads) t.join();
  std::lock_guard<std::mutex> lock(mu_);
  conns_.clear();
  done_.clear();
}

void BeastServer::Serve(uint64_t id, tcp::socket socket) {
  try {
    ServeConnection(id, socket);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "[%s] connection error: %s\n", options_.name.c_str(), e.what());
  } catch (...) {
    std::fprintf(stderr, "[%s] connection error\n", options_.name.c_str());
  }
  std::lock_guard<std::mutex> lock(mu_);
  error_code ec;
  socket.close(ec);  // under mu_, so Stop() never shuts down a reused descriptor
  if (auto it = conns_.find(id); it != conns_.end()) it->second.fd = -1;
  done_.push_back(id);
  closed_cv_.notify_all();
}

bool BeastServer::AwaitRequest(uint64_t id, ConnStream& stream, boost::beast::flat_buffer& buffer) {
  // The read waits up to io_timeout (the keep-alive idle timeout); Stop() shuts the socket
  // down, which ends it. Over TLS it also consumes records that carry no request bytes.
  stream.raw().ClearReadDeadline();
  error_code ec;
  size_t n = 0;
  while (n == 0 && !ec) n = stream.read_some(buffer.prepare(size_t{16} * 1024), ec);
  buffer.commit(n);
  std::lock_guard<std::mutex> lock(mu_);
  if (n == 0 || stopping_) return false;  // idle timeout, error, or Stop() closed it
  if (auto it = conns_.find(id); it != conns_.end()) it->second.idle = false;
  return true;
}

void BeastServer::ServeConnection(uint64_t id, tcp::socket& socket) {
  error_code ec;
  socket.non_blocking(true, ec);
  if (ec) return;
  socket.set_option(tcp::no_delay(true), ec);
  std::string remote;
  if (auto ep = socket.remote_endpoint(ec); !ec) {
    net::ip::address addr = ep.address();
    if (addr.is_v6() && addr.to_v6().is_v4_mapped()) {
      addr = net::ip::make_address_v4(net::ip::v4_mapped, addr.to_v6());
    }
    remote = addr.to_string();
  }
  TimedSocket raw(socket, options_.io_timeout);
  std::unique_ptr<TlsSession> tls;
  if (tls_) {
    tls = std::make_unique<TlsSession>(*tls_, raw);
    raw.SetReadDeadline(std::chrono::steady_clock::now() + options_.request_timeout);
    tls->Handshake(ec);
    if (ec) return;  // not TLS, an old protocol, no shared cipher, or too slow
  }
  ConnStream stream(raw, tls.get());
  boost::beast::flat_buffer buffer;
  for (;;) {
    if (buffer.size() == 0) {
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (stopping_) break;
        if (auto it = conns_.find(id); it != conns_.end()) it->second.idle = true;
      }
      if (!AwaitRequest(id, stream, buffer)) break;
    } else if (stopping_) {
      break;  // pipelined requests that were not started when Stop() came are not served
    }
    const auto started = std::chrono::steady_clock::now();
    raw.SetReadDeadline(started + options_.request_timeout);
    bhttp::request_parser<bhttp::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(
        std::min<size_t>(options_.header_limit, std::numeric_limits<std::uint32_t>::max())));
    parser.body_limit(boost::none);  // decided per request once the head is known
    bhttp::read_header(stream, buffer, parser, ec);
    Request req;
    if (!ec) {
      req = MakeHead(parser.get(), remote);
      const size_t limit =
          options_.body_limit_for ? options_.body_limit_for(req) : options_.body_limit;
      if (auto length = parser.content_length(); length && *length > limit) {
        RejectAndClose(socket, stream, 413, "payload_too_large",
                       "request body of " + std::to_string(*length) + " bytes is larger than " +
                           std::to_string(limit) + " bytes");
        return;
      }
      parser.body_limit(static_cast<std::uint64_t>(limit));
      if (!parser.is_done()) {
        // The body's budget: request_timeout of grace plus 1 s per min_body_rate bytes.
        raw.SetReadDeadline(std::chrono::steady_clock::now() + options_.request_timeout,
                            options_.min_body_rate);
        if (IEquals(ToString(parser.get()[bhttp::field::expect]), "100-continue")) {
          bhttp::response<bhttp::empty_body> cont{bhttp::status::continue_, parser.get().version()};
          bhttp::write(stream, cont, ec);
          if (ec) return;
        }
        bhttp::read(stream, buffer, parser, ec);
        if (ec == bhttp::error::body_limit) {
          RejectAndClose(socket, stream, 413, "payload_too_large",
                         "request body is larger than " + std::to_string(limit) + " bytes");
          return;
        }
      }
    }
    raw.ClearReadDeadline();
    if (ec == bhttp::error::header_limit) {
      RejectAndClose(
          socket, stream, 431, "request_header_fields_too_large",
          "request header is larger than " + std::to_string(options_.header_limit) + " bytes");
      return;
    }
    if (ec == net::error::timed_out && !cut_) {
      const auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(
          std::chrono::steady_clock::now() - started);
      RejectAndClose(socket, stream, 408, "request_timeout",
                     std::string("the request did not arrive in time (") +
                         (req.method.empty() ? "header" : "body") + " incomplete after " +
                         std::to_string(waited.count()) + " ms)");
      return;
    }
    if (ec && ec.category() == bhttp::make_error_code(bhttp::error::bad_target).category() &&
        ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message) {
      RejectAndClose(socket, stream, 400, "invalid_argument",
                     "malformed HTTP request: " + ec.message());
      return;
    }
    if (ec) return;  // closed by the peer, reset, or shut down by Stop()
    bhttp::request<bhttp::string_body> msg = parser.release();
    const bool keep_alive = msg.keep_alive();
    const bool head = msg.method() == bhttp::verb::head;
    const unsigned version = msg.version();
    req.body = std::move(msg.body());
    req.websocket = beast_internal::IsWebSocketUpgrade(msg);
    Response res = CallHandler(req);
    if (req.websocket && res.status == 200 && res.stream && !head) {
      beast_internal::ServeWebSocket(stream, msg, res, cut_, options_.name);
      return;
    }
    if (!WriteResponse(stream, head, version, keep_alive && !stopping_, res, cut_, options_.name)) {
      break;
    }
  }
  // Between requests: over TLS say goodbye with close_notify (briefly waiting for the peer's).
  if (tls && !cut_) tls->Shutdown(std::chrono::milliseconds(100));
  socket.shutdown(tcp::socket::shutdown_send, ec);
}

Request BeastServer::MakeHead(const bhttp::request<bhttp::string_body>& msg,
                              const std::string& remote) {
  Request req;
  req.method = ToString(msg.method_string());
  req.target = ToString(msg.target());
  ParseTarget(req.target, &req.path, &req.query);
  for (const auto& field : msg) {
    std::string value = ToString(field.value());
    auto [it, inserted] = req.headers.emplace(ToString(field.name_string()), value);
    if (!inserted) it->second += ", " + value;
  }
  req.remote_addr = remote;
  return req;
}

Response BeastServer::CallHandler(Request& req) {
  try {
    return handler_(req);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "[%s] handler for %s %s threw: %s\n", options_.name.c_str(),
                 req.method.c_str(), req.path.c_str(), e.what());
    return ErrorEnvelope(500, "internal", "internal error");  // the detail is in the log only
  } catch (...) {
    return ErrorEnvelope(500, "internal", "internal error");
  }
}

void BeastServer::RejectAndClose(tcp::socket& socket, ConnStream& stream, int status,
                                 std::string_view code, std::string_view message) {
  Response res = ErrorEnvelope(status, code, message);
  WriteResponse(stream, false, 11, false, res, cut_, options_.name);
  // Lingering close: read (and drop) what the client is still sending for a moment, so the
  // kernel does not answer it with a reset that could destroy the response in flight.
  error_code ec;
  socket.shutdown(tcp::socket::shutdown_send, ec);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  char sink[16384];
  while (!cut_ && std::chrono::steady_clock::now() < deadline) {
    pollfd p{socket.native_handle(), POLLIN, 0};
    if (::poll(&p, 1, 100) < 0 && errno != EINTR) break;
    socket.read_some(net::buffer(sink), ec);
    if (ec && ec != net::error::would_block && ec != net::error::try_again) break;
  }
}

}  // namespace

Result<std::unique_ptr<Server>> StartServer(const ServerOptions& options,
                                            std::function<Response(Request&)> handler) {
  if (options.tls_cert_file.empty() != options.tls_key_file.empty()) {
    return InvalidArgument("TLS needs both a certificate and a key file (got only the " +
                           std::string(options.tls_cert_file.empty() ? "key" : "certificate") +
                           ")");
  }
  std::shared_ptr<TlsContext> tls;
  if (!options.tls_cert_file.empty()) {
    AETHER_ASSIGN_OR_RETURN(tls, TlsContext::Load(options.tls_cert_file, options.tls_key_file));
  }
  try {
    auto server = std::make_unique<BeastServer>(options, std::move(handler), std::move(tls));
    AETHER_RETURN_IF_ERROR(server->Listen());
    return std::unique_ptr<Server>(std::move(server));
  } catch (const std::exception& e) {
    return Unavailable("cannot listen on " + options.host + ":" + std::to_string(options.port) +
                       ": " + e.what());
  }
}

}  // namespace aether::http
