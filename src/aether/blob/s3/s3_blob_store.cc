// S3 BlobStore (see s3_blob_store.h).
#include "aether/blob/s3/s3_blob_store.h"

#include <charconv>

#include "aether/blob/multipart.h"
#include "aether/blob/s3/s3_xml.h"
#include "aether/crypto/crypto.h"

namespace aether::s3 {
namespace {

constexpr std::string_view kMetaSha256 = "x-amz-meta-sha256";

std::string Hex(const Digest& d) { return std::string(d.hex()); }

long long ToNumber(std::string_view s) {
  long long v = -1;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return ec == std::errc() && end == s.data() + s.size() ? v : -1;
}

// A multipart upload as its id carries it.
struct Upload {
  Digest digest = Digest::FromHex(std::string(64, '0'));
  long long size = 0;
  long long part_size = 0;
  int parts = 0;
  std::string s3_id;
};

class S3BlobStore final : public BlobStore {
 public:
  S3BlobStore(S3Options options, std::string id_key, S3Client::Clock now)
      : s3_(std::move(options), std::move(now)), id_key_(std::move(id_key)) {}

  Status Ping() override {
    auto res = s3_.Send({"GET", "", {{"list-type", "2"}, {"max-keys", "1"}}, {}, {}});
    if (!res.ok()) return res.status();
    if (res->status != 200) return s3_.ErrorFor(*res, "listing the bucket");
    return Status::Ok();
  }

  Result<bool> Exists(const Digest& d) override {
    auto size = Size(d);
    if (size.ok()) return true;
    if (size.status().code() == ErrorCode::kNotFound) return false;
    return size.status();
  }

  Result<long long> Size(const Digest& d) override {
    AETHER_ASSIGN_OR_RETURN(auto head, Head(CasKey(d), "blob " + d.str()));
    return head.first;
  }

  Result<PresignedUrl> PresignUpload(const Digest& d, long long /*size*/,
                                     std::chrono::seconds ttl) override {
    // Straight to the CAS key: S3 itself refuses a body whose sha256 is not the digest, since
    // x-amz-content-sha256 is signed.
    Pairs headers = ObjectHeaders(d);
    headers.emplace_back("x-amz-content-sha256", Hex(d));
    return s3_.Presign("PUT", CasKey(d), {}, headers, ttl);
  }

  Result<PresignedUrl> PresignDownload(const Digest& d, std::chrono::seconds ttl) override {
    return s3_.Presign("GET", CasKey(d), {}, {}, ttl);
  }

  // As a presigned PUT does: S3 refuses bytes that are not the digest's (kDigestMismatch).
  Status StageUpload(const Digest& d, std::string_view bytes) override {
    S3Call put{"PUT", CasKey(d), {}, ObjectHeaders(d), std::string(bytes)};
    put.payload_hash = Hex(d);
    return Expect(put, "uploading " + d.str()).status();
  }

  Result<long long> CompleteUpload(const Digest& d, long long expected_size) override {
    return Verify(d, expected_size);
  }

  Result<std::string> CreateMultipart(const Digest& d, long long size,
                                      long long part_size) override {
    AETHER_ASSIGN_OR_RETURN(int count, multipart::PartCount(size, part_size));
    if (count > 1 && part_size < kMinPartSize) {
      return InvalidArgument("S3 needs parts of at least 5 MiB, not " + std::to_string(part_size) +
                             " bytes");
    }
    S3Call create{"POST", CasKey(d), {{"uploads", ""}}, ObjectHeaders(d), ""};
    AETHER_ASSIGN_OR_RETURN(auto res, Expect(create, "starting a multipart upload"));
    AETHER_ASSIGN_OR_RETURN(std::string s3_id, ParseUploadId(res.body));
    return EncodeId({d, size, part_size, count, s3_id});
  }

