// libcurl implementation of http::Client: one easy handle per Client, reused so connections
// are kept alive between Send() calls. A Client is used by one thread at a time; peers are
// always verified (only an extra CA file can be added).
#include "aether/http/client.h"

#include <curl/curl.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <string>

namespace aether::http {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

bool SameName(std::string_view a, std::string_view b) {
  return !CaseInsensitiveLess()(a, b) && !CaseInsensitiveLess()(b, a);
}

// State of one transfer, shared with curl's callbacks.
struct Transfer {
  const ClientRequest* req = nullptr;
  Response* res = nullptr;
  int status = 0;  // from the latest status line
  std::FILE* upload = nullptr;
  int64_t upload_length = 0;  // bytes of the file sent, from req->upload_offset
  int64_t upload_left = 0;    // of those, not yet read
  std::FILE* download = nullptr;
  std::string download_part;  // download_file + ".part" until the transfer succeeds
  std::string local_error;    // a failure on our side of a callback
  int64_t last_done = -1, last_total = -1;
  bool stopped_by_reader = false;  // on_body returned false
  bool cancelled = false;          // req->cancel was set

  bool DownloadingToFile() const {
    return !req->download_file.empty() && status >= 200 && status < 300;
  }
  bool OpenDownload() {
    if (download != nullptr) return true;
    download = std::fopen(download_part.c_str(), "wb");
    if (download == nullptr)
      local_error = "cannot open " + download_part + ": " + std::strerror(errno);
    return download != nullptr;
  }
};

size_t OnHeader(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t total = size * n;
  std::string_view line = Trim(std::string_view(data, total));
  if (line.starts_with("HTTP/")) {  // a new response (interim, redirect or final) begins
    t->res->headers.clear();
    t->res->body.clear();
    size_t space = line.find(' ');
    t->status = space == std::string_view::npos
                    ? 0
                    : std::atoi(std::string(line.substr(space + 1, 3)).c_str());
    return total;
  }
  size_t colon = line.find(':');
  if (colon == std::string_view::npos) return total;  // the blank line ending the headers
  t->res->headers[std::string(Trim(line.substr(0, colon)))] =
      std::string(Trim(line.substr(colon + 1)));
  return total;
}

size_t OnWrite(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t total = size * n;
  if (t->req->on_body && t->status >= 200 && t->status < 300) {
    if (t->req->on_body(std::string_view(data, total))) return total;
    t->stopped_by_reader = true;
    return 0;
  }
  if (t->DownloadingToFile()) {
    if (!t->OpenDownload()) return 0;
    if (std::fwrite(data, 1, total, t->download) != total) {
      t->local_error = "cannot write " + t->download_part + ": " + std::strerror(errno);
      return 0;
    }
    return total;
  }
  t->res->body.append(data, total);
  return total;
}

size_t OnRead(char* buffer, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  size_t want =
      std::min<size_t>(size * n, static_cast<size_t>(std::max<int64_t>(t->upload_left, 0)));
  size_t got = want == 0 ? 0 : std::fread(buffer, 1, want, t->upload);
  t->upload_left -= static_cast<int64_t>(got);
  if (got == 0 && std::ferror(t->upload)) {
    t->local_error = "cannot read " + t->req->upload_file + ": " + std::strerror(errno);
    return CURL_READFUNC_ABORT;
  }
  return got;
}

int OnSeek(void* user, curl_off_t offset, int origin) {
  auto* t = static_cast<Transfer*>(user);
  // curl rewinds relative to the start of the body, which is upload_offset in the file.
  if (origin != SEEK_SET || offset < 0 || offset > t->upload_length) return CURL_SEEKFUNC_CANTSEEK;
  if (fseeko(t->upload, static_cast<off_t>(t->req->upload_offset + offset), SEEK_SET) != 0) {
    return CURL_SEEKFUNC_FAIL;
  }
  t->upload_left = t->upload_length - offset;
  return CURL_SEEKFUNC_OK;
}

int OnProgress(void* user, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
               curl_off_t ulnow) {
  auto* t = static_cast<Transfer*>(user);
  if (t->req->cancel != nullptr && t->req->cancel->load()) {
    t->cancelled = true;
    return 1;  // aborts the transfer
  }
  if (!t->req->progress) return 0;
  const bool uploading = !t->req->upload_file.empty() || !t->req->body.empty();
  int64_t done = uploading ? ulnow : dlnow;
  int64_t total = uploading ? ultotal : dltotal;
  if (done == t->last_done && total == t->last_total) return 0;
  t->last_done = done;
  t->last_total = total;
  try {
    t->req->progress(done, total);
  } catch (const std::exception& e) {
    t->local_error = std::string("progress callback failed: ") + e.what();
    return 1;  // aborts the transfer
  } catch (...) {
    t->local_error = "progress callback failed";
    return 1;
  }
  return 0;
}

// "https://h:1/a?b" → "https://h:1".
std::string OriginOf(const std::string& url) {
  size_t scheme = url.find("://");
  size_t path = url.find_first_of("/?#", scheme == std::string::npos ? 0 : scheme + 3);
  return url.substr(0, path);
}

class CurlClient final : public Client {
 public:
  explicit CurlClient(ClientOptions options)
      : options_(std::move(options)), curl_(curl_easy_init()) {}
  ~CurlClient() override {
    if (curl_ != nullptr) curl_easy_cleanup(curl_);
  }
  CurlClient(const CurlClient&) = delete;
  CurlClient& operator=(const CurlClient&) = delete;

