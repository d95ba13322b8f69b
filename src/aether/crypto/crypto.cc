// OpenSSL-backed implementations of crypto.h.
#include "aether/crypto/crypto.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <stdexcept>

namespace aether::crypto {
namespace {

std::string ToHex(const unsigned char* p, size_t n) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(n * 2, '0');
  for (size_t i = 0; i < n; ++i) {
    out[2 * i] = kHex[p[i] >> 4];
    out[2 * i + 1] = kHex[p[i] & 0xf];
  }
  return out;
}

}  // namespace

struct Sha256::Impl {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  ~Impl() { EVP_MD_CTX_free(ctx); }
};

Sha256::Sha256() : impl_(std::make_unique<Impl>()) {
  EVP_DigestInit_ex(impl_->ctx, EVP_sha256(), nullptr);
}
Sha256::~Sha256() = default;

void Sha256::Update(std::string_view bytes) {
  EVP_DigestUpdate(impl_->ctx, bytes.data(), bytes.size());
}

std::string Sha256::FinishHex() {
  std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
  unsigned int len = 0;
  EVP_DigestFinal_ex(impl_->ctx, md.data(), &len);
  return ToHex(md.data(), len);
}

std::string Sha256Hex(std::string_view bytes) {
  Sha256 h;
  h.Update(bytes);
  return h.FinishHex();
}

Digest Sha256Digest(std::string_view bytes) { return Digest::FromHex(Sha256Hex(bytes)); }

Result<Digest> Sha256File(const std::string& path, long long* size) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFound("cannot open " + path);
  Sha256 h;
  std::string buf(1 << 16, '\0');
  long long total = 0;
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    auto got = in.gcount();
    if (got <= 0) break;
    h.Update(std::string_view(buf.data(), static_cast<size_t>(got)));
    total += got;
  }
  if (in.bad()) return Internal("read error on " + path);
  if (size != nullptr) *size = total;
  return Digest::FromHex(h.FinishHex());
}

std::string HmacSha256(std::string_view key, std::string_view data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), md.data(), &len);
  return {reinterpret_cast<const char*>(md.data()), len};
}

std::string HmacSha256Hex(std::string_view key, std::string_view data) {
  std::string raw = HmacSha256(key, data);
  return ToHex(reinterpret_cast<const unsigned char*>(raw.data()), raw.size());
}

std::string RandomHex(size_t n) {
  std::string raw(n, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(raw.data()), static_cast<int>(n)) != 1) {
    std::fputs("aether: OpenSSL RAND_bytes failed\n", stderr);
    std::abort();
  }
  return ToHex(reinterpret_cast<const unsigned char*>(raw.data()), n);
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace aether::crypto
