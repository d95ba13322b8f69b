// Implementation of `aether-agent fetch` (see fetch.h). Owned by the agent binary;
// single-threaded. Layers go through the cache directory (or a private temp directory),
// and the unpacked tree is built beside DEST and renamed into place.
#include "fetch.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "aether/artifact/manifest.h"
#include "aether/artifact/signature.h"
#include "aether/artifact/unpack.h"
#include "aether/core/clock.h"
#include "aether/core/names.h"
#include "aether/crypto/crypto.h"
#include "aether/wire/wire.h"

namespace aether::agent {
namespace {

namespace fs = std::filesystem;
using Clock = SteadyClock;

// Maps a non-2xx answer to a Status, using aetherd's {"code","message"} envelope if present.
Status HttpError(const std::string& what, const http::Response& resp) {
  std::string detail;
  auto j = nlohmann::json::parse(resp.body, nullptr, /*allow_exceptions=*/false);
  if (j.is_object() && j.contains("message") && j["message"].is_string()) {
    detail = j["message"].get<std::string>();
  } else {
    detail = resp.body.substr(0, 200);
  }
  std::string message = what + ": HTTP " + std::to_string(resp.status);
  if (!detail.empty()) message += ": " + detail;
  switch (resp.status) {
    case 401:
      return {ErrorCode::kUnauthenticated, message};
    case 403:
      return {ErrorCode::kPermissionDenied, message};
    case 404:
      return NotFound(message);
    default:
      return Unavailable(message);
  }
}

// Creates a fresh directory from a mkdtemp "…XXXXXX" template and returns its path.
Result<std::string> MakeTempDir(const std::string& templ) {
  std::string buf = templ;
  if (::mkdtemp(buf.data()) == nullptr) {
    return Internal("cannot create " + templ + ": " + std::strerror(errno));
  }
  return buf;
}

// Removes a directory tree when it goes out of scope, unless released.
class DirCleanup {
 public:
  explicit DirCleanup(std::string path) : path_(std::move(path)) {}
  ~DirCleanup() {
    if (path_.empty()) return;
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  DirCleanup(const DirCleanup&) = delete;
  DirCleanup& operator=(const DirCleanup&) = delete;
  void Release() { path_.clear(); }

 private:
  std::string path_;
};

// Puts `fresh` at `dest`: a plain rename when dest is absent, else an atomic exchange
// (renameat2 RENAME_EXCHANGE) and removal of the old tree.
Status Install(const std::string& fresh, const std::string& dest) {
  if (::rename(fresh.c_str(), dest.c_str()) == 0) return Status::Ok();
  if (errno != EEXIST && errno != ENOTEMPTY) {
    return Internal("cannot move " + fresh + " to " + dest + ": " + std::strerror(errno));
  }
  std::error_code ec;
  if (::renameat2(AT_FDCWD, fresh.c_str(), AT_FDCWD, dest.c_str(), RENAME_EXCHANGE) == 0) {
    fs::remove_all(fresh, ec);  // now the old tree
    return Status::Ok();
  }
  if (errno != EINVAL && errno != ENOSYS) {
    return Internal("cannot replace " + dest + ": " + std::strerror(errno));
  }
  // No RENAME_EXCHANGE on this filesystem: move the old tree aside first (DEST is briefly
  // absent, never half-written).
  std::string aside = fresh + ".old";
  if (::rename(dest.c_str(), aside.c_str()) != 0 || ::rename(fresh.c_str(), dest.c_str()) != 0) {
    return Internal("cannot replace " + dest + ": " + std::strerror(errno));
  }
  fs::remove_all(aside, ec);
  return Status::Ok();
}

class Fetcher {
 public:
  Fetcher(const FetchOptions& options, http::Client& client) : options_(options), client_(client) {
    server_ = options.server;
    while (!server_.empty() && server_.back() == '/') server_.pop_back();
  }

