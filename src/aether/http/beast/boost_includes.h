// The Boost.Asio/Beast headers used by http/beast/*.cc, included in one place, so the set of
// heavy headers (and their compile time) stays visible.
#pragma once

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
