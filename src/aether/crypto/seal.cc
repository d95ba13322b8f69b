// AES-256-GCM sealing over OpenSSL's EVP interface.
#include "aether/crypto/seal.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <memory>

#include "aether/crypto/base64.h"
#include "aether/crypto/crypto.h"

namespace aether::crypto {
namespace {

constexpr int kNonce = 12;
constexpr int kTag = 16;

using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

const unsigned char* Bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}
unsigned char* Bytes(std::string& s) { return reinterpret_cast<unsigned char*>(s.data()); }

Status CheckKey(std::string_view key) {
  if (key.size() != 32) return InvalidArgument("a sealing key is 32 bytes");
  return Status::Ok();
}

}  // namespace

Result<std::string> Seal(std::string_view key, std::string_view context,
                         std::string_view plaintext) {
  AETHER_RETURN_IF_ERROR(CheckKey(key));
  std::string out(kNonce + plaintext.size() + kTag, '\0');
  if (RAND_bytes(Bytes(out), kNonce) != 1) return Internal("no randomness for a nonce");
  CipherCtx ctx(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
  int len = 0;
  int pt_len = static_cast<int>(plaintext.size());
  int ctx_len = static_cast<int>(context.size());
  bool ok =
      ctx &&
      EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, Bytes(key), Bytes(out)) == 1 &&
      EVP_EncryptUpdate(ctx.get(), nullptr, &len, Bytes(context), ctx_len) == 1 &&
      EVP_EncryptUpdate(ctx.get(), Bytes(out) + kNonce, &len, Bytes(plaintext), pt_len) == 1 &&
      EVP_EncryptFinal_ex(ctx.get(), Bytes(out) + kNonce + len, &len) == 1 &&
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTag,
                          Bytes(out) + kNonce + plaintext.size()) == 1;
  if (!ok) return Internal("AES-256-GCM encryption failed");
  return std::string(kSealedPrefix) + Base64Encode(out);
}

Result<std::string> Unseal(std::string_view key, std::string_view context,
                           std::string_view sealed) {
  AETHER_RETURN_IF_ERROR(CheckKey(key));
  if (!sealed.starts_with(kSealedPrefix)) return InvalidArgument("not a sealed value");
  auto raw = Base64Decode(sealed.substr(kSealedPrefix.size()));
  if (!raw.ok() || raw->size() < kNonce + kTag) return InvalidArgument("malformed sealed value");
  std::string& in = *raw;
  std::string out(in.size() - kNonce - kTag, '\0');
  CipherCtx ctx(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
  int len = 0;
  int ct_len = static_cast<int>(out.size());
  int ctx_len = static_cast<int>(context.size());
  bool ok = ctx &&
            EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, Bytes(key), Bytes(in)) == 1 &&
            EVP_DecryptUpdate(ctx.get(), nullptr, &len, Bytes(context), ctx_len) == 1 &&
            EVP_DecryptUpdate(ctx.get(), Bytes(out), &len, Bytes(in) + kNonce, ct_len) == 1 &&
            EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTag,
                                Bytes(in) + kNonce + ct_len) == 1 &&
            EVP_DecryptFinal_ex(ctx.get(), Bytes(out) + len, &len) == 1;
  if (!ok) {
    return Status(ErrorCode::kPermissionDenied,
                  "sealed value does not authenticate (wrong key or tampered)");
  }
  return out;
}

Result<std::string> KeyFromHex(std::string_view hex) {
  auto key = HexDecode(hex);
  if (hex.size() != 64 || !key.ok()) return InvalidArgument("a sealing key is 64 hex digits");
  return key;
}

}  // namespace aether::crypto