  Result<FetchReport> Run() {
    if (server_.empty()) return InvalidArgument("--server is required");
    AETHER_ASSIGN_OR_RETURN(Digest artifact, Digest::Parse(options_.artifact));
    AETHER_RETURN_IF_ERROR(ValidateAppName(options_.app));
    AETHER_ASSIGN_OR_RETURN(artifact::Manifest manifest, FetchManifest(artifact));
    if (options_.require_signature) AETHER_RETURN_IF_ERROR(VerifySignature(artifact));
    report_.layers = static_cast<int64_t>(manifest.layers.size());
    report_.command = manifest.command;
    report_.health_path = manifest.health_path;

    fs::path dest = fs::absolute(options_.dest);
    while (!dest.has_filename() && dest.has_parent_path() && dest != dest.parent_path()) {
      dest = dest.parent_path();  // "out/" → "out"
    }
    if (!dest.has_filename()) return InvalidArgument("bad --dest '" + options_.dest + "'");
    std::error_code ec;
    fs::create_directories(dest.parent_path(), ec);
    if (ec) return Internal("cannot create " + dest.parent_path().string() + ": " + ec.message());

    std::string cache = options_.cache;
    std::unique_ptr<DirCleanup> cache_cleanup;
    if (cache.empty()) {
      AETHER_ASSIGN_OR_RETURN(cache,
                              MakeTempDir((dest.parent_path() / ".aether-dl-XXXXXX").string()));
      cache_cleanup = std::make_unique<DirCleanup>(cache);
    } else {
      fs::create_directories(cache, ec);
      if (ec) return Internal("cannot create cache " + cache + ": " + ec.message());
    }

    std::vector<std::string> files;
    for (const artifact::Layer& layer : manifest.layers) {
      AETHER_ASSIGN_OR_RETURN(std::string file, GetLayer(layer, cache));
      files.push_back(std::move(file));
    }

    Clock::time_point start = Clock::now();
    std::string temp_name = "." + dest.filename().string() + ".tmp-XXXXXX";
    AETHER_ASSIGN_OR_RETURN(std::string fresh,
                            MakeTempDir((dest.parent_path() / temp_name).string()));
    DirCleanup fresh_cleanup(fresh);
    for (const std::string& file : files) {
      AETHER_RETURN_IF_ERROR(artifact::UnpackLayer(file, fresh));
    }
    ::chmod(fresh.c_str(), 0755);  // mkdtemp made it 0700
    AETHER_RETURN_IF_ERROR(Install(fresh, dest.string()));
    fresh_cleanup.Release();
    report_.unpack_ms = MsSince(start);
    return report_;
  }

 private:
  Result<artifact::Manifest> FetchManifest(const Digest& artifact) {
    http::ClientRequest req =
        Request(server_ + "/apps/" + options_.app + "/artifacts/" + artifact.str());
    Clock::time_point start = Clock::now();
    AETHER_ASSIGN_OR_RETURN(http::Response resp, client_.Send(req));
    report_.fetch_ms += MsSince(start);
    if (resp.status != 200) return HttpError("GET " + req.url, resp);

    start = Clock::now();
    Digest got = crypto::Sha256Digest(resp.body);
    report_.verify_ms += MsSince(start);
    if (got != artifact) {
      return Status(ErrorCode::kDigestMismatch,
                    "manifest digest mismatch: got " + got.str() + ", want " + artifact.str());
    }
    return artifact::ParseManifest(resp.body);
  }

  Result<std::string> GetJson(const std::string& path) {
    http::ClientRequest req = Request(server_ + path);
    Clock::time_point start = Clock::now();
    AETHER_ASSIGN_OR_RETURN(http::Response resp, client_.Send(req));
    report_.fetch_ms += MsSince(start);
    if (resp.status != 200) return HttpError("GET " + req.url, resp);
    return resp.body;
  }

  // The artifact's signature must verify against one of the app's active keys, as aetherd
  // checked at registration: this catches a record or blob changed since.
  Status VerifySignature(const Digest& artifact) {
    auto sig_text = GetJson("/artifacts/" + artifact.str() + "/signature");
    if (!sig_text.ok()) {
      if (sig_text.status().code() != ErrorCode::kNotFound) return sig_text.status();
      return Status(ErrorCode::kSignatureRequired,
                    "artifact " + artifact.str() + " is not signed and signatures are required");
    }
    AETHER_ASSIGN_OR_RETURN(artifact::ArtifactSignature sig, artifact::ParseSignature(*sig_text));
    Status result(ErrorCode::kSignatureInvalid,
                  "artifact " + artifact.str() + " is signed by key " + sig.keyid +
                      ", which is not an active key of app '" + options_.app + "'");
    // The app's keys, page by page, until the signing key turns up.
    std::string cursor;
    bool found = false;
    Clock::time_point start = Clock::now();
    do {
      AETHER_ASSIGN_OR_RETURN(
          std::string keys_text,
          GetJson("/apps/" + options_.app + "/public-keys?limit=500" +
                  (cursor.empty() ? "" : "&cursor=" + http::PercentEncode(cursor))));
      auto keys = nlohmann::json::parse(keys_text, nullptr, /*allow_exceptions=*/false);
      if (!keys.is_object() || !keys["keys"].is_array()) break;
      for (const auto& k : keys["keys"]) {
        PublicKey key = wire::PublicKeyFromJson(k);
        if (key.id != sig.keyid || !key.active) continue;
        result = artifact::VerifyArtifactSignature(sig, artifact, key.pem);
        found = true;
        break;
      }
      const auto& next = keys["next_cursor"];
      cursor = !found && next.is_string() ? next.get<std::string>() : "";
    } while (!cursor.empty());
    report_.verify_ms += MsSince(start);
    return result;
  }