  Result<PresignedUrl> PresignPart(const std::string& upload_id, int part_number,
                                   std::chrono::seconds ttl) override {
    AETHER_ASSIGN_OR_RETURN(Upload up, DecodeId(upload_id));
    AETHER_RETURN_IF_ERROR(CheckNumber(up, part_number));
    return s3_.Presign("PUT", CasKey(up.digest), PartQuery(up, part_number), {}, ttl);
  }

  Result<std::string> StagePart(const std::string& upload_id, int part_number,
                                std::string_view bytes) override {
    AETHER_ASSIGN_OR_RETURN(Upload up, DecodeId(upload_id));
    AETHER_RETURN_IF_ERROR(CheckNumber(up, part_number));
    long long want = multipart::PartLength(up.size, up.part_size, part_number);
    if (static_cast<long long>(bytes.size()) != want) {
      return InvalidArgument("part " + std::to_string(part_number) + " must be " +
                             std::to_string(want) + " bytes, not " + std::to_string(bytes.size()));
    }
    S3Call put{"PUT", CasKey(up.digest), PartQuery(up, part_number), {}, std::string(bytes)};
    AETHER_ASSIGN_OR_RETURN(auto res, Expect(put, "uploading part " + std::to_string(part_number)));
    auto etag = res.headers.find("ETag");
    if (etag == res.headers.end()) return Unavailable("S3 returned no ETag for a part");
    return UnquoteEtag(etag->second);
  }

  Result<std::pair<Digest, long long>> CompleteMultipart(
      const std::string& upload_id, const std::vector<UploadPart>& parts) override {
    AETHER_ASSIGN_OR_RETURN(Upload up, DecodeId(upload_id));
    AETHER_ASSIGN_OR_RETURN(std::vector<std::string> etags, ListEtags(up));
    AETHER_ASSIGN_OR_RETURN(std::vector<UploadPart> sorted, multipart::CheckParts(parts, etags));
    const std::string key = CasKey(up.digest);
    if (auto size = Size(up.digest); size.ok()) {  // published meanwhile: keep that copy
      (void)Expect({"DELETE", key, {{"uploadId", up.s3_id}}, {}, ""}, "aborting");
      return std::make_pair(up.digest, *size);
    }
    S3Call complete{"POST", key, {{"uploadId", up.s3_id}}, {}, CompleteMultipartXml(sorted)};
    complete.timeout = std::chrono::minutes(10);
    AETHER_RETURN_IF_ERROR(Expect(complete, "completing a multipart upload").status());
    AETHER_ASSIGN_OR_RETURN(long long size, Verify(up.digest, up.size));
    return std::make_pair(up.digest, size);
  }

  Status AbortMultipart(const std::string& upload_id) override {
    AETHER_ASSIGN_OR_RETURN(Upload up, DecodeId(upload_id));
    S3Call abort{"DELETE", CasKey(up.digest), {{"uploadId", up.s3_id}}, {}, ""};
    return Expect(abort, "aborting a multipart upload").status();
  }

  Result<std::string> ReadAll(const Digest& d) override { return Read(CasKey(d), d.str()); }

  Status Delete(const Digest& d) override {
    return Expect({"DELETE", CasKey(d), {}, {}, ""}, "deleting " + d.str()).status();
  }

  // Single PUTs land verified (S3 checked the signed hash), so only multipart uploads can be
  // left half done.
  Result<int> CollectStaleUploads(std::chrono::seconds max_age) override {
    const long long cutoff = s3_.Now() - max_age.count();
    int dropped = 0;
    std::string key_marker, id_marker;
    do {
      Pairs q{{"uploads", ""}, {"prefix", s3_.options().prefix + "cas/"}};
      if (!key_marker.empty()) q.emplace_back("key-marker", key_marker);
      if (!id_marker.empty()) q.emplace_back("upload-id-marker", id_marker);
      AETHER_ASSIGN_OR_RETURN(auto res, Expect({"GET", "", q, {}, ""}, "listing uploads"));
      AETHER_ASSIGN_OR_RETURN(UploadList list, ParseListUploads(res.body));
      for (const auto& u : list.uploads) {
        if (u.initiated < 0 || u.initiated > cutoff) continue;
        auto st = Expect({"DELETE", u.key, {{"uploadId", u.upload_id}}, {}, ""}, "aborting");
        if (!st.ok() && st.status().code() != ErrorCode::kNotFound) return st.status();
        ++dropped;
      }
      key_marker = list.truncated ? list.next_key_marker : "";
      id_marker = list.truncated ? list.next_upload_id_marker : "";
    } while (!key_marker.empty());
    return dropped;
  }

