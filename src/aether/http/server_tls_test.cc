// The server over TLS with a certificate from crypto::MakeSelfSignedCert: the curl client
// trusts it with ca_file and refuses it without (kUntrustedCertificate); old protocols and
// non-AEAD ciphers are refused; bad TLS files fail StartServer clearly; a stalled handshake is
// cut off; WebSocket upgrades work over TLS.
#include <gtest/gtest.h>
#include <openssl/ssl.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "aether/crypto/x509.h"
#include "aether/http/client.h"
#include "aether/http/server.h"
#include "aether/http/test_util.h"

namespace aether::http {
namespace {

namespace fs = std::filesystem;
namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
namespace websocket = boost::beast::websocket;
using tcp = net::ip::tcp;
using namespace std::chrono_literals;

std::unique_ptr<Client> ClientTrusting(const std::string& ca_file) {
  ClientOptions options;
  options.ca_file = ca_file;
  return NewClient(options);
}

void WriteText(const fs::path& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

class TlsServer : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("aether-tls-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
    auto made = crypto::MakeSelfSignedCert({"127.0.0.1", "localhost"}, 2);
    ASSERT_TRUE(made.ok()) << made.status().ToString();
    auto other = crypto::MakeSelfSignedCert({"127.0.0.1", "localhost"}, 2);
    ASSERT_TRUE(other.ok());
    WriteText(cert(), made->cert_pem);
    WriteText(key(), made->key_pem);
    WriteText(other_cert(), other->cert_pem);
    WriteText(other_key(), other->key_pem);
  }
  void TearDown() override {
    server_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  std::string cert() const { return (dir_ / "cert.pem").string(); }
  std::string key() const { return (dir_ / "key.pem").string(); }
  std::string other_cert() const { return (dir_ / "other-cert.pem").string(); }
  std::string other_key() const { return (dir_ / "other-key.pem").string(); }

  void StartTls(ServerOptions options = {}) {
    options.tls_cert_file = cert();
    options.tls_key_file = key();
    auto server = StartServer(options, [](Request& req) {
      if (req.websocket) {
        Response res;
        res.stream = [](const ChunkWriter& write) {
          write("over");
          write("tls");
        };
        return res;
      }
      if (req.path == "/big") return Response::Text(200, std::string(3 << 20, 'b'));
      if (req.path == "/chunked") {
        Response res;
        res.stream = [](const ChunkWriter& write) {
          for (int i = 0; i < 100; ++i) write(std::string(10000, 'c'));
        };
        return res;
      }
      return Response::Text(200,
                            req.method + " " + req.path + " " + std::to_string(req.body.size()));
    });
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(*server);
  }
  std::string Url(const std::string& host, const std::string& path) const {
    return "https://" + host + ":" + std::to_string(server_->port()) + path;
  }
  Result<Response> Fetch(const std::string& ca_file, const std::string& url,
                         const std::string& method = "GET", std::string body = "") {
    ClientRequest req;
    req.method = method;
    req.url = url;
    req.body = std::move(body);
    return ClientTrusting(ca_file)->Send(req);
  }

  // Whether a handshake with at most `max_version` (and `ciphers` for TLS <= 1.2) succeeds.
  bool Handshake(int max_version, const char* ciphers) {
    SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
    SSL_CTX_set_min_proto_version(ctx, TLS1_VERSION);
    SSL_CTX_set_max_proto_version(ctx, max_version);
    SSL_CTX_set_cipher_list(ctx, ciphers);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
    testing::RawConnection raw(server_->port());
    SSL* ssl = SSL_new(ctx);
    SSL_set_fd(ssl, raw.fd());
    const bool ok = SSL_connect(ssl) == 1;
    SSL_free(ssl);
    SSL_CTX_free(ctx);
    return ok;
  }

  fs::path dir_;
  std::unique_ptr<Server> server_;
};

TEST_F(TlsServer, TrustedWithTheCaFile) {
  StartTls();
  for (const char* host : {"127.0.0.1", "localhost"}) {
    auto res = Fetch(cert(), Url(host, "/hello"));
    ASSERT_TRUE(res.ok()) << res.status().ToString();
    EXPECT_EQ(res->status, 200);
    EXPECT_EQ(res->body, "GET /hello 0");
  }
  // Responses bigger than one TLS record, fixed-length and chunked.
  auto big = Fetch(cert(), Url("127.0.0.1", "/big"));
  ASSERT_TRUE(big.ok()) << big.status().ToString();
  EXPECT_EQ(big->body, std::string(3 << 20, 'b'));
  auto chunked = Fetch(cert(), Url("127.0.0.1", "/chunked"));
  ASSERT_TRUE(chunked.ok()) << chunked.status().ToString();
  EXPECT_EQ(chunked->body, std::string(1000000, 'c'));
  // A body bigger than one TLS record, and keep-alive on one client.
  auto client = ClientTrusting(cert());
  for (int i = 0; i < 3; ++i) {
    ClientRequest req;
    req.method = "PUT";
    req.url = Url("127.0.0.1", "/up");
    req.body = std::string(300000, 'x');
    auto res = client->Send(req);
    ASSERT_TRUE(res.ok()) << res.status().ToString();
    EXPECT_EQ(res->body, "PUT /up 300000");
  }
}

TEST_F(TlsServer, UntrustedWithoutTheCaOrWithAnotherOne) {
  StartTls();
  for (const std::string& ca : {std::string(), other_cert()}) {
    auto res = Fetch(ca, Url("127.0.0.1", "/x"));
    ASSERT_FALSE(res.ok());
    EXPECT_EQ(res.status().code(), ErrorCode::kUntrustedCertificate) << res.status().ToString();
    EXPECT_NE(res.status().message().find("certificate of https://127.0.0.1:" +
                                          std::to_string(server_->port()) + " is not trusted"),
              std::string::npos)
        << res.status().message();
  }
}

TEST_F(TlsServer, PlainHttpClientGetsNoAnswer) {
  StartTls();
  auto res = Fetch("", "http://127.0.0.1:" + std::to_string(server_->port()) + "/x");
  EXPECT_FALSE(res.ok() && res->status == 200);
}

TEST_F(TlsServer, RefusesOldProtocolsAndNonAeadCiphers) {
  StartTls();
  EXPECT_TRUE(Handshake(TLS1_2_VERSION, "DEFAULT")) << "control: TLS 1.2 works";
  EXPECT_TRUE(Handshake(TLS1_3_VERSION, "DEFAULT"));
  EXPECT_FALSE(Handshake(TLS1_1_VERSION, "DEFAULT:@SECLEVEL=0"));
  EXPECT_FALSE(Handshake(TLS1_VERSION, "DEFAULT:@SECLEVEL=0"));
  EXPECT_FALSE(Handshake(TLS1_2_VERSION, "ECDHE-ECDSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA384"));
}

TEST_F(TlsServer, BadFilesFailToStart) {
  auto handler = [](Request&) { return Response::Text(200, "ok"); };
  auto start = [&](const std::string& c, const std::string& k) {
    ServerOptions o;
    o.tls_cert_file = c;
    o.tls_key_file = k;
    return StartServer(o, handler).status();
  };
  Status only_cert = start(cert(), "");
  EXPECT_EQ(only_cert.code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(only_cert.message().find("both"), std::string::npos) << only_cert.message();
  Status missing = start((dir_ / "nope.pem").string(), key());
  EXPECT_EQ(missing.code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(missing.message().find("nope.pem"), std::string::npos) << missing.message();
  Status swapped = start(key(), cert());
  EXPECT_EQ(swapped.code(), ErrorCode::kInvalidArgument) << swapped.ToString();
  Status mismatch = start(cert(), other_key());
  EXPECT_EQ(mismatch.code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(mismatch.message().find("does not match"), std::string::npos) << mismatch.message();
}

TEST_F(TlsServer, StalledHandshakeIsCutOffAtTheRequestTimeout) {
  ServerOptions options;
  options.request_timeout = 400ms;
  options.io_timeout = 10s;
  StartTls(options);
  testing::RawConnection raw(server_->port());
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(raw.ClosedWithin(5s));
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
}

TEST_F(TlsServer, RequestLimitsApplyOverTls) {
  ServerOptions options;
  options.body_limit = 1000;
  StartTls(options);
  auto res = Fetch(cert(), Url("127.0.0.1", "/big"), "POST", std::string(5000, 'x'));
  ASSERT_TRUE(res.ok()) << res.status().ToString();
  EXPECT_EQ(res->status, 413);
  EXPECT_NE(res->body.find("payload_too_large"), std::string::npos) << res->body;
}

TEST_F(TlsServer, WebSocketOverTls) {
  StartTls();
  net::io_context ioc;
  ssl::context ctx(ssl::context::tls_client);
  ctx.load_verify_file(cert());
  ctx.set_verify_mode(ssl::verify_peer);
  websocket::stream<ssl::stream<tcp::socket>> ws(ioc, ctx);
  tcp::resolver resolver(ioc);
  net::connect(ws.next_layer().next_layer(),
               resolver.resolve("127.0.0.1", std::to_string(server_->port())));
  ws.next_layer().handshake(ssl::stream_base::client);
  ws.handshake("127.0.0.1", "/logs");
  std::vector<std::string> got;
  for (;;) {
    boost::beast::flat_buffer buffer;
    boost::system::error_code ec;
    ws.read(buffer, ec);
    if (ec == websocket::error::closed) break;
    ASSERT_FALSE(ec) << ec.message() << " after " << got.size();
    got.push_back(boost::beast::buffers_to_string(buffer.data()));
  }
  EXPECT_EQ(got, (std::vector<std::string>{"over", "tls"}));
  EXPECT_EQ(ws.reason().code, websocket::close_code::normal);
}

TEST_F(TlsServer, StopIsPromptWithAnIdleTlsConnection) {
  StartTls();
  auto client = ClientTrusting(cert());
  ClientRequest req;
  req.url = Url("127.0.0.1", "/a");
  ASSERT_TRUE(client->Send(req).ok());  // the connection stays open, idle
  const auto start = std::chrono::steady_clock::now();
  server_->Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
}

}  // namespace
}  // namespace aether::http
