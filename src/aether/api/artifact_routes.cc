// /layers, /artifacts and /blobs: missing-digest query, presign, presigned PUT/GET, complete,
// multipart uploads (create, presigned part PUT, complete, abort), layer HEAD and download
// redirect, manifest registration with evidence under
// /apps/{app}/artifacts, and artifact metadata and evidence by digest.
#include "aether/api/api.h"
#include "aether/api/errors.h"
#include "aether/api/json.h"
#include "aether/api/paging.h"
#include "aether/artifact/manifest.h"
#include "aether/service/evidence.h"

namespace aether::api {
namespace {

std::string Absolute(const Services& s, const std::string& url) {
  return url.starts_with("/") ? s.public_url() + url : url;
}

// `headers` (present only when non-empty) must be sent with the request as they are.
nlohmann::json PresignedJson(const Services& s, const PresignedUrl& p) {
  nlohmann::json j{{"method", p.method}, {"url", Absolute(s, p.url)}, {"expires_at", p.expires_at}};
  if (!p.headers.empty()) j["headers"] = p.headers;
  return j;
}

// {"digest": "...", "size": n} with size optional (-1).
Result<std::pair<std::string, long long>> DigestAndSize(const std::string& text) {
  AETHER_ASSIGN_OR_RETURN(auto body, ParseObject(text));
  AETHER_ASSIGN_OR_RETURN(std::string digest, RequiredString(body, "digest"));
  long long size = -1;
  if (auto it = body.find("size"); it != body.end()) {
    if (!it->is_number_integer()) return InvalidArgument("'size' must be an integer");
    size = it->get<long long>();
  }
  return std::make_pair(digest, size);
}

// {"parts": [{"number": n, "etag": "..."}, …]}
Result<std::vector<UploadPart>> PartList(const std::string& text) {
  AETHER_ASSIGN_OR_RETURN(auto body, ParseObject(text));
  auto it = body.find("parts");
  if (it == body.end() || !it->is_array()) return InvalidArgument("missing array field 'parts'");
  std::vector<UploadPart> parts;
  for (const auto& p : *it) {
    if (!p.is_object() || !p.contains("number") || !p["number"].is_number_integer() ||
        !p.contains("etag") || !p["etag"].is_string()) {
      return InvalidArgument("each part must be {\"number\": n, \"etag\": \"…\"}");
    }
    parts.push_back({p["number"].get<int>(), p["etag"].get<std::string>()});
  }
  return parts;
}

nlohmann::json PlanJson(const Services& s, const UploadPlan& plan) {
  auto parts = nlohmann::json::array();
  for (size_t i = 0; i < plan.parts.size(); ++i) {
    auto part = PresignedJson(s, plan.parts[i]);
    part["number"] = i + 1;
    parts.push_back(std::move(part));
  }
  return {{"upload_id", plan.upload_id}, {"part_size", plan.part_size}, {"parts", parts}};
}

// The registration body: the manifest object itself (no evidence), or
// {"manifest": "<exact manifest text>", "digest": "sha256:…" (what the client computed),
//  "signature": {…}, "sbom": {…}, "provenance": {…}}.
Result<std::pair<std::string, Evidence>> Registration(const std::string& text) {
  AETHER_ASSIGN_OR_RETURN(auto body, ParseObject(text));
  if (!body.contains("manifest")) return std::make_pair(text, Evidence{});
  AETHER_ASSIGN_OR_RETURN(std::string manifest, RequiredString(body, "manifest"));
  Evidence e;
  for (auto [key, out] : {std::pair{"signature", &e.signature}, std::pair{"sbom", &e.sbom},
                          std::pair{"provenance", &e.provenance}}) {
    auto it = body.find(key);
    if (it == body.end() || it->is_null()) continue;
    if (!it->is_object()) return InvalidArgument(std::string("'") + key + "' must be an object");
    *out = it->dump();
  }
  if (auto it = body.find("digest"); it != body.end() && !it->is_null()) {
    if (!it->is_string()) return InvalidArgument("'digest' must be a string");
    e.digest = it->get<std::string>();
  }
  return std::make_pair(std::move(manifest), std::move(e));
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
    res.headers["Location"] = Absolute(s, url->url);
    return res;
  });
  api.Route("POST", "/artifacts/missing", Access::kAdmin, [&s](http::Request& req) {
    auto body = ParseObject(req.body);
    if (!body.ok()) return ErrorResponse(body.status());
    auto it = body->find("digests");
    if (it == body->end() || !it->is_array()) {
      return ErrorResponse(InvalidArgument("missing array field 'digests'"));
    }
    std::vector<std::string> digests;
    for (const auto& d : *it) digests.push_back(d.is_string() ? d.get<std::string>() : "");
    auto missing = s.artifacts.Missing(digests);
    if (!missing.ok()) return ErrorResponse(missing.status());
    return JsonResponse(200, {{"missing", *missing}});
  });
  api.Route("POST", "/artifacts/presign", Access::kAdmin, [&s](http::Request& req) {
    auto in = DigestAndSize(req.body);
    if (!in.ok()) return ErrorResponse(in.status());
    auto url = s.artifacts.PresignUpload(in->first, in->second < 0 ? 0 : in->second);
    if (!url.ok()) return ErrorResponse(url.status());
    return JsonResponse(200, PresignedJson(s, *url));
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
  api.Route("POST", "/artifacts/complete", Access::kAdmin, [&s](http::Request& req) {
    auto in = DigestAndSize(req.body);
    if (!in.ok()) return ErrorResponse(in.status());
    auto size = s.artifacts.Complete(in->first, in->second);
    if (!size.ok()) return ErrorResponse(size.status());
    return JsonResponse(200, {{"digest", in->first}, {"size", *size}});
  });
  api.Route("POST", "/artifacts/uploads", Access::kAdmin, [&s](http::Request& req) {
    auto in = DigestAndSize(req.body);
    if (!in.ok()) return ErrorResponse(in.status());
    auto plan = s.artifacts.CreateUpload(in->first, in->second);
    if (!plan.ok()) return ErrorResponse(plan.status());
    return JsonResponse(201, PlanJson(s, *plan));
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
  api.Route("POST", "/artifacts/uploads/{upload_id}/complete", Access::kAdmin,
            [&s](http::Request& req) {
              auto parts = PartList(req.body);
              if (!parts.ok()) return ErrorResponse(parts.status());
              auto blob = s.artifacts.CompleteUpload(req.Param("upload_id"), *parts);
              if (!blob.ok()) return ErrorResponse(blob.status());
              return JsonResponse(200, {{"digest", blob->first.str()}, {"size", blob->second}});
            });
  api.Route("DELETE", "/artifacts/uploads/{upload_id}", Access::kAdmin, [&s](http::Request& req) {
    Status st = s.artifacts.AbortUpload(req.Param("upload_id"));
    if (!st.ok()) return ErrorResponse(st);
    return JsonResponse(200, {{"aborted", req.Param("upload_id")}});
  });
  api.Route("POST", "/apps/{app}/artifacts", Access::kAdmin, [&s](http::Request& req) {
    auto in = Registration(req.body);
    if (!in.ok()) return ErrorResponse(in.status());
    auto rec = s.artifacts.Register(req.Param("app"), in->first, in->second);
    if (!rec.ok()) return ErrorResponse(rec.status());
    return JsonResponse(201, ArtifactJson(*rec));
  });
  api.Route("GET", "/artifacts/{digest}", Access::kPull, [&s](http::Request& req) {
    auto rec = s.artifacts.Find(req.Param("digest"));
    if (!rec.ok()) return ErrorResponse(rec.status());
    return JsonResponse(200, ArtifactJson(*rec));
  });
  api.Route("GET", "/artifacts/{digest}/signature", Access::kPull, [&s](http::Request& req) {
    return EvidenceResponse(s, req.Param("digest"), &ArtifactRecord::signature, "signature");
  });
  api.Route("GET", "/artifacts/{digest}/sbom", Access::kPull, [&s](http::Request& req) {
    return EvidenceResponse(s, req.Param("digest"), &ArtifactRecord::sbom, "SBOM");
  });
  api.Route("GET", "/artifacts/{digest}/provenance", Access::kPull, [&s](http::Request& req) {
    return EvidenceResponse(s, req.Param("digest"), &ArtifactRecord::provenance, "provenance");
  });
  api.Route("GET", "/apps/{app}/artifacts", Access::kAdmin, [&s](http::Request& req) {
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
