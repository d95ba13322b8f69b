// CycloneDX 1.5 and aether-sbom/v1 documents from a LockGraph (see sbom.h). Stateless apart
// from the CSPRNG behind the serial number; thread-safe.
#include "aether/artifact/sbom.h"

#include <array>
#include <cctype>
#include <ctime>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "aether/crypto/base64.h"
#include "aether/crypto/crypto.h"

namespace aether::artifact {
namespace {

using nlohmann::ordered_json;

std::string PercentEncode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) != 0 || c == '.' || c == '-' || c == '_' || c == '~') {
      out += c;
    } else {
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 0xF];
    }
  }
  return out;
}

// "sha512-<base64>" → {"SHA-512", "<hex>"}; {} when the algorithm or encoding is unknown.
std::pair<std::string, std::string> SriToHash(std::string_view token) {
  static const std::map<std::string_view, std::pair<std::string_view, size_t>> kAlgs = {
      {"sha1", {"SHA-1", 20}},
      {"sha256", {"SHA-256", 32}},
      {"sha384", {"SHA-384", 48}},
      {"sha512", {"SHA-512", 64}}};
  size_t dash = token.find('-');
  if (dash == std::string_view::npos) return {};
  auto alg = kAlgs.find(token.substr(0, dash));
  if (alg == kAlgs.end()) return {};
  std::string_view b64 = token.substr(dash + 1);
  auto bytes = crypto::Base64Decode(b64.substr(0, b64.find('?')));  // '?': SRI options
  if (!bytes.ok() || bytes->size() != alg->second.second) return {};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (char c : *bytes) {
    auto byte = static_cast<unsigned char>(c);
    hex += kHex[byte >> 4];
    hex += kHex[byte & 0xF];
  }
  return {std::string(alg->second.first), hex};
}

std::string NowUtc() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  std::array<char, 32> buf{};
  size_t n = std::strftime(buf.data(), buf.size(), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return std::string(buf.data(), n);
}

// RFC 4122 version 4 (random) UUID.
std::string RandomUuid() {
  std::string h = crypto::RandomHex(16);
  h[12] = '4';
  int variant = h[16] <= '9' ? h[16] - '0' : h[16] - 'a' + 10;
  h[16] = "89ab"[variant & 3];
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) +
         "-" + h.substr(20);
}

// One SBOM entry per name@version, however many install paths it has.
struct Component {
  std::string name;
  std::string version;
  std::string integrity;
  std::string resolved;
  bool optional = true;  // every instance is optional
  std::set<std::string> depends_on;
};

struct Components {
  std::map<std::string, Component> by_purl;
  std::set<std::string> root_depends_on;
};

Components Collect(const LockGraph& graph) {
  Components out;
  std::map<std::string, std::string> purl_of;  // id → purl, production packages only
  for (const LockedPackage& p : graph.packages) {
    if (p.dev) continue;
    std::string purl = NpmPurl(p.name, p.version);
    purl_of[p.id] = purl;
    Component& c = out.by_purl[purl];
    c.name = p.name;
    c.version = p.version;
    if (c.integrity.empty()) c.integrity = p.integrity;
    if (c.resolved.empty()) c.resolved = p.resolved;
    c.optional = c.optional && p.optional;
  }
  for (const LockedPackage& p : graph.packages) {
    auto from = purl_of.find(p.id);
    if (from == purl_of.end()) continue;
    for (const std::string& dep : p.dependencies) {
      auto to = purl_of.find(dep);
      if (to != purl_of.end() && to->second != from->second) {
        out.by_purl[from->second].depends_on.insert(to->second);
      }
    }
  }
  for (const std::string& dep : graph.root_dependencies) {
    auto to = purl_of.find(dep);
    if (to != purl_of.end()) out.root_depends_on.insert(to->second);
  }
  return out;
}

ordered_json LibraryComponent(const std::string& purl, const Component& c) {
  ordered_json j;
  j["type"] = "library";
  j["bom-ref"] = purl;
  size_t slash = c.name.find('/');
  if (c.name.starts_with('@') && slash != std::string::npos) {
    j["group"] = c.name.substr(0, slash);
    j["name"] = c.name.substr(slash + 1);
  } else {
    j["name"] = c.name;
  }
  if (!c.version.empty()) j["version"] = c.version;
  if (c.optional) j["scope"] = "optional";
  ordered_json hashes = ordered_json::array();
  std::set<std::string> algs;
  std::string_view rest = c.integrity;
  while (!rest.empty()) {
    size_t space = rest.find_first_of(" \t\n");
    auto [alg, hex] = SriToHash(rest.substr(0, space));
    if (!alg.empty() && algs.insert(alg).second) hashes.push_back({{"alg", alg}, {"content", hex}});
    rest.remove_prefix(space == std::string_view::npos ? rest.size() : space + 1);
  }
  if (!hashes.empty()) j["hashes"] = hashes;
  j["purl"] = purl;
  if (!c.resolved.empty()) {
    j["externalReferences"] =
        ordered_json::array({{{"type", "distribution"}, {"url", c.resolved}}});
  }
  return j;
}

ordered_json Dependency(const std::string& ref, const std::set<std::string>& depends_on) {
  return {{"ref", ref}, {"dependsOn", ordered_json(depends_on)}};
}

}  // namespace

