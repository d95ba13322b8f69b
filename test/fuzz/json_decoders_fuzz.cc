// libFuzzer target: the JSON decoders applied to API request bodies (api/json.h: ParseObject,
// the typed field helpers, JsonResponse; wire/wire.h: App/Deployment/PublicKey FromJson).
// Checks that decoding never crashes or throws, that an accepted body nests no deeper than
// kMaxJsonDepth, that integers come back within their bounds, and that every wire type
// survives encode → decode unchanged.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "aether/api/json.h"
#include "aether/wire/wire.h"

namespace {

using nlohmann::json;

void Check(bool ok) {
  if (!ok) std::abort();
}

// Nesting depth of `j` (a scalar is 0), without recursion.
int Depth(const json& j) {
  int deepest = 0;
  std::vector<std::pair<const json*, int>> todo{{&j, 0}};
  while (!todo.empty()) {
    auto [v, d] = todo.back();
    todo.pop_back();
    deepest = std::max(deepest, d);
    if (v->is_structured()) {
      for (const json& child : *v) todo.emplace_back(&child, d + 1);
    }
  }
  return deepest;
}

void DecodeFields(const json& obj) {
  for (const char* field : {"name", "app", "artifact", "digest", "manifest", "public_key"}) {
    auto s = aether::api::RequiredString(obj, field);
    Check(!s.ok() || !s->empty());
    (void)aether::api::OptionalString(obj, field);
  }
  for (const char* field : {"size", "instances", "version", "number"}) {
    auto n = aether::api::RequiredInt(obj, field, -5, 100);
    Check(!n.ok() || (*n >= -5 && *n <= 100));
    auto o = aether::api::OptionalInt(obj, field, 0, 0x7fffffffffffffffLL);
    Check(!o.ok() || !o->has_value() || **o >= 0);
  }
}

void DecodeAll(const json& j) {
  std::string url;
  aether::App app = aether::wire::AppFromJson(j, &url);
  std::string url2;
  aether::App app2 = aether::wire::AppFromJson(aether::wire::AppJson(app, url), &url2);
  Check(app2.name == app.name && app2.created_at == app.created_at &&
        app2.current_deployment == app.current_deployment && url2 == url);

  aether::Deployment d = aether::wire::DeploymentFromJson(j);
  json encoded = aether::wire::DeploymentJson(d);
  aether::Deployment d2 = aether::wire::DeploymentFromJson(encoded);
  Check(d2.id == d.id && d2.app == d.app && d2.version == d.version && d2.config == d.config &&
        d2.instances == d.instances && d2.strategy == d.strategy && d2.status == d.status &&
        d2.phases.size() == d.phases.size());
  (void)encoded.dump();  // decoded strings are valid UTF-8: dump must not throw

  aether::PublicKey k = aether::wire::PublicKeyFromJson(j);
  aether::PublicKey k2 = aether::wire::PublicKeyFromJson(aether::wire::PublicKeyJson(k));
  Check(k2.id == k.id && k2.pem == k.pem && k2.active == k.active);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view body(reinterpret_cast<const char*>(data), size);
  auto obj = aether::api::ParseObject(body);
  if (!obj.ok()) return 0;
  Check(obj->is_object());
  Check(Depth(*obj) <= aether::api::kMaxJsonDepth);
  DecodeFields(*obj);
  DecodeAll(*obj);
  for (const auto& [key, value] : obj->items()) {  // nested objects decode too (lenient)
    if (value.is_object()) DecodeAll(value);
  }
  (void)aether::api::JsonResponse(200, *obj);
  return 0;
}
