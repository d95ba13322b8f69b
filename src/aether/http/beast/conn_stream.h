// ConnStream: the Beast SyncReadStream/SyncWriteStream a server connection speaks HTTP and
// WebSocket over: its TimedSocket directly, or a TlsSession on top of it. Used only by the
// beast/ TUs of the server; one per connection thread, not thread-safe.
#pragma once

#include <algorithm>
#include <cstring>

#include "aether/http/beast/boost_includes.h"
#include "aether/http/beast/timed_socket.h"
#include "aether/http/beast/tls.h"

namespace aether::http::beast_internal {

class ConnStream : public ThrowingSyncStream<ConnStream> {
 public:
  using ThrowingSyncStream::read_some;
  using ThrowingSyncStream::write_some;
  using executor_type = TimedSocket::executor_type;
  // `tls` may be null (plain TCP); both must outlive the ConnStream.
  ConnStream(TimedSocket& raw, TlsSession* tls) : raw_(raw), tls_(tls) {}
  executor_type get_executor() { return raw_.get_executor(); }
  TimedSocket& raw() { return raw_; }
  bool PeerAlive() { return raw_.PeerAlive(); }
  // Ends the connection politely: TLS close_notify (waiting briefly for the peer's), then a
  // TCP half-close.
  void Close(error_code& ec) {
    if (tls_ != nullptr) tls_->Shutdown(std::chrono::milliseconds(100));
    raw_.socket().shutdown(tcp::socket::shutdown_send, ec);
  }

  template <class Buffers>
  size_t read_some(const Buffers& buffers, error_code& ec) {
    if (tls_ == nullptr) return raw_.read_some(buffers, ec);
    for (auto it = net::buffer_sequence_begin(buffers); it != net::buffer_sequence_end(buffers);
         ++it) {
      net::mutable_buffer b(*it);
      if (b.size() > 0) return tls_->ReadSome(b, ec);
    }
    ec = {};
    return 0;
  }

  // Over TLS, a sequence of small buffers (an HTTP header, a chunk and its framing) goes out as
  // one record instead of one per buffer.
  template <class Buffers>
  size_t write_some(const Buffers& buffers, error_code& ec) {
    if (tls_ == nullptr) return raw_.write_some(buffers, ec);
    size_t filled = 0;
    for (auto it = net::buffer_sequence_begin(buffers); it != net::buffer_sequence_end(buffers);
         ++it) {
      net::const_buffer b(*it);
      if (b.size() == 0) continue;
      if (filled == 0 && b.size() >= sizeof(gather_)) return tls_->WriteSome(b, ec);
      size_t n = std::min(b.size(), sizeof(gather_) - filled);
      std::memcpy(gather_ + filled, b.data(), n);
      filled += n;
      if (filled == sizeof(gather_)) break;
    }
    if (filled == 0) {
      ec = {};
      return 0;
    }
    return tls_->WriteSome(net::const_buffer(gather_, filled), ec);
  }

 private:
  TimedSocket& raw_;
  TlsSession* tls_;
  char gather_[16 * 1024];
};

// Beast's WebSocket close ends with this (found by argument-dependent lookup).
inline void teardown(boost::beast::role_type, ConnStream& stream, error_code& ec) {
  stream.Close(ec);
}

}  // namespace aether::http::beast_internal