  Result<Response> Send(const ClientRequest& req) override;

 private:
  Status Configure(const ClientRequest& req, Transfer& t, curl_slist** headers, char* errbuf);

  const ClientOptions options_;
  CURL* curl_;
};

Status CurlClient::Configure(const ClientRequest& req, Transfer& t, curl_slist** headers,
                             char* errbuf) {
  CURL* h = curl_;
  curl_easy_setopt(h, CURLOPT_URL, req.url.c_str());
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(req.timeout.count()));
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, req.follow_redirects ? 1L : 0L);
  curl_easy_setopt(h, CURLOPT_MAXREDIRS, 10L);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, &OnHeader);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &t);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &OnWrite);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &t);
  if (!options_.ca_file.empty()) curl_easy_setopt(h, CURLOPT_CAINFO, options_.ca_file.c_str());
  if (!options_.ca_pem.empty()) {
    curl_blob ca{const_cast<char*>(options_.ca_pem.data()), options_.ca_pem.size(), CURL_BLOB_COPY};
    curl_easy_setopt(h, CURLOPT_CAINFO_BLOB, &ca);
  }
  if (!options_.client_cert_pem.empty()) {
    curl_blob cert{const_cast<char*>(options_.client_cert_pem.data()),
                   options_.client_cert_pem.size(), CURL_BLOB_COPY};
    curl_blob key{const_cast<char*>(options_.client_key_pem.data()), options_.client_key_pem.size(),
                  CURL_BLOB_COPY};
    curl_easy_setopt(h, CURLOPT_SSLCERTTYPE, "PEM");
    curl_easy_setopt(h, CURLOPT_SSLCERT_BLOB, &cert);
    curl_easy_setopt(h, CURLOPT_SSLKEYTYPE, "PEM");
    curl_easy_setopt(h, CURLOPT_SSLKEY_BLOB, &key);
  }

  const std::string& m = req.method;
  bool has_type = false;
  for (const auto& [name, value] : req.headers) {
    if (SameName(name, "Content-Type")) has_type = true;
    std::string line = value.empty() ? name + ";" : name + ": " + value;
    *headers = curl_slist_append(*headers, line.c_str());
  }
  if (!req.upload_file.empty()) {
    t.upload = std::fopen(req.upload_file.c_str(), "rb");
    if (t.upload == nullptr) {
      const int err = errno;
      return Status(err == ENOENT ? ErrorCode::kNotFound : ErrorCode::kInternal,
                    "cannot open " + req.upload_file + ": " + std::strerror(err));
    }
    struct stat st {};
    if (fstat(fileno(t.upload), &st) != 0) {
      return Internal("cannot stat " + req.upload_file + ": " + std::strerror(errno));
    }
    const int64_t file_size = st.st_size;
    if (req.upload_offset < 0 || req.upload_offset > file_size ||
        (req.upload_length >= 0 && req.upload_length > file_size - req.upload_offset)) {
      return InvalidArgument("byte range is outside " + req.upload_file);
    }
    t.upload_length = req.upload_length >= 0 ? req.upload_length : file_size - req.upload_offset;
    t.upload_left = t.upload_length;
    if (fseeko(t.upload, static_cast<off_t>(req.upload_offset), SEEK_SET) != 0) {
      return Internal("cannot seek in " + req.upload_file + ": " + std::strerror(errno));
    }
    curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(h, CURLOPT_READFUNCTION, &OnRead);
    curl_easy_setopt(h, CURLOPT_READDATA, &t);
    curl_easy_setopt(h, CURLOPT_SEEKFUNCTION, &OnSeek);
    curl_easy_setopt(h, CURLOPT_SEEKDATA, &t);
    curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(t.upload_length));
    if (m != "PUT") curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, m.c_str());
  } else if (m == "HEAD") {
    curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
  } else if (m == "GET" && req.body.empty()) {
    curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
  } else if (m == "POST" || m == "PUT" || m == "PATCH" || !req.body.empty()) {
    // An in-memory body: POSTFIELDS sends it with the method given (no Expect for small ones).
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(req.body.size()));
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, req.body.data());
    if (m != "POST") curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, m.c_str());
    if (!has_type) *headers = curl_slist_append(*headers, "Content-Type:");  // no form default
  } else {
    curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, m.c_str());
  }
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, *headers);
  if (req.progress || req.cancel != nullptr) {
    curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, &OnProgress);
    curl_easy_setopt(h, CURLOPT_XFERINFODATA, &t);
  }
  return Status::Ok();
}

