// Strict request-body decoders: typed fields, ranges and names checked, errors name the field.
#include "aether/api/bodies.h"

#include "aether/api/json.h"
#include "aether/blob/multipart.h"
#include "aether/core/names.h"
#include "aether/service/keys.h"

namespace aether::api {
namespace {

using nlohmann::json;

constexpr long long kMaxSize = 1LL << 62;

// A config var name as a body key: the name rules, with the field named on failure.
Status ConfigName(const std::string& name) {
  Status st = ValidateConfigName(name);
  if (st.ok()) return st;
  return InvalidArgument("field '" + name.substr(0, 80) + "': " + st.message());
}

}  // namespace

Result<std::string> DecodeCreateApp(std::string_view body) {
  AETHER_ASSIGN_OR_RETURN(json obj, ParseObject(body));
  AETHER_ASSIGN_OR_RETURN(std::string name, RequiredString(obj, "name"));
  AETHER_RETURN_IF_ERROR(ValidateAppName(name));
  return name;
}

Result<DeployBody> DecodeDeploy(std::string_view body) {
  AETHER_ASSIGN_OR_RETURN(json obj, ParseObject(body));
  DeployBody out;
  AETHER_ASSIGN_OR_RETURN(out.app, RequiredString(obj, "app"));
  AETHER_RETURN_IF_ERROR(ValidateAppName(out.app));
  AETHER_ASSIGN_OR_RETURN(out.artifact, RequiredString(obj, "artifact"));
  if (auto it = obj.find("config"); it != obj.end() && !it->is_null()) {
    if (!it->is_object()) return InvalidArgument("field 'config' must be an object");
    for (const auto& [name, value] : it->items()) {
      AETHER_RETURN_IF_ERROR(ConfigName(name));
      if (!value.is_string()) {
        return InvalidArgument("field 'config." + name + "' must be a string");
      }
      out.config[name] = value.get<std::string>();
    }
  }
  AETHER_ASSIGN_OR_RETURN(auto strategy, OptionalString(obj, "strategy"));
  if (strategy) out.strategy = *strategy;
  return out;
}

Result<ConfigChanges> DecodeConfigChanges(std::string_view body) {
  AETHER_ASSIGN_OR_RETURN(json obj, ParseObject(body));
  ConfigChanges changes;
  for (const auto& [name, value] : obj.items()) {
    AETHER_RETURN_IF_ERROR(ConfigName(name));
    if (value.is_null()) {
      changes[name] = std::nullopt;
    } else if (value.is_string()) {
      changes[name] = value.get<std::string>();
    } else {
      return InvalidArgument("field '" + name + "' must be a string, or null to unset it");
    }
  }
  return changes;
}

Result<int> DecodeScale(std::string_view body) {
  AETHER_ASSIGN_OR_RETURN(json obj, ParseObject(body));
  AETHER_ASSIGN_OR_RETURN(long long n, RequiredInt(obj, "instances", 1, kMaxInstances));
  return static_cast<int>(n);
}

Result<std::optional<long long>> DecodeRollback(std::string_view body) {
  if (body.empty()) return std::optional<long long>();
  AETHER_ASSIGN_OR_RETURN(json obj, ParseObject(body));
  auto it = obj.find("version");
  if (it == obj.end() || it->is_null()) return std::optional<long long>();
  auto bad = [] {
    return InvalidArgument("field 'version' must be a release number: 3 or \"v3\"");
  };
  std::string text;
  if (it->is_string()) {
    text = it->get<std::string>();
  } else if (it->is_number_integer()) {
    auto n = IntValue(*it, "field 'version'", 1, kMaxSize);
    if (!n.ok()) return bad();
    text = std::to_string(*n);
  } else {
    return bad();
  }
  auto version = ParseReleaseVersion(text);
  if (!version.ok()) return bad();
  return std::optional<long long>(*version);
}

Result<KeyBody> DecodeKey(std::string_view body) {
  AETHER_ASSIGN_OR_RETURN(json obj, ParseObject(body));
  KeyBody out;
  AETHER_ASSIGN_OR_RETURN(out.public_key, RequiredString(obj, "public_key"));
  AETHER_ASSIGN_OR_RETURN(auto name, OptionalString(obj, "name"));
  out.name = name.value_or("");
  if (Status st = ValidateKeyName(out.name); !st.ok()) {
    return InvalidArgument("field 'name': " + st.message());
  }
  return out;
}

Result<std::pair<std::string, long long>> DecodeDigestAndSize(std::string_view body) {
  AETHER_ASSIGN_OR_RETURN(json obj, ParseObject(body));
  AETHER_ASSIGN_OR_RETURN(std::string digest, RequiredString(obj, "digest"));
  AETHER_ASSIGN_OR_RETURN(auto size, OptionalInt(obj, "size", 0, kMaxSize));
  return std::make_pair(std::move(digest), size.value_or(-1));
}

Result<std::vector<std::string>> DecodeDigests(std::string_view body) {
  AETHER_ASSIGN_OR_RETURN(json obj, ParseObject(body));
  auto it = obj.find("digests");
  if (it == obj.end() || it->is_null()) return InvalidArgument("missing array field 'digests'");
  if (!it->is_array()) return InvalidArgument("field 'digests' must be an array of strings");
  std::vector<std::string> digests;
  for (size_t i = 0; i < it->size(); ++i) {
    const json& d = (*it)[i];
    if (!d.is_string()) {
      return InvalidArgument("field 'digests[" + std::to_string(i) + "]' must be a string");
    }
    digests.push_back(d.get<std::string>());
  }
  return digests;
}

Result<std::vector<UploadPart>> DecodeParts(std::string_view body) {
  AETHER_ASSIGN_OR_RETURN(json obj, ParseObject(body));
  auto it = obj.find("parts");
  if (it == obj.end() || it->is_null()) return InvalidArgument("missing array field 'parts'");
  if (!it->is_array()) return InvalidArgument("field 'parts' must be an array");
  std::vector<UploadPart> parts;
  for (size_t i = 0; i < it->size(); ++i) {
    const json& p = (*it)[i];
    const std::string where = "parts[" + std::to_string(i) + "]";
    if (!p.is_object()) {
      return InvalidArgument("field '" + where + "' must be {\"number\": n, \"etag\": \"…\"}");
    }
    auto number = p.find("number");
    if (number == p.end() || number->is_null()) {
      return InvalidArgument("missing integer field '" + where + ".number'");
    }
    AETHER_ASSIGN_OR_RETURN(
        long long n, IntValue(*number, "field '" + where + ".number'", 1, multipart::kMaxParts));
    auto etag = p.find("etag");
    if (etag == p.end() || !etag->is_string()) {
      return InvalidArgument("field '" + where + ".etag' must be a string");
    }
    parts.push_back({static_cast<int>(n), etag->get<std::string>()});
  }
  return parts;
}

Result<std::pair<std::string, Evidence>> DecodeRegistration(std::string_view body) {
  AETHER_ASSIGN_OR_RETURN(json obj, ParseObject(body));
  if (!obj.contains("manifest")) return std::make_pair(std::string(body), Evidence{});
  AETHER_ASSIGN_OR_RETURN(std::string manifest, RequiredString(obj, "manifest"));
  Evidence e;
  for (auto [key, out] : {std::pair{"signature", &e.signature}, std::pair{"sbom", &e.sbom},
                          std::pair{"provenance", &e.provenance}}) {
    auto it = obj.find(key);
    if (it == obj.end() || it->is_null()) continue;
    if (!it->is_object())
      return InvalidArgument(std::string("field '") + key + "' must be an object");
    *out = it->dump(-1, ' ', false, json::error_handler_t::replace);
  }
  AETHER_ASSIGN_OR_RETURN(auto digest, OptionalString(obj, "digest"));
  e.digest = digest.value_or("");
  return std::make_pair(std::move(manifest), std::move(e));
}

Result<TokenSpec> DecodeTokenSpec(std::string_view body) {
  AETHER_ASSIGN_OR_RETURN(json obj, ParseObject(body));
  TokenSpec spec;
  AETHER_ASSIGN_OR_RETURN(spec.name, RequiredString(obj, "name"));
  AETHER_ASSIGN_OR_RETURN(spec.role, RequiredString(obj, "scope"));
  if (auto apps = obj.find("apps"); apps != obj.end() && !apps->is_null()) {
    bool names = apps->is_array();
    for (const json& app : names ? *apps : json::array()) names = names && app.is_string();
    if (!names) return InvalidArgument("field 'apps' must be an array of app names");
    spec.apps = apps->get<std::vector<std::string>>();
  }
  AETHER_ASSIGN_OR_RETURN(std::optional<long long> ttl,
                          OptionalInt(obj, "expires_in_seconds", 0, kMaxSize));
  spec.ttl_seconds = ttl.value_or(0);
  return spec;
}

Result<long long> DecodeGrace(std::string_view body, long long default_seconds) {
  if (body.empty()) return default_seconds;
  AETHER_ASSIGN_OR_RETURN(json obj, ParseObject(body));
  AETHER_ASSIGN_OR_RETURN(std::optional<long long> grace,
                          OptionalInt(obj, "grace_seconds", 0, kMaxSize));
  return grace.value_or(default_seconds);
}

}  // namespace aether::api
