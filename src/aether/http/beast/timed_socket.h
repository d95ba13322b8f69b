// TimedSocket: a Beast SyncReadStream/SyncWriteStream over a non-blocking asio TCP socket whose
// reads and writes give up after a timeout without progress. Used only by beast/server.cc (the
// one TU that may include it); one instance per connection thread, not thread-safe.
#pragma once

#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>

#include "aether/http/beast/boost_includes.h"

namespace aether::http::beast_internal {

namespace net = boost::asio;
using tcp = net::ip::tcp;
using boost::system::error_code;

// A SyncStream over a non-blocking socket: every read/write waits at most `timeout` for
// progress. Stop() shuts the socket down, which wakes the wait.
class TimedSocket {
 public:
  using executor_type = tcp::socket::executor_type;
  TimedSocket(tcp::socket& socket, std::chrono::milliseconds timeout)
      : socket_(socket),
        timeout_ms_(static_cast<int>(
            std::min<int64_t>(std::max<int64_t>(timeout.count(), 1), 24LL * 3600 * 1000))) {}
  executor_type get_executor() { return socket_.get_executor(); }

  template <class Buffers>
  size_t read_some(const Buffers& buffers, error_code& ec) {
    for (;;) {
      size_t n = socket_.read_some(buffers, ec);
      if (ec != net::error::would_block && ec != net::error::try_again) return n;
      if (!Wait(POLLIN, ec)) return 0;
    }
  }
  template <class Buffers>
  size_t write_some(const Buffers& buffers, error_code& ec) {
    for (;;) {
      size_t n = socket_.write_some(buffers, ec);
      if (ec != net::error::would_block && ec != net::error::try_again) return n;
      if (!Wait(POLLOUT, ec)) return 0;
    }
  }
  template <class Buffers>
  size_t read_some(const Buffers& buffers) {
    error_code ec;
    size_t n = read_some(buffers, ec);
    if (ec) throw boost::system::system_error(ec);
    return n;
  }
  template <class Buffers>
  size_t write_some(const Buffers& buffers) {
    error_code ec;
    size_t n = write_some(buffers, ec);
    if (ec) throw boost::system::system_error(ec);
    return n;
  }

  // Whether the peer has neither closed nor reset the connection (no data is consumed).
  bool PeerAlive() {
    pollfd p{socket_.native_handle(), POLLRDHUP, 0};
    return ::poll(&p, 1, 0) == 0;
  }

 private:
  bool Wait(short events, error_code& ec) {
    pollfd p{socket_.native_handle(), events, 0};
    for (;;) {
      int r = ::poll(&p, 1, timeout_ms_);
      if (r > 0) return true;
      if (r == 0) {
        ec = net::error::timed_out;
        return false;
      }
      if (errno != EINTR) {
        ec = error_code(errno, boost::system::system_category());
        return false;
      }
    }
  }

  tcp::socket& socket_;
  int timeout_ms_;
};

}  // namespace aether::http::beast_internal