 private:
  std::string CasKey(const Digest& d) const {
    return s3_.options().prefix + "cas/sha256/" + Hex(d);
  }

  // Headers every new object carries: its digest, and server-side encryption when configured.
  Pairs ObjectHeaders(const Digest& d) const {
    Pairs h{{std::string(kMetaSha256), Hex(d)}};
    AddEncryption(h);
    return h;
  }

  void AddEncryption(Pairs& h) const {
    const auto& o = s3_.options();
    if (o.sse.empty()) return;
    h.emplace_back("x-amz-server-side-encryption", o.sse);
    if (!o.kms_key_id.empty()) {
      h.emplace_back("x-amz-server-side-encryption-aws-kms-key-id", o.kms_key_id);
    }
  }

  // Sends `call`; a non-2xx answer, or a 2xx carrying an <Error>, becomes a Status.
  Result<http::Response> Expect(const S3Call& call, const std::string& what) {
    AETHER_ASSIGN_OR_RETURN(auto res, s3_.Send(call));
    bool failed = res.status < 200 || res.status >= 300 ||
                  (call.method != "GET" && ParseError(res.body).has_value());
    if (failed) return s3_.ErrorFor(res, what);
    return res;
  }

  // Size and x-amz-meta-sha256 of `key`.
  Result<std::pair<long long, std::string>> Head(const std::string& key, const std::string& what) {
    AETHER_ASSIGN_OR_RETURN(auto res, Expect({"HEAD", key, {}, {}, ""}, what));
    auto len = res.headers.find("Content-Length");
    auto meta = res.headers.find(std::string(kMetaSha256));
    return std::make_pair(len != res.headers.end() ? ToNumber(len->second) : -1LL,
                          meta != res.headers.end() ? meta->second : "");
  }

  Result<std::string> Read(const std::string& key, const std::string& what) {
    S3Call get{"GET", key, {}, {}, ""};
    get.timeout = std::chrono::minutes(10);
    AETHER_ASSIGN_OR_RETURN(auto res, Expect(get, what));
    return std::move(res.body);
  }

  // Checks the object at the digest's key: its size, its x-amz-meta-sha256 and, up to
  // verify_max_bytes, the sha256 of its bytes. A mismatch deletes it.
  Result<long long> Verify(const Digest& d, long long expected_size) {
    const std::string key = CasKey(d);
    auto head = Head(key, "blob " + d.str());
    if (!head.ok()) {
      if (head.status().code() == ErrorCode::kNotFound) {
        return NotFound("nothing was uploaded for " + d.str());
      }
      return head.status();
    }
    auto [size, meta] = *head;
    Status verdict = Status::Ok();
    if (meta != Hex(d)) {
      verdict = Status(ErrorCode::kDigestMismatch,
                       "the upload's x-amz-meta-sha256 is '" + meta + "', not " + Hex(d));
    } else if (expected_size >= 0 && size != expected_size) {
      verdict = Status(
          ErrorCode::kDigestMismatch,
          "uploaded " + std::to_string(size) + " bytes, expected " + std::to_string(expected_size));
    } else if (size <= s3_.options().verify_max_bytes) {
      AETHER_ASSIGN_OR_RETURN(std::string bytes, Read(key, "blob " + d.str()));
      Digest actual = crypto::Sha256Digest(bytes);
      if (actual != d) {
        verdict = Status(ErrorCode::kDigestMismatch,
                         "uploaded bytes hash to " + actual.str() + ", not " + d.str());
      }
    }
    if (!verdict.ok()) {
      (void)s3_.Send({"DELETE", key, {}, {}, ""});
      return verdict;
    }
    return size;
  }

