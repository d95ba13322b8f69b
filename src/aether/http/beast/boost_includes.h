// The Boost.Asio/Beast headers used by http/beast/*.cc, included in one place. Boost 1.81's
// asio trips GCC 12's -Wnull-dereference at -O2 (false positives inside Boost), which the
// project builds with -Werror, so that warning is silenced for these headers only.
#pragma once

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnull-dereference"
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#pragma GCC diagnostic pop
