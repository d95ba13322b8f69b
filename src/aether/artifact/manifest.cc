// Canonical JSON encoding and validating decoder for Manifest (see manifest.h).
// Owned by the artifact module. Stateless free functions; thread-safe. nlohmann exceptions
// are caught here and turned into kInvalidArgument.
#include "aether/artifact/manifest.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "aether/artifact/path_safety.h"

namespace aether::artifact {
namespace {

using nlohmann::json;

Status Bad(const std::string& field, const std::string& what) {
  return InvalidArgument("manifest: " + field + ": " + what);
}

// Reads an optional string field; absent or null leaves `out` unchanged.
Status OptString(const json& obj, const char* key, const std::string& where, std::string* out) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return Status::Ok();
  if (!it->is_string()) return Bad(where + key, "must be a string");
  *out = it->get<std::string>();
  return Status::Ok();
}

Status ReqString(const json& obj, const char* key, const std::string& where, std::string* out) {
  if (!obj.contains(key)) return Bad(where + key, "missing");
  return OptString(obj, key, where, out);
}

bool IsHex64(const std::string& s) {
  return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

// A path as PackTree writes it: already clean (CleanEntryPath leaves it unchanged).
Status CleanPath(const json& obj, const std::string& where, std::string* out) {
  AETHER_RETURN_IF_ERROR(ReqString(obj, "path", where + ".", out));
  auto clean = internal::CleanEntryPath(*out);
  if (!clean.ok() || *clean != *out) return Bad(where + ".path", "not a clean relative path");
  return Status::Ok();
}

Result<FileEntry> ParseFile(const json& j, const std::string& where) {
  if (!j.is_object()) return Bad(where, "must be an object");
  FileEntry f;
  AETHER_RETURN_IF_ERROR(CleanPath(j, where, &f.path));
  auto size = j.find("size");
  if (size == j.end() || !size->is_number_integer() || size->get<int64_t>() < 0) {
    return Bad(where + ".size", "must be a non-negative integer");
  }
  f.size = size->get<int64_t>();
  auto mode = j.find("mode");
  if (mode == j.end() || !mode->is_number_unsigned()) return Bad(where + ".mode", "missing");
  f.mode = static_cast<uint32_t>(mode->get<uint64_t>());
  if (f.mode != kModeFile && f.mode != kModeExecutable && f.mode != kModeSymlink &&
      f.mode != kModeDirectory) {
    return Bad(where + ".mode", "unsupported mode " + mode->dump());
  }
  AETHER_RETURN_IF_ERROR(ReqString(j, "sha256", where + ".", &f.sha256));
  if (!IsHex64(f.sha256)) return Bad(where + ".sha256", "must be 64 lowercase hex digits");
  return f;
}

Result<NativeAddon> ParseAddon(const json& j, const std::string& where) {
  if (!j.is_object()) return Bad(where, "must be an object");
  NativeAddon a;
  AETHER_RETURN_IF_ERROR(CleanPath(j, where, &a.path));
  AETHER_RETURN_IF_ERROR(OptString(j, "os", where + ".", &a.os));
  AETHER_RETURN_IF_ERROR(OptString(j, "arch", where + ".", &a.arch));
  AETHER_RETURN_IF_ERROR(OptString(j, "libc", where + ".", &a.libc));
  AETHER_RETURN_IF_ERROR(OptString(j, "node_abi", where + ".", &a.node_abi));
  auto napi = j.find("napi");
  if (napi != j.end() && !napi->is_boolean()) return Bad(where + ".napi", "must be a boolean");
  a.napi = napi != j.end() && napi->get<bool>();
  return a;
}

Result<Layer> ParseLayer(const json& j, const std::string& where) {
  if (!j.is_object()) return Bad(where, "must be an object");
  std::string digest_text;
  AETHER_RETURN_IF_ERROR(ReqString(j, "digest", where + ".", &digest_text));
  auto digest = Digest::Parse(digest_text);
  if (!digest.ok()) return Bad(where + ".digest", digest.status().message());
  auto size = j.find("size");
  if (size == j.end()) return Bad(where + ".size", "missing");
  if (!size->is_number_integer() || size->get<int64_t>() < 0) {
    return Bad(where + ".size", "must be a non-negative integer");
  }
  Layer layer{*digest, size->get<int64_t>(), std::string(kLayerMediaType), ""};
  AETHER_RETURN_IF_ERROR(OptString(j, "media_type", where + ".", &layer.media_type));
  if (layer.media_type != kLayerMediaType) {
    return Bad(where + ".media_type", "unsupported media type '" + layer.media_type + "'");
  }
  AETHER_RETURN_IF_ERROR(OptString(j, "role", where + ".", &layer.role));
  auto files = j.find("files");
  if (files == j.end() || files->is_null()) return layer;
  if (!files->is_array()) return Bad(where + ".files", "must be an array");
  layer.files.reserve(files->size());
  for (size_t i = 0; i < files->size(); ++i) {
    std::string at = where + ".files[" + std::to_string(i) + "]";
    AETHER_ASSIGN_OR_RETURN(FileEntry f, ParseFile((*files)[i], at));
    if (!layer.files.empty() && !(layer.files.back().path < f.path)) {
      return Bad(at + ".path", "not in ascending order or repeated");
    }
    layer.files.push_back(std::move(f));
  }
  return layer;
}

Result<Manifest> ParseObject(const json& j) {
  if (!j.is_object()) return InvalidArgument("manifest: must be a JSON object");
  Manifest m;
  auto version = j.find("schema_version");
  if (version == j.end()) return Bad("schema_version", "missing");
  if (!version->is_number_integer() || version->get<int64_t>() != 1) {
    return Bad("schema_version", "unsupported version " + version->dump() + " (want 1)");
  }
  AETHER_RETURN_IF_ERROR(OptString(j, "app", "", &m.app));

  auto layers = j.find("layers");
  if (layers == j.end() || !layers->is_array()) return Bad("layers", "must be an array");
  if (layers->empty()) return Bad("layers", "must name at least one layer");
  for (size_t i = 0; i < layers->size(); ++i) {
    AETHER_ASSIGN_OR_RETURN(Layer layer,
                            ParseLayer((*layers)[i], "layers[" + std::to_string(i) + "]"));
    m.layers.push_back(std::move(layer));
  }

  auto command = j.find("command");
  if (command == j.end() || !command->is_array()) return Bad("command", "must be an array");
  if (command->empty()) return Bad("command", "must not be empty");
  for (size_t i = 0; i < command->size(); ++i) {
    const json& arg = (*command)[i];
    if (!arg.is_string()) return Bad("command[" + std::to_string(i) + "]", "must be a string");
    m.command.push_back(arg.get<std::string>());
  }
  if (m.command[0].empty()) return Bad("command[0]", "must not be empty");

  AETHER_RETURN_IF_ERROR(OptString(j, "node_version", "", &m.node_version));
  AETHER_RETURN_IF_ERROR(OptString(j, "health_path", "", &m.health_path));
  if (!m.health_path.empty() && m.health_path[0] != '/') {
    return Bad("health_path", "must start with '/'");
  }
  AETHER_RETURN_IF_ERROR(OptString(j, "created_by", "", &m.created_by));

  auto platform = j.find("platform");
  if (platform != j.end() && !platform->is_null()) {
    if (!platform->is_object()) return Bad("platform", "must be an object");
    AETHER_RETURN_IF_ERROR(OptString(*platform, "os", "platform.", &m.platform.os));
    AETHER_RETURN_IF_ERROR(OptString(*platform, "arch", "platform.", &m.platform.arch));
    AETHER_RETURN_IF_ERROR(OptString(*platform, "libc", "platform.", &m.platform.libc));
    AETHER_RETURN_IF_ERROR(OptString(*platform, "node_abi", "platform.", &m.platform.node_abi));
  }

  auto addons = j.find("native_addons");
  if (addons != j.end() && !addons->is_null()) {
    if (!addons->is_array()) return Bad("native_addons", "must be an array");
    for (size_t i = 0; i < addons->size(); ++i) {
      std::string at = "native_addons[" + std::to_string(i) + "]";
      AETHER_ASSIGN_OR_RETURN(NativeAddon a, ParseAddon((*addons)[i], at));
      if (!m.native_addons.empty() && a.path < m.native_addons.back().path) {
        return Bad(at + ".path", "not in ascending order");
      }
      m.native_addons.push_back(std::move(a));
    }
  }
  return m;
}

}  // namespace

std::string SerializeManifest(const Manifest& m) {
  json layers = json::array();
  for (const Layer& l : m.layers) {
    json layer{{"digest", l.digest.str()},
               {"size", l.size},
               {"media_type", l.media_type},
               {"role", l.role}};
    if (!l.files.empty()) {
      json files = json::array();
      files.get_ref<json::array_t&>().reserve(l.files.size());
      for (const FileEntry& f : l.files) {
        files.push_back(
            json{{"path", f.path}, {"size", f.size}, {"mode", f.mode}, {"sha256", f.sha256}});
      }
      layer["files"] = std::move(files);
    }
    layers.push_back(std::move(layer));
  }
  json j{{"schema_version", m.schema_version},
         {"app", m.app},
         {"layers", std::move(layers)},
         {"command", m.command},
         {"node_version", m.node_version},
         {"health_path", m.health_path},
         {"platform", json{{"os", m.platform.os},
                           {"arch", m.platform.arch},
                           {"libc", m.platform.libc},
                           {"node_abi", m.platform.node_abi}}},
         {"created_by", m.created_by}};
  if (!m.native_addons.empty()) {
    std::vector<const NativeAddon*> sorted;
    for (const NativeAddon& a : m.native_addons) sorted.push_back(&a);
    std::stable_sort(sorted.begin(), sorted.end(),
                     [](const NativeAddon* x, const NativeAddon* y) { return x->path < y->path; });
    json addons = json::array();
    for (const NativeAddon* p : sorted) {
      const NativeAddon& a = *p;
      addons.push_back(json{{"path", a.path},
                            {"os", a.os},
                            {"arch", a.arch},
                            {"libc", a.libc},
                            {"napi", a.napi},
                            {"node_abi", a.node_abi}});
    }
    j["native_addons"] = std::move(addons);
  }
  // json objects are std::map-backed, so keys come out sorted; invalid UTF-8 is replaced
  // rather than thrown so this function cannot fail.
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

Result<Manifest> ParseManifest(std::string_view text) {
  json j = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return InvalidArgument("manifest: not valid JSON");
  try {
    return ParseObject(j);
  } catch (const std::exception& e) {  // defensive: type errors from get<>()
    return InvalidArgument(std::string("manifest: ") + e.what());
  }
}

}  // namespace aether::artifact
