// TimedSocket: a Beast SyncReadStream/SyncWriteStream over a non-blocking asio TCP socket whose
// reads and writes give up after a timeout without progress, and whose reads can also have an
// overall deadline (the server's request timeout). Used only by the beast/ TUs of the server
// (server.cc, tls.cc, write_response.cc, websocket.cc); one instance per connection thread,
// not thread-safe.
#pragma once

#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <limits>

#include "aether/http/beast/boost_includes.h"

namespace aether::http::beast_internal {

namespace net = boost::asio;
using tcp = net::ip::tcp;
using boost::system::error_code;

// Beast's SyncReadStream/SyncWriteStream concepts also ask for throwing read_some/write_some;
// a stream derives them from its error_code forms by inheriting this (and `using` both names).
template <class Derived>
class ThrowingSyncStream {
 public:
  template <class Buffers>
  size_t read_some(const Buffers& buffers) {
    error_code ec;
    size_t n = static_cast<Derived&>(*this).read_some(buffers, ec);
    if (ec) throw boost::system::system_error(ec);
    return n;
  }
  template <class Buffers>
  size_t write_some(const Buffers& buffers) {
    error_code ec;
    size_t n = static_cast<Derived&>(*this).write_some(buffers, ec);
    if (ec) throw boost::system::system_error(ec);
    return n;
  }
};

// A SyncStream over a non-blocking socket: every read/write waits at most `timeout` for
// progress. Stop() shuts the socket down, which wakes the wait.
class TimedSocket : public ThrowingSyncStream<TimedSocket> {
 public:
  using ThrowingSyncStream::read_some;
  using ThrowingSyncStream::write_some;
  using executor_type = tcp::socket::executor_type;
  TimedSocket(tcp::socket& socket, std::chrono::milliseconds timeout)
      : socket_(socket),
        timeout_ms_(static_cast<int>(
            std::min<int64_t>(std::max<int64_t>(timeout.count(), 1), 24LL * 3600 * 1000))) {}
  executor_type get_executor() { return socket_.get_executor(); }
  // For asio::ssl::stream<TimedSocket&>, which names the lowest layer's executor.
  using lowest_layer_type = tcp::socket;
  tcp::socket& lowest_layer() { return socket_; }
  tcp::socket& socket() { return socket_; }

  // From now on reads fail with timed_out (and DeadlinePassed() is true) once `deadline` plus
  // one second per `bytes_per_second` bytes read after this call has passed: a fixed deadline
  // when bytes_per_second is 0, else a minimum average rate after a grace period.
  void SetReadDeadline(std::chrono::steady_clock::time_point deadline,
                       uint64_t bytes_per_second = 0) {
    deadline_ = deadline;
    rate_ = bytes_per_second;
    read_since_ = 0;
    deadline_passed_ = false;
  }
  void ClearReadDeadline() {
    deadline_ = std::chrono::steady_clock::time_point::max();
    deadline_passed_ = false;
  }
  bool DeadlinePassed() const { return deadline_passed_; }

  template <class Buffers>
  size_t read_some(const Buffers& buffers, error_code& ec) {
    for (;;) {
      const int64_t left_ms = MillisToDeadline();
      if (left_ms <= 0) {
        deadline_passed_ = true;
        ec = net::error::timed_out;
        return 0;
      }
      size_t n = socket_.read_some(buffers, ec);
      if (ec != net::error::would_block && ec != net::error::try_again) {
        read_since_ += n;
        return n;
      }
      if (!Wait(POLLIN, ec, left_ms)) return 0;
    }
  }
  template <class Buffers>
  size_t write_some(const Buffers& buffers, error_code& ec) {
    for (;;) {
      size_t n = socket_.write_some(buffers, ec);
      if (ec != net::error::would_block && ec != net::error::try_again) return n;
      if (!Wait(POLLOUT, ec, kNoDeadline)) return 0;
    }
  }

  // Whether the peer has neither closed nor reset the connection (no data is consumed).
  bool PeerAlive() {
    pollfd p{socket_.native_handle(), POLLRDHUP, 0};
    return ::poll(&p, 1, 0) == 0;
  }

 private:
  static constexpr int64_t kNoDeadline = std::numeric_limits<int64_t>::max();

  // Milliseconds until the read deadline (kNoDeadline without one; <= 0 once it passed).
  int64_t MillisToDeadline() const {
    if (deadline_ == std::chrono::steady_clock::time_point::max()) return kNoDeadline;
    auto deadline = deadline_;
    if (rate_ > 0) {
      deadline += std::chrono::milliseconds(
          static_cast<int64_t>(std::min<uint64_t>(read_since_ * 1000 / rate_, uint64_t{1} << 50)));
    }
    return std::chrono::duration_cast<std::chrono::milliseconds>(deadline -
                                                                 std::chrono::steady_clock::now())
        .count();
  }

  // Waits for `events` up to the progress timeout; returns true (to retry) when the wait was
  // cut short by the read deadline `deadline_ms` away, which the caller then checks.
  bool Wait(short events, error_code& ec, int64_t deadline_ms) {
    pollfd p{socket_.native_handle(), events, 0};
    const bool deadline_first = deadline_ms < timeout_ms_;
    const int wait_ms =
        deadline_first ? static_cast<int>(std::max<int64_t>(deadline_ms, 1)) : timeout_ms_;
    for (;;) {
      int r = ::poll(&p, 1, wait_ms);
      if (r > 0) return true;
      if (r == 0) {
        if (deadline_first) return true;
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
  std::chrono::steady_clock::time_point deadline_ = std::chrono::steady_clock::time_point::max();
  uint64_t rate_ = 0;        // bytes per second the deadline moves by; 0: fixed
  uint64_t read_since_ = 0;  // bytes read since SetReadDeadline
  bool deadline_passed_ = false;
};

}  // namespace aether::http::beast_internal