  // ETags of the parts S3 holds for `up` (etags[n-1]; "" when part n was never uploaded).
  Result<std::vector<std::string>> ListEtags(const Upload& up) {
    std::vector<std::string> etags(static_cast<size_t>(up.parts));
    int marker = 0;
    for (;;) {
      Pairs q{{"uploadId", up.s3_id}};
      if (marker > 0) q.emplace_back("part-number-marker", std::to_string(marker));
      AETHER_ASSIGN_OR_RETURN(auto res,
                              Expect({"GET", CasKey(up.digest), q, {}, ""}, "listing parts"));
      AETHER_ASSIGN_OR_RETURN(PartList list, ParseListParts(res.body));
      for (const auto& p : list.parts) {
        if (p.number >= 1 && p.number <= up.parts)
          etags[static_cast<size_t>(p.number - 1)] = p.etag;
      }
      if (!list.truncated || list.next_marker <= marker) break;
      marker = list.next_marker;
    }
    return etags;
  }

  static Pairs PartQuery(const Upload& up, int n) {
    return {{"partNumber", std::to_string(n)}, {"uploadId", up.s3_id}};
  }

  static Status CheckNumber(const Upload& up, int n) {
    if (n < 1 || n > up.parts) {
      return InvalidArgument("part number " + std::to_string(n) + " is outside 1.." +
                             std::to_string(up.parts));
    }
    return Status::Ok();
  }

  // "s3_<size>_<part size>_<digest hex>_<hex of S3's upload id>_<MAC>"
  std::string EncodeId(const Upload& up) const {
    std::string body = "s3_" + std::to_string(up.size) + "_" + std::to_string(up.part_size) + "_" +
                       Hex(up.digest) + "_" + crypto::HexEncode(up.s3_id);
    return body + "_" + crypto::HmacSha256Hex(id_key_, body).substr(0, 32);
  }

  Result<Upload> DecodeId(const std::string& id) const {
    auto unknown = NotFound("no multipart upload " + id.substr(0, 64));
    auto mac_at = id.rfind('_');
    if (!id.starts_with("s3_") || mac_at == std::string::npos) return unknown;
    std::string body = id.substr(0, mac_at);
    if (!crypto::ConstantTimeEquals(id.substr(mac_at + 1),
                                    crypto::HmacSha256Hex(id_key_, body).substr(0, 32))) {
      return unknown;
    }
    std::vector<std::string> f;
    for (size_t at = 3;;) {
      auto next = body.find('_', at);
      f.push_back(body.substr(at, next - at));
      if (next == std::string::npos) break;
      at = next + 1;
    }
    if (f.size() != 4) return unknown;
    auto digest = Digest::Parse("sha256:" + f[2]);
    auto s3_id = crypto::HexDecode(f[3]);
    if (!digest.ok() || !s3_id.ok()) return unknown;
    Upload up{*digest, ToNumber(f[0]), ToNumber(f[1]), 0, *s3_id};
    auto count = multipart::PartCount(up.size, up.part_size);
    if (!count.ok()) return unknown;
    up.parts = *count;
    return up;
  }

  S3Client s3_;
  const std::string id_key_;
};

}  // namespace

std::unique_ptr<BlobStore> NewS3BlobStore(S3Options options, std::string id_key,
                                          S3Client::Clock now) {
  return std::make_unique<S3BlobStore>(std::move(options), std::move(id_key), std::move(now));
}

}  // namespace aether::s3
