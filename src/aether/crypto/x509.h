// Self-signed TLS certificates for aetherd (`aetherd cert --self-signed`), over OpenSSL 3
// (linked privately; the certificate and key cross this API as PEM text). Stateless; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "aether/core/status.h"

namespace aether::crypto {

struct SelfSignedCert {
  std::string cert_pem;  // "BEGIN CERTIFICATE"
  std::string key_pem;   // PKCS#8 "BEGIN PRIVATE KEY", unencrypted
};

// A fresh ECDSA P-256 key and an X.509 v3 certificate for it, signed by itself (SHA-256),
// valid from one minute ago for `days` days. The first host is the subject CN; every host is a
// subjectAltName: an IP SAN for an IPv4/IPv6 literal ("127.0.0.1", "::1"), a DNS SAN otherwise.
// The certificate is its own CA (basicConstraints CA:TRUE, keyUsage digitalSignature and
// keyCertSign) so clients can trust it directly as the CA file. kInvalidArgument for no host, an
// empty or malformed host name, or days outside 1..36500.
Result<SelfSignedCert> MakeSelfSignedCert(const std::vector<std::string>& hosts, int days);

}  // namespace aether::crypto