Result<Response> CurlClient::Send(const ClientRequest& req) {
  if (curl_ == nullptr) return Internal("curl_easy_init failed");
  if (req.url.empty()) return InvalidArgument("request has no url");
  if (req.method.empty()) return InvalidArgument("request has no method");
  curl_easy_reset(curl_);  // keeps the connection cache
  Response res;
  Transfer t;
  t.req = &req;
  t.res = &res;
  if (!req.download_file.empty()) t.download_part = req.download_file + ".part";
  curl_slist* headers = nullptr;
  char errbuf[CURL_ERROR_SIZE] = {0};
  Status configured = Configure(req, t, &headers, errbuf);
  CURLcode rc = configured.ok() ? curl_easy_perform(curl_) : CURLE_OK;
  curl_easy_setopt(curl_, CURLOPT_HTTPHEADER, nullptr);
  curl_easy_setopt(curl_, CURLOPT_ERRORBUFFER, nullptr);
  curl_slist_free_all(headers);
  if (t.upload != nullptr) std::fclose(t.upload);

  if (configured.ok() && rc == CURLE_OK && t.local_error.empty()) {
    long code = 0;
    curl_easy_getinfo(curl_, CURLINFO_RESPONSE_CODE, &code);
    res.status = static_cast<int>(code);
    t.status = res.status;
    if (t.DownloadingToFile() && t.OpenDownload()) {  // also creates the file for empty bodies
      bool flushed = std::fclose(t.download) == 0;
      t.download = nullptr;
      std::error_code ec;
      if (flushed) std::filesystem::rename(t.download_part, req.download_file, ec);
      if (!flushed || ec) {
        t.local_error = "cannot write " + req.download_file + ": " +
                        (ec ? ec.message() : std::string(std::strerror(errno)));
      }
    }
  }
  if (t.download != nullptr) std::fclose(t.download);
  if (!configured.ok() || rc != CURLE_OK || !t.local_error.empty()) {
    if (!t.download_part.empty()) {
      std::error_code ec;
      std::filesystem::remove(t.download_part, ec);
    }
  }
  if (!configured.ok()) return configured;
  if (t.cancelled) return Unavailable(req.method + " " + req.url + ": cancelled");
  if (rc == CURLE_WRITE_ERROR && t.stopped_by_reader && t.local_error.empty()) {
    res.status = t.status;
    return res;
  }
  if (!t.local_error.empty()) return Internal(req.method + " " + req.url + ": " + t.local_error);
  if (rc == CURLE_OPERATION_TIMEDOUT) {
    return Status(ErrorCode::kTimeout, "no answer from " + req.url + " within " +
                                           std::to_string(req.timeout.count()) + " ms");
  }
  if (rc != CURLE_OK) {
    std::string detail = errbuf[0] != '\0' ? std::string(errbuf) : curl_easy_strerror(rc);
    if (rc == CURLE_PEER_FAILED_VERIFICATION) {
      return Status(ErrorCode::kUntrustedCertificate,
                    "certificate of " + OriginOf(req.url) + " is not trusted: " + detail);
    }
    return Unavailable("cannot reach " + req.url + ": " + detail);
  }
  return res;
}

}  // namespace

std::unique_ptr<Client> NewClient(const ClientOptions& options) {
  static std::once_flag init;
  std::call_once(init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  return std::make_unique<CurlClient>(options);
}

}  // namespace aether::http
