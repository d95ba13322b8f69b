// TlsContext and TlsSession over asio::ssl::stream<TimedSocket&> (OpenSSL 3). The one TU with
// the Asio SSL headers.
#include "aether/http/beast/tls.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <boost/asio/ssl.hpp>
#include <cerrno>
#include <cstring>
#include <fstream>

namespace aether::http::beast_internal {

namespace ssl = boost::asio::ssl;

struct TlsContext::Impl {
  ssl::context ctx{ssl::context::tls_server};
};

struct TlsSession::Impl {
  Impl(ssl::context& ctx, TimedSocket& socket) : stream(socket, ctx), raw(socket) {}
  ssl::stream<TimedSocket&> stream;
  TimedSocket& raw;
};

namespace {

// ECDHE key exchange and AEAD ciphers only, for TLS 1.2 (1.3 suites are all AEAD).
constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

std::string OpenSslReason() {
  unsigned long e = ERR_peek_last_error();
  std::string out;
  if (e != 0) {
    const char* reason = ERR_reason_error_string(e);
    out = reason != nullptr ? reason : "OpenSSL error " + std::to_string(e);
  }
  ERR_clear_error();
  return out;
}

Status CheckReadable(const std::string& what, const std::string& file) {
  if (file.empty()) return InvalidArgument("TLS needs a " + what + " file");
  std::ifstream in(file, std::ios::binary);
  if (!in)
    return InvalidArgument("cannot read TLS " + what + " " + file + ": " + std::strerror(errno));
  return Status::Ok();
}

}  // namespace

TlsContext::TlsContext(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
TlsContext::~TlsContext() = default;

Result<std::shared_ptr<TlsContext>> TlsContext::Load(const std::string& cert_file,
                                                     const std::string& key_file) {
  AETHER_RETURN_IF_ERROR(CheckReadable("certificate", cert_file));
  AETHER_RETURN_IF_ERROR(CheckReadable("key", key_file));
  auto impl = std::make_unique<Impl>();
  SSL_CTX* ctx = impl->ctx.native_handle();
  ERR_clear_error();
  if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1 ||
      SSL_CTX_set_cipher_list(ctx, kTls12Ciphers) != 1) {
    return Internal("cannot configure TLS: " + OpenSslReason());
  }
  SSL_CTX_set_options(
      ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  if (SSL_CTX_use_certificate_chain_file(ctx, cert_file.c_str()) != 1) {
    return InvalidArgument("TLS certificate " + cert_file +
                           " is not a PEM certificate: " + OpenSslReason());
  }
  if (SSL_CTX_use_PrivateKey_file(ctx, key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
    if (ERR_GET_REASON(ERR_peek_last_error()) == X509_R_KEY_VALUES_MISMATCH) {
      ERR_clear_error();
      return InvalidArgument("TLS key " + key_file + " does not match the certificate " +
                             cert_file);
    }
    return InvalidArgument("TLS key " + key_file + " is not a PEM private key: " + OpenSslReason());
  }
  if (SSL_CTX_check_private_key(ctx) != 1) {
    return InvalidArgument("TLS key " + key_file + " does not match the certificate " + cert_file +
                           ": " + OpenSslReason());
  }
  return std::shared_ptr<TlsContext>(new TlsContext(std::move(impl)));
}

TlsSession::TlsSession(TlsContext& context, TimedSocket& socket)
    : impl_(std::make_unique<Impl>(context.impl().ctx, socket)) {}
TlsSession::~TlsSession() = default;

void TlsSession::Handshake(error_code& ec) {
  impl_->stream.handshake(ssl::stream_base::server, ec);
}

size_t TlsSession::ReadSome(net::mutable_buffer buffer, error_code& ec) {
  return impl_->stream.read_some(buffer, ec);
}

size_t TlsSession::WriteSome(net::const_buffer buffer, error_code& ec) {
  return impl_->stream.write_some(buffer, ec);
}

void TlsSession::Shutdown(std::chrono::milliseconds wait) {
  impl_->raw.SetReadDeadline(std::chrono::steady_clock::now() + wait);
  error_code ec;
  impl_->stream.shutdown(ec);
}

}  // namespace aether::http::beast_internal