std::string NpmPurl(std::string_view name, std::string_view version) {
  std::string lower(name);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::string purl = "pkg:npm/";
  size_t slash = lower.find('/');
  if (lower.starts_with('@') && slash != std::string::npos) {
    purl += PercentEncode(lower.substr(0, slash)) + "/" + PercentEncode(lower.substr(slash + 1));
  } else {
    purl += PercentEncode(lower);
  }
  if (!version.empty()) purl += "@" + PercentEncode(version);
  return purl;
}

std::string CycloneDxSbom(const LockGraph& graph, const SbomSubject& subject) {
  Components comps = Collect(graph);
  auto digest = Digest::Parse(subject.artifact_digest);

  ordered_json root;
  root["type"] = "application";
  std::string root_ref = subject.package_name.empty()
                             ? "aether-app:" + subject.app
                             : NpmPurl(subject.package_name, subject.package_version);
  root["bom-ref"] = root_ref;
  root["name"] = subject.app;
  if (!subject.package_version.empty()) root["version"] = subject.package_version;
  if (digest.ok()) {
    root["hashes"] = ordered_json::array({{{"alg", "SHA-256"}, {"content", digest->hex()}}});
  }
  if (!subject.package_name.empty()) root["purl"] = root_ref;
  ordered_json props = ordered_json::array();
  if (digest.ok()) props.push_back({{"name", "aether:artifact-digest"}, {"value", digest->str()}});
  if (!graph.lockfile.empty())
    props.push_back({{"name", "aether:lockfile"}, {"value", graph.lockfile}});
  if (!props.empty()) root["properties"] = props;

  ordered_json tool = {{"type", "application"}, {"name", "aether-cli"}};
  if (!subject.tool_version.empty()) tool["version"] = subject.tool_version;

  ordered_json bom;
  bom["bomFormat"] = "CycloneDX";
  bom["specVersion"] = "1.5";
  bom["serialNumber"] = "urn:uuid:" + RandomUuid();
  bom["version"] = 1;
  bom["metadata"] = {{"timestamp", NowUtc()},
                     {"tools", {{"components", ordered_json::array({tool})}}},
                     {"component", root}};
  ordered_json components = ordered_json::array();
  ordered_json dependencies = ordered_json::array({Dependency(root_ref, comps.root_depends_on)});
  for (const auto& [purl, c] : comps.by_purl) {
    components.push_back(LibraryComponent(purl, c));
    dependencies.push_back(Dependency(purl, c.depends_on));
  }
  bom["components"] = components;
  bom["dependencies"] = dependencies;
  return bom.dump(2) + "\n";
}

std::string LegacySbom(const LockGraph& graph, const SbomSubject& subject) {
  std::map<std::pair<std::string, std::string>, std::string> packages;  // (name, version) → SRI
  for (const LockedPackage& p : graph.packages) {
    if (p.dev) continue;
    std::string& integrity = packages[{p.name, p.version}];
    if (integrity.empty()) integrity = p.integrity;
  }
  nlohmann::json list = nlohmann::json::array();
  for (const auto& [key, integrity] : packages) {
    list.push_back({{"name", key.first}, {"version", key.second}, {"integrity", integrity}});
  }
  nlohmann::json doc = {{"format", "aether-sbom/v1"},
                        {"app", subject.app},
                        {"artifact", subject.artifact_digest},
                        {"lockfile", graph.lockfile},
                        {"packages", list}};
  return doc.dump();
}

Status CheckSbom(std::string_view json, const Digest& artifact) {
  auto invalid = [](std::string m) { return Status(ErrorCode::kSbomInvalid, std::move(m)); };
  auto not_sbom = [&] { return invalid("SBOM is not CycloneDX 1.5 or aether-sbom/v1 JSON"); };
  nlohmann::json doc = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) return not_sbom();
  auto str = [](const nlohmann::json& obj, const char* key) -> std::string {
    auto it = obj.find(key);
    return it != obj.end() && it->is_string() ? it->get<std::string>() : "";
  };
  std::vector<std::string> named;
  if (str(doc, "format") == "aether-sbom/v1") {
    if (!str(doc, "artifact").empty()) named.push_back(str(doc, "artifact"));
  } else if (str(doc, "bomFormat") == "CycloneDX") {
    if (str(doc, "specVersion") != "1.5") {
      return invalid("SBOM is not CycloneDX 1.5 or aether-sbom/v1 JSON (specVersion '" +
                     str(doc, "specVersion") + "')");
    }
    const nlohmann::json* component = nullptr;
    auto meta = doc.find("metadata");
    if (meta != doc.end() && meta->is_object()) {
      auto it = meta->find("component");
      if (it != meta->end() && it->is_object()) component = &*it;
    }
    auto each = [&](const char* key, auto fn) {
      if (component == nullptr || !component->contains(key) || !(*component)[key].is_array())
        return;
      for (const auto& item : (*component)[key]) {
        if (item.is_object()) fn(item);
      }
    };
    each("hashes", [&](const nlohmann::json& h) {
      if (str(h, "alg") == "SHA-256") named.push_back("sha256:" + str(h, "content"));
    });
    each("properties", [&](const nlohmann::json& p) {
      if (str(p, "name") == "aether:artifact-digest") named.push_back(str(p, "value"));
    });
  } else {
    return not_sbom();
  }
  if (named.empty()) return invalid("SBOM names no artifact digest (want " + artifact.str() + ")");
  for (const std::string& text : named) {
    auto digest = Digest::Parse(text);
    if (!digest.ok() || *digest != artifact) {
      return invalid("SBOM names " + text + ", not " + artifact.str());
    }
  }
  return Status::Ok();
}

}  // namespace aether::artifact
