// /layers, /artifacts and /blobs: missing-digest query, presign, presigned PUT/GET, complete,
// multipart uploads (create, presigned part PUT, complete, abort), layer HEAD and download
// redirect, manifest registration with evidence under
// /apps/{app}/artifacts, and artifact metadata and evidence by digest.
#include "aether/api/api.h"
#include "aether/api/bodies.h"
#include "aether/api/errors.h"
#include "aether/api/json.h"
#include "aether/api/paging.h"
#include "aether/artifact/manifest.h"
#include "aether/service/evidence.h"

namespace aether::api {
namespace {

std::string Absolute(const Services& s, const http::Request& req, const std::string& url) {
  return url.starts_with("/") ? s.public_url(req) + url : url;
}

// `headers` (present only when non-empty) must be sent with the request as they are.
nlohmann::json PresignedJson(const Services& s, const http::Request& req, const PresignedUrl& p) {
  nlohmann::json j{
      {"method", p.method}, {"url", Absolute(s, req, p.url)}, {"expires_at", p.expires_at}};
  if (!p.headers.empty()) j["headers"] = p.headers;
  return j;
}

nlohmann::json PlanJson(const Services& s, const http::Request& req, const UploadPlan& plan) {
  auto parts = nlohmann::json::array();
  for (size_t i = 0; i < plan.parts.size(); ++i) {
    auto part = PresignedJson(s, req, plan.parts[i]);
    part["number"] = i + 1;
    parts.push_back(std::move(part));
  }
  return {{"upload_id", plan.upload_id}, {"part_size", plan.part_size}, {"parts", parts}};
}

nlohmann::json ArtifactJson(const ArtifactRecord& rec) {
  auto manifest = nlohmann::json::parse(rec.manifest, nullptr, /*allow_exceptions=*/false);
  auto layers = nlohmann::json::array();
  if (manifest.is_object() && manifest.contains("layers")) {
    for (const auto& l : manifest["layers"]) {
      layers.push_back({{"digest", l.value("digest", "")},
                        {"size", l.value("size", 0LL)},
                        {"role", l.value("role", "")}});
    }
  }
  return {{"digest", rec.digest},
          {"app", rec.app},
          {"size", rec.size},
          {"created_at", rec.created_at},
          {"layers", layers},
          {"verified", !rec.signed_by.empty()},
          {"signed_by", rec.signed_by},
          {"sbom", !rec.sbom.empty()},
          {"provenance", !rec.provenance.empty()},
          {"provenance_verified", !rec.provenance_signed_by.empty()}};
}

// One piece of evidence as its own JSON document, 404 when the artifact has none.
http::Response EvidenceResponse(Services& s, const std::string& digest,
                                std::string ArtifactRecord::*field, const char* what) {
  auto rec = s.artifacts.Find(digest);
  if (!rec.ok()) return ErrorResponse(rec.status());
  const std::string& body = (*rec).*field;
  if (body.empty()) {
    return ErrorResponse(NotFound("artifact " + rec->digest + " has no " + what));
  }
  return http::Response::Text(200, body, "application/json");
}

}  // namespace

void RegisterArtifactRoutes(Api& api) {
  auto& s = api.services();
  api.Route("HEAD", "/layers/{digest}", Access::kPull, [&s](http::Request& req) {
    auto size = s.artifacts.Size(req.Param("digest"));
    if (!size.ok()) return http::Response::Text(HttpStatusFor(size.status().code()), "");
    http::Response res;
    res.headers["Content-Length"] = std::to_string(*size);
    return res;
  });
  api.Route("GET", "/layers/{digest}", Access::kPull, [&s](http::Request& req) {
    auto url = s.artifacts.PresignDownload(req.Param("digest"));
    if (!url.ok()) return ErrorResponse(url.status());
    http::Response res;
    res.status = 302;
    res.headers["Location"] = Absolute(s, req, url->url);
    return res;
  });
  api.Route("POST", "/artifacts/missing", Access::kDeploy, [&s](http::Request& req) {
    auto digests = DecodeDigests(req.body);
    if (!digests.ok()) return ErrorResponse(digests.status());
    auto missing = s.artifacts.Missing(*digests);
    if (!missing.ok()) return ErrorResponse(missing.status());
    return JsonResponse(200, {{"missing", *missing}});
  });
  api.Route("POST", "/artifacts/presign", Access::kDeploy, [&s](http::Request& req) {
    auto in = DecodeDigestAndSize(req.body);
    if (!in.ok()) return ErrorResponse(in.status());
    auto url = s.artifacts.PresignUpload(in->first, in->second < 0 ? 0 : in->second);
    if (!url.ok()) return ErrorResponse(url.status());
    return JsonResponse(200, PresignedJson(s, req, *url));
  });
  api.Route("PUT", "/blobs/{digest}", Access::kPublic, [&s](http::Request& req) {
    Status st = s.artifacts.StageSigned(req.Param("digest"), req.Query("expires").value_or(""),
                                        req.Query("signature").value_or(""), req.body);
    if (!st.ok()) return ErrorResponse(st);
    s.metrics.AddUploadBytes(static_cast<long long>(req.body.size()));
    return JsonResponse(
        201, {{"digest", req.Param("digest")}, {"size", req.body.size()}, {"status", "staged"}});
  });
  api.Route("GET", "/blobs/{digest}", Access::kPublic, [&s](http::Request& req) {
    auto bytes = s.artifacts.ReadSigned(req.Param("digest"), req.Query("expires").value_or(""),
                                        req.Query("signature").value_or(""));
    if (!bytes.ok()) return ErrorResponse(bytes.status());
    return http::Response::Text(200, std::move(bytes).value(), "application/octet-stream");
  });
  api.Route("POST", "/artifacts/complete", Access::kDeploy, [&s](http::Request& req) {
    auto in = DecodeDigestAndSize(req.body);
    if (!in.ok()) return ErrorResponse(in.status());
    auto size = s.artifacts.Complete(in->first, in->second);
    if (!size.ok()) return ErrorResponse(size.status());
    return JsonResponse(200, {{"digest", in->first}, {"size", *size}});
  });
  api.Route("POST", "/artifacts/uploads", Access::kDeploy, [&s](http::Request& req) {
    auto in = DecodeDigestAndSize(req.body);
    if (!in.ok()) return ErrorResponse(in.status());
    auto plan = s.artifacts.CreateUpload(in->first, in->second);
    if (!plan.ok()) return ErrorResponse(plan.status());
    return JsonResponse(201, PlanJson(s, req, *plan));
  });
  api.Route("PUT", "/blobs/uploads/{upload_id}/{part}", Access::kPublic, [&s](http::Request& req) {
    auto etag = s.artifacts.StagePartSigned(req.Param("upload_id"), req.Param("part"),
                                            req.Query("expires").value_or(""),
                                            req.Query("signature").value_or(""), req.body);
    if (!etag.ok()) return ErrorResponse(etag.status());
    s.metrics.AddUploadBytes(static_cast<long long>(req.body.size()));
    http::Response res = JsonResponse(200, {{"etag", *etag}});
    res.headers["ETag"] = "\"" + *etag + "\"";
    return res;
  });
  api.Route("POST", "/artifacts/uploads/{upload_id}/complete", Access::kDeploy,
            [&s](http::Request& req) {
              auto parts = DecodeParts(req.body);
              if (!parts.ok()) return ErrorResponse(parts.status());
              auto blob = s.artifacts.CompleteUpload(req.Param("upload_id"), *parts);
              if (!blob.ok()) return ErrorResponse(blob.status());
              return JsonResponse(200, {{"digest", blob->first.str()}, {"size", blob->second}});
            });
  api.Route("DELETE", "/artifacts/uploads/{upload_id}", Access::kDeploy, [&s](http::Request& req) {
    Status st = s.artifacts.AbortUpload(req.Param("upload_id"));
    if (!st.ok()) return ErrorResponse(st);
    return JsonResponse(200, {{"aborted", req.Param("upload_id")}});
  });
  api.Route("POST", "/apps/{app}/artifacts", Access::kDeploy, [&s](http::Request& req) {
    auto in = DecodeRegistration(req.body);
    if (!in.ok()) return ErrorResponse(in.status());
    auto rec = s.artifacts.Register(req.Param("app"), in->first, in->second);
    if (!rec.ok()) return ErrorResponse(rec.status());
    return JsonResponse(201, ArtifactJson(*rec));
  });
  api.Route(
      "GET", "/artifacts/{digest}", Access::kPull,
      [&s](http::Request& req) {
        auto rec = s.artifacts.Find(req.Param("digest"));
        if (!rec.ok()) return ErrorResponse(rec.status());
        return JsonResponse(200, ArtifactJson(*rec));
      },
      AppFrom::kArtifact);
  api.Route(
      "GET", "/artifacts/{digest}/signature", Access::kPull,
      [&s](http::Request& req) {
        return EvidenceResponse(s, req.Param("digest"), &ArtifactRecord::signature, "signature");
      },
      AppFrom::kArtifact);
  api.Route(
      "GET", "/artifacts/{digest}/sbom", Access::kPull,
      [&s](http::Request& req) {
        return EvidenceResponse(s, req.Param("digest"), &ArtifactRecord::sbom, "SBOM");
      },
      AppFrom::kArtifact);
  api.Route(
      "GET", "/artifacts/{digest}/provenance", Access::kPull,
      [&s](http::Request& req) {
        return EvidenceResponse(s, req.Param("digest"), &ArtifactRecord::provenance, "provenance");
      },
      AppFrom::kArtifact);
  api.Route("GET", "/apps/{app}/artifacts", Access::kRead, [&s](http::Request& req) {
    auto page = PageFrom(req);
    if (!page.ok()) return ErrorResponse(page.status());
    auto list = s.artifacts.List(req.Param("app"), *page);
    if (!list.ok()) return ErrorResponse(list.status());
    auto arr = nlohmann::json::array();
    for (const auto& a : list->items) {
      arr.push_back(
          {{"digest", a.digest}, {"app", a.app}, {"size", a.size}, {"created_at", a.created_at}});
    }
    return JsonResponse(200, PageJson("artifacts", std::move(arr), list->next));
  });
  api.Route("GET", "/apps/{app}/artifacts/{digest}", Access::kPull, [&s](http::Request& req) {
    auto rec = s.artifacts.Get(req.Param("app"), req.Param("digest"));
    if (!rec.ok()) return ErrorResponse(rec.status());
    return http::Response::Text(200, rec->manifest, std::string(artifact::kManifestMediaType));
  });
}

}  // namespace aether::api
