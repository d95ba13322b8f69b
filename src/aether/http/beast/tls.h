// TLS for the Beast server: a TlsContext (certificate, key and the protocol policy, loaded once
// by StartServer and shared by every connection) and a TlsSession per connection over its
// TimedSocket, so the socket's progress timeout and read deadline bound the handshake and every
// record. The Asio SSL headers stay inside tls.cc. A TlsSession is used by one connection thread.
#pragma once

#include <memory>
#include <string>

#include "aether/core/status.h"
#include "aether/http/beast/timed_socket.h"

namespace aether::http::beast_internal {

// TLS 1.2 and 1.3 only; for 1.2 only ECDHE key exchange with AEAD ciphers (AES-GCM,
// ChaCha20-Poly1305), the OpenSSL default 1.3 suites; no compression, no renegotiation, no
// session tickets across restarts (tickets are per process).
class TlsContext {
 public:
  // kInvalidArgument naming the file for a missing or unreadable file, a file that is not a PEM
  // certificate (chain) or private key, or a key that does not match the certificate.
  static Result<std::shared_ptr<TlsContext>> Load(const std::string& cert_file,
                                                  const std::string& key_file);
  ~TlsContext();

  struct Impl;
  Impl& impl() { return *impl_; }

 private:
  explicit TlsContext(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// One server-side TLS connection over `socket`.
class TlsSession {
 public:
  TlsSession(TlsContext& context, TimedSocket& socket);
  ~TlsSession();
  TlsSession(const TlsSession&) = delete;
  TlsSession& operator=(const TlsSession&) = delete;

  void Handshake(error_code& ec);
  size_t ReadSome(net::mutable_buffer buffer, error_code& ec);
  size_t WriteSome(net::const_buffer buffer, error_code& ec);
  // Sends close_notify and waits briefly (at most `wait`) for the peer's.
  void Shutdown(std::chrono::milliseconds wait);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace aether::http::beast_internal