  // Returns the path of a verified copy of `layer` in `cache`, downloading it if needed.
  Result<std::string> GetLayer(const artifact::Layer& layer, const std::string& cache) {
    std::string path = cache + "/" + std::string(layer.digest.hex());
    std::error_code ec;
    if (fs::exists(path, ec)) {
      Clock::time_point start = Clock::now();
      long long size = 0;
      auto got = crypto::Sha256File(path, &size);
      report_.verify_ms += MsSince(start);
      if (got.ok() && *got == layer.digest && size == layer.size) {
        ++report_.cached_layers;
        return path;
      }
      fs::remove(path, ec);  // corrupt or truncated cache entry: fetch it again
    }

    std::string partial = path + ".partial-" + crypto::RandomHex(4);
    http::ClientRequest req = Request(server_ + "/layers/" + layer.digest.str());
    req.follow_redirects = true;  // aetherd answers 302 to a presigned blob URL
    req.download_file = partial;
    req.timeout = std::chrono::minutes(30);
    Clock::time_point start = Clock::now();
    auto resp = client_.Send(req);
    report_.fetch_ms += MsSince(start);
    auto discard = [&] { fs::remove(partial, ec); };
    if (!resp.ok()) {
      discard();
      return resp.status();
    }
    if (resp->status != 200) {
      discard();
      return HttpError("GET " + req.url, *resp);
    }

    start = Clock::now();
    long long size = 0;
    auto got = crypto::Sha256File(partial, &size);
    report_.verify_ms += MsSince(start);
    if (!got.ok()) {
      discard();
      return got.status();
    }
    if (*got != layer.digest) {
      discard();
      return Status(ErrorCode::kDigestMismatch,
                    "layer " + layer.digest.str() + " digest mismatch: got " + got->str());
    }
    if (size != layer.size) {
      discard();
      return Status(ErrorCode::kDigestMismatch,
                    "layer " + layer.digest.str() + " size mismatch: got " + std::to_string(size) +
                        " bytes, manifest says " + std::to_string(layer.size));
    }
    if (::rename(partial.c_str(), path.c_str()) != 0) {
      discard();
      return Internal("cannot store layer in " + cache + ": " + std::strerror(errno));
    }
    report_.bytes += size;
    return path;
  }

  http::ClientRequest Request(std::string url) const {
    http::ClientRequest req;
    req.url = std::move(url);
    if (!options_.token.empty()) req.headers["Authorization"] = "Bearer " + options_.token;
    return req;
  }

  const FetchOptions& options_;
  http::Client& client_;
  std::string server_;
  FetchReport report_;
};

}  // namespace

Result<FetchReport> Fetch(const FetchOptions& options, http::Client& client) {
  try {
    return Fetcher(options, client).Run();
  } catch (const std::exception& e) {  // filesystem_error from path handling, bad_alloc
    return Internal(e.what());
  }
}

int RunFetch(const FetchOptions& options) {
  // An aetherd with its own (e.g. self-signed) certificate passes it in AETHER_CA_FILE.
  http::ClientOptions client_options;
  if (const char* ca = std::getenv("AETHER_CA_FILE"); ca != nullptr) client_options.ca_file = ca;
  std::unique_ptr<http::Client> client = http::NewClient(client_options);
  Result<FetchReport> report = Fetch(options, *client);
  if (!report.ok()) {
    std::cerr << "aether-agent: fetch: " << report.status().message() << std::endl;
    return 1;
  }
  nlohmann::json out{{"fetch_ms", report->fetch_ms},
                     {"verify_ms", report->verify_ms},
                     {"unpack_ms", report->unpack_ms},
                     {"layers", report->layers},
                     {"cached_layers", report->cached_layers},
                     {"bytes", report->bytes},
                     {"command", report->command},
                     {"health_path", report->health_path}};
  std::cout << out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << std::endl;
  return 0;
}

}  // namespace aether::agent
