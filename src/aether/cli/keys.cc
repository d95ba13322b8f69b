// Key files: generation with private modes, loading with a permission check.
#include "aether/cli/keys.h"

#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>

#include "aether/cli/config.h"
#include "aether/core/files.h"
#include "aether/crypto/ed25519.h"

namespace aether::cli {

namespace fs = std::filesystem;

std::string DefaultKeyPath() {
  return (fs::path(ConfigPath()).parent_path() / "keys" / "aether-ed25519.key").string();
}

std::string SigningKeyPath(const std::string& flag) {
  if (!flag.empty()) return flag;
  const char* env = std::getenv("AETHER_SIGNING_KEY");
  return env == nullptr ? "" : env;
}

Result<KeyFiles> GenerateKeyFiles(const std::string& private_path, bool force) {
  std::error_code ec;
  if (!force && fs::exists(private_path, ec)) {
    return AlreadyExists(private_path + " exists: pass --force to replace it (signatures made " +
                         "with the old key will no longer match a key you hold)");
  }
  fs::path dir = fs::path(private_path).parent_path();
  if (!dir.empty() && !fs::exists(dir, ec)) {
    fs::create_directories(dir, ec);
    if (ec) return FailedPrecondition("cannot create " + dir.string() + ": " + ec.message());
    fs::permissions(dir, fs::perms::owner_all, ec);
  }
  AETHER_ASSIGN_OR_RETURN(crypto::Ed25519KeyPair pair, crypto::GenerateEd25519());
  AETHER_ASSIGN_OR_RETURN(std::string keyid, crypto::Ed25519KeyId(pair.public_pem));
  KeyFiles files{private_path, private_path + ".pub", pair.public_pem, keyid};
  AETHER_RETURN_IF_ERROR(WriteFileAtomic(files.private_path, pair.private_pem, 0600));
  AETHER_RETURN_IF_ERROR(WriteFileAtomic(files.public_path, pair.public_pem, 0644));
  return files;
}

Result<std::string> LoadPrivateKey(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    return FailedPrecondition("signing key " + path +
                              " not found: create one with `aether keys generate`");
  }
  if ((st.st_mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return FailedPrecondition("signing key " + path + " has permissions " + mode +
                              ", readable by others: run `chmod 600 " + path + "`");
  }
  auto pem = ReadFile(path);
  if (!pem.ok()) return FailedPrecondition("cannot read signing key " + path);
  if (auto pub = crypto::Ed25519PublicFromPrivate(*pem); !pub.ok()) {
    return FailedPrecondition(path + " is not an Ed25519 private key in PEM form");
  }
  return pem;
}

Result<std::string> LoadPublicKey(const std::string& path) {
  auto text = ReadFile(path);
  if (!text.ok()) return FailedPrecondition("cannot read key " + path);
  if (text->find("PRIVATE KEY") != std::string::npos) {
    AETHER_ASSIGN_OR_RETURN(std::string pem, LoadPrivateKey(path));
    return crypto::Ed25519PublicFromPrivate(pem);
  }
  if (auto id = crypto::Ed25519KeyId(*text); !id.ok()) {
    return FailedPrecondition(path + " is not an Ed25519 public key in PEM form");
  }
  return text;
}

}  // namespace aether::cli
