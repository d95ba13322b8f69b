// RunCertCommand: crypto::MakeSelfSignedCert, then the two files written atomically.
#include "aetherd/cert_command.h"

#include <sys/stat.h>

#include <filesystem>

#include "aether/core/files.h"
#include "aether/crypto/x509.h"

namespace aether {

namespace fs = std::filesystem;

Result<std::string> RunCertCommand(const CertCommandOptions& options) {
  AETHER_ASSIGN_OR_RETURN(crypto::SelfSignedCert made,
                          crypto::MakeSelfSignedCert(options.hosts, options.days));
  const fs::path dir = options.out_dir.empty() ? fs::path(".") : fs::path(options.out_dir);
  std::error_code ec;
  if (!fs::exists(dir, ec)) {
    fs::create_directories(dir, ec);
    if (ec) return FailedPrecondition("cannot create " + dir.string() + ": " + ec.message());
    ::chmod(dir.c_str(), 0700);
  }
  const fs::path cert = fs::absolute(dir / "cert.pem", ec);
  const fs::path key = fs::absolute(dir / "key.pem", ec);
  if (!options.force) {
    for (const fs::path& p : {cert, key}) {
      if (fs::exists(p, ec)) {
        return AlreadyExists(p.string() + " exists; pass --force to replace it");
      }
    }
  }
  // The key first: a certificate without its key is useless, the reverse is harmless.
  AETHER_RETURN_IF_ERROR(WriteFileAtomic(key.string(), made.key_pem, 0600));
  AETHER_RETURN_IF_ERROR(WriteFileAtomic(cert.string(), made.cert_pem, 0644));
  std::string hosts;
  for (const std::string& h : options.hosts) hosts += (hosts.empty() ? "" : ",") + h;
  return "wrote " + cert.string() + " and " + key.string() + " (self-signed for " + hosts + ", " +
         std::to_string(options.days) + " days)\nuse: aetherd --tls-cert " + cert.string() +
         " --tls-key " + key.string() + "; clients: aether login --server https://" +
         (options.hosts.front().find(':') != std::string::npos ? "[" + options.hosts.front() + "]"
                                                               : options.hosts.front()) +
         ":7070 --ca-file " + cert.string();
}

}  // namespace aether
