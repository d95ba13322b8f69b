// /artifacts and /blobs: missing-digest query, presign, presigned PUT/GET, complete, HEAD,
// download redirect, and manifest registration under /apps/{app}/artifacts.
#include "aether/api/api.h"
#include "aether/api/errors.h"
#include "aether/api/json.h"
#include "aether/artifact/manifest.h"

namespace aether::api {
namespace {

std::string Absolute(const Services& s, const std::string& url) {
  return url.starts_with("/") ? s.public_url() + url : url;
}

nlohmann::json PresignedJson(const Services& s, const PresignedUrl& p) {
  return {{"method", p.method}, {"url", Absolute(s, p.url)}, {"expires_at", p.expires_at}};
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

}  // namespace

void RegisterArtifactRoutes(Api& api) {
  auto& s = api.services();
  api.Route("HEAD", "/artifacts/{digest}", Access::kPull, [&s](http::Request& req) {
    auto size = s.artifacts.Size(req.Param("digest"));
    if (!size.ok()) return http::Response::Text(HttpStatusFor(size.status().code()), "");
    http::Response res;
    res.headers["Content-Length"] = std::to_string(*size);
    return res;
  });
  api.Route("GET", "/artifacts/{digest}", Access::kPull, [&s](http::Request& req) {
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
  api.Route("POST", "/apps/{app}/artifacts", Access::kAdmin, [&s](http::Request& req) {
    auto rec = s.artifacts.Register(req.Param("app"), req.body);
    if (!rec.ok()) return ErrorResponse(rec.status());
    auto layers = artifact::ParseManifest(rec->manifest);
    return JsonResponse(201, {{"digest", rec->digest},
                              {"app", rec->app},
                              {"size", rec->size},
                              {"layers", layers.ok() ? layers->layers.size() : 0}});
  });
  api.Route("GET", "/apps/{app}/artifacts/{digest}", Access::kPull, [&s](http::Request& req) {
    auto rec = s.artifacts.Get(req.Param("app"), req.Param("digest"));
    if (!rec.ok()) return ErrorResponse(rec.status());
    return http::Response::Text(200, rec->manifest, std::string(artifact::kManifestMediaType));
  });
}

}  // namespace aether::api
