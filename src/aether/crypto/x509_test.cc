// MakeSelfSignedCert: the PEMs parse back, the SANs, validity, CA bits and key match.
#include "aether/crypto/x509.h"

#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <ctime>
#include <string>
#include <vector>

namespace aether::crypto {
namespace {

X509* ParseCert(const std::string& pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  return cert;
}

EVP_PKEY* ParseKey(const std::string& pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  EVP_PKEY* key = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  return key;
}

TEST(SelfSignedCert, HasTheHostsAsSansAndVerifiesItself) {
  auto made = MakeSelfSignedCert({"aether.example", "127.0.0.1", "localhost", "::1"}, 30);
  ASSERT_TRUE(made.ok()) << made.status().ToString();
  EXPECT_NE(made->key_pem.find("BEGIN PRIVATE KEY"), std::string::npos);
  X509* cert = ParseCert(made->cert_pem);
  ASSERT_NE(cert, nullptr);
  EVP_PKEY* key = ParseKey(made->key_pem);
  ASSERT_NE(key, nullptr);
  EXPECT_EQ(X509_check_private_key(cert, key), 1);
  EXPECT_EQ(X509_verify(cert, key), 1);  // self-signed with its own key
  EXPECT_EQ(X509_check_ca(cert), 1);

  // subjectAltNames, as the TLS clients match them.
  EXPECT_EQ(X509_check_host(cert, "aether.example", 0, 0, nullptr), 1);
  EXPECT_EQ(X509_check_host(cert, "localhost", 0, 0, nullptr), 1);
  EXPECT_NE(X509_check_host(cert, "other.example", 0, 0, nullptr), 1);
  EXPECT_EQ(X509_check_ip_asc(cert, "127.0.0.1", 0), 1);
  EXPECT_EQ(X509_check_ip_asc(cert, "::1", 0), 1);
  EXPECT_NE(X509_check_ip_asc(cert, "127.0.0.2", 0), 1);
  auto* names =
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  ASSERT_NE(names, nullptr);
  int dns = 0, ip = 0;
  for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* n = sk_GENERAL_NAME_value(names, i);
    if (n->type == GEN_DNS) ++dns;
    if (n->type == GEN_IPADD) ++ip;
  }
  GENERAL_NAMES_free(names);
  EXPECT_EQ(dns, 2);
  EXPECT_EQ(ip, 2);

  // Valid now, not after 30 days (+ a day of slack), still in 29.
  time_t now = std::time(nullptr);
  EXPECT_LT(X509_cmp_time(X509_get0_notBefore(cert), &now), 0);
  time_t in29 = now + 29LL * 86400;
  time_t in31 = now + 31LL * 86400;
  EXPECT_GT(X509_cmp_time(X509_get0_notAfter(cert), &in29), 0);
  EXPECT_LT(X509_cmp_time(X509_get0_notAfter(cert), &in31), 0);

  // It verifies as a chain of one against itself as the trust store.
  X509_STORE* store = X509_STORE_new();
  X509_STORE_add_cert(store, cert);
  X509_STORE_CTX* ctx = X509_STORE_CTX_new();
  X509_STORE_CTX_init(ctx, store, cert, nullptr);
  X509_VERIFY_PARAM_set1_host(X509_STORE_CTX_get0_param(ctx), "localhost", 0);
  EXPECT_EQ(X509_verify_cert(ctx), 1)
      << X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx));
  X509_STORE_CTX_free(ctx);
  X509_STORE_free(store);
  EVP_PKEY_free(key);
  X509_free(cert);
}

TEST(SelfSignedCert, EachCallMakesANewKey) {
  auto a = MakeSelfSignedCert({"localhost"}, 1);
  auto b = MakeSelfSignedCert({"localhost"}, 1);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(a->key_pem, b->key_pem);
}

TEST(SelfSignedCert, RejectsBadInput) {
  EXPECT_EQ(MakeSelfSignedCert({}, 30).status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(MakeSelfSignedCert({"localhost"}, 0).status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(MakeSelfSignedCert({""}, 30).status().code(), ErrorCode::kInvalidArgument);
  auto bad = MakeSelfSignedCert({"bad host/name"}, 30);
  EXPECT_EQ(bad.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("bad host/name"), std::string::npos);
}

}  // namespace
}  // namespace aether::crypto
