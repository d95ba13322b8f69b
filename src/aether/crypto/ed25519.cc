// OpenSSL 3 EVP implementation of ed25519.h. Every call parses its PEM afresh; nothing is
// cached, so there is no shared state. The OpenSSL error queue is cleared after failures.
#include "aether/crypto/ed25519.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <memory>

#include "aether/crypto/crypto.h"

namespace aether::crypto {
namespace {

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;
using Bio = std::unique_ptr<BIO, BioFree>;
using MdCtx = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;

constexpr size_t kSignatureSize = 64;

// Refuses to prompt for a passphrase (OpenSSL's default reads the terminal).
int NoPassphrase(char* /*buf*/, int /*size*/, int /*rwflag*/, void* /*u*/) { return -1; }

Bio ReadBio(std::string_view text) {
  return Bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
}

std::string DrainBio(BIO* bio) {
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  return n > 0 ? std::string(data, static_cast<size_t>(n)) : std::string();
}

Status CheckEd25519(const EVP_PKEY* key, const char* what) {
  if (EVP_PKEY_get_id(key) == EVP_PKEY_ED25519) return Status::Ok();
  const char* name = EVP_PKEY_get0_type_name(key);
  return InvalidArgument(std::string(what) + " is " + (name != nullptr ? name : "unknown") +
                         ", not Ed25519");
}

Result<Pkey> LoadPrivate(std::string_view pem) {
  Bio bio = ReadBio(pem);
  Pkey key(bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, NoPassphrase, nullptr) : nullptr);
  ERR_clear_error();
  if (!key) {
    return InvalidArgument(
        "not an unencrypted PKCS#8 PEM private key (expected '-----BEGIN PRIVATE KEY-----')");
  }
  AETHER_RETURN_IF_ERROR(CheckEd25519(key.get(), "private key"));
  return key;
}

Result<Pkey> LoadPublic(std::string_view pem) {
  Bio bio = ReadBio(pem);
  Pkey key(bio ? PEM_read_bio_PUBKEY(bio.get(), nullptr, NoPassphrase, nullptr) : nullptr);
  ERR_clear_error();
  if (!key) {
    return InvalidArgument("not a PEM public key (expected '-----BEGIN PUBLIC KEY-----')");
  }
  AETHER_RETURN_IF_ERROR(CheckEd25519(key.get(), "public key"));
  return key;
}

Result<std::string> PublicPem(EVP_PKEY* key) {
  Bio bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PUBKEY(bio.get(), key) != 1) {
    ERR_clear_error();
    return Internal("ed25519: cannot encode the public key");
  }
  return DrainBio(bio.get());
}

}  // namespace

Result<Ed25519KeyPair> GenerateEd25519() {
  Pkey key(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  Bio bio(BIO_new(BIO_s_mem()));
  if (!key || !bio ||
      PEM_write_bio_PrivateKey(bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    ERR_clear_error();
    return Internal("ed25519: key generation failed");
  }
  Ed25519KeyPair pair;
  pair.private_pem = DrainBio(bio.get());
  AETHER_ASSIGN_OR_RETURN(pair.public_pem, PublicPem(key.get()));
  return pair;
}

Result<std::string> Ed25519PublicFromPrivate(std::string_view private_pem) {
  AETHER_ASSIGN_OR_RETURN(Pkey key, LoadPrivate(private_pem));
  return PublicPem(key.get());
}

Result<std::string> Ed25519Sign(std::string_view private_pem, std::string_view message) {
  AETHER_ASSIGN_OR_RETURN(Pkey key, LoadPrivate(private_pem));
  MdCtx ctx(EVP_MD_CTX_new());
  std::string sig(kSignatureSize, '\0');
  size_t len = sig.size();
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key.get()) != 1 ||
      EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len,
                     reinterpret_cast<const unsigned char*>(message.data()), message.size()) != 1 ||
      len != kSignatureSize) {
    ERR_clear_error();
    return Internal("ed25519: signing failed");
  }
  return sig;
}

Status Ed25519Verify(std::string_view public_pem, std::string_view message,
                     std::string_view signature) {
  AETHER_ASSIGN_OR_RETURN(Pkey key, LoadPublic(public_pem));
  if (signature.size() != kSignatureSize) {
    return {ErrorCode::kSignatureInvalid,
            "ed25519: signature is " + std::to_string(signature.size()) + " bytes, not 64"};
  }
  MdCtx ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key.get()) != 1) {
    ERR_clear_error();
    return Internal("ed25519: cannot initialise verification");
  }
  int rc = EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                            signature.size(),
                            reinterpret_cast<const unsigned char*>(message.data()), message.size());
  ERR_clear_error();
  if (rc != 1) return {ErrorCode::kSignatureInvalid, "ed25519: signature does not verify"};
  return Status::Ok();
}

Result<std::string> Ed25519KeyId(std::string_view public_pem) {
  AETHER_ASSIGN_OR_RETURN(Pkey key, LoadPublic(public_pem));
  unsigned char* der = nullptr;
  int len = i2d_PUBKEY(key.get(), &der);
  if (len <= 0) {
    ERR_clear_error();
    return Internal("ed25519: cannot encode the public key");
  }
  std::string hex =
      Sha256Hex(std::string_view(reinterpret_cast<const char*>(der), static_cast<size_t>(len)));
  OPENSSL_free(der);
  return "sha256:" + hex;
}

}  // namespace aether::crypto
