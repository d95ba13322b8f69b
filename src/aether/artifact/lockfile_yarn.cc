// ParseYarnLock: yarn classic (the indented v1 text format) and yarn berry (YAML, parsed with
// yaml-cpp, whose exceptions are caught here). Berry's "checksum" hashes its cache zip, not the
// npm tarball, so berry packages carry no integrity. Stateless; thread-safe.
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <map>

#include "aether/artifact/lockfile.h"
#include "aether/artifact/lockfile_internal.h"

namespace aether::artifact {
namespace {

using lockfile_internal::DepKind;
using lockfile_internal::GraphBuilder;
using lockfile_internal::NameOfSpec;

constexpr std::string_view kLockfile = "yarn.lock";

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

std::string Unquote(std::string_view s) {
  s = Trim(s);
  if (s.size() < 2 || s.front() != '"' || s.back() != '"') return std::string(s);
  std::string out;
  for (size_t i = 1; i + 1 < s.size(); ++i) {
    if (s[i] == '\\' && i + 2 < s.size()) ++i;
    out += s[i];
  }
  return out;
}

// "key value" or "\"key\" \"value\"" → {key, value}.
std::pair<std::string, std::string> SplitKeyValue(std::string_view line) {
  line = Trim(line);
  size_t end = line.find(' ');
  if (line.starts_with('"')) {
    size_t close = line.find('"', 1);
    end = close == std::string_view::npos ? std::string_view::npos : close + 1;
  }
  if (end == std::string_view::npos) return {Unquote(line), ""};
  return {Unquote(line.substr(0, end)), Unquote(line.substr(end))};
}

struct Entry {
  std::vector<std::string> specs;  // "name@range" descriptors this entry resolves
  LockedPackage package;
  std::vector<std::pair<std::pair<std::string, std::string>, DepKind>> deps;
};

// A descriptor's package name, following "alias@npm:real@range" to the real name.
std::string RealName(const std::string& spec) {
  std::string_view name = NameOfSpec(spec);
  std::string_view range = std::string_view(spec).substr(std::min(spec.size(), name.size() + 1));
  if (range.starts_with("npm:") && range.find('@', 5) != std::string_view::npos) {
    return std::string(NameOfSpec(range.substr(4)));
  }
  return std::string(name);
}

Result<std::vector<Entry>> ParseClassic(std::string_view text) {
  std::vector<Entry> entries;
  DepKind section = DepKind::kProd;
  bool in_section = false;
  size_t line_no = 0;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    ++line_no;
    std::string_view body = Trim(line);
    if (body.empty() || body.starts_with('#')) continue;
    size_t indent = line.find_first_not_of(' ');
    auto bad = [&](std::string_view what) {
      return lockfile_internal::Malformed(
          kLockfile, "line " + std::to_string(line_no) + ": " + std::string(what));
    };
    if (indent == 0) {
      if (!body.ends_with(':')) return bad("expected \"<descriptor>, …:\"");
      Entry e;
      body.remove_suffix(1);
      while (!body.empty()) {
        size_t comma = body.find(',');
        std::string spec = Unquote(body.substr(0, comma));
        if (!spec.empty()) e.specs.push_back(spec);
        body.remove_prefix(comma == std::string_view::npos ? body.size() : comma + 1);
      }
      if (e.specs.empty()) return bad("empty descriptor list");
      e.package.name = RealName(e.specs.front());
      entries.push_back(std::move(e));
      in_section = false;
    } else if (entries.empty()) {
      return bad("field before the first entry");
    } else if (indent == 2 && body.ends_with(':')) {
      in_section = body == "dependencies:" || body == "optionalDependencies:";
      section = body == "dependencies:" ? DepKind::kProd : DepKind::kOptional;
    } else if (indent == 2) {
      auto [key, value] = SplitKeyValue(body);
      LockedPackage& p = entries.back().package;
      if (key == "version") p.version = value;
      if (key == "resolved") p.resolved = value;
      if (key == "integrity") p.integrity = value;
    } else if (indent == 4 && in_section) {
      entries.back().deps.emplace_back(SplitKeyValue(body), section);
    } else if (indent != 4) {
      return bad("unexpected indentation");
    }
  }
  return entries;
}

// Berry: a YAML map of "desc, desc" → {version, resolution, dependencies, dependenciesMeta…}.
Result<std::vector<Entry>> ParseBerry(std::string_view text, std::vector<Entry>* workspace_root) {
  std::vector<Entry> entries;
  try {
    YAML::Node doc = YAML::Load(std::string(text));
    if (!doc.IsMap()) return lockfile_internal::Malformed(kLockfile, "not a YAML map");
    for (const auto& kv : doc) {
      std::string key = kv.first.as<std::string>();
      const YAML::Node& v = kv.second;
      if (key == "__metadata" || !v.IsMap()) continue;
      Entry e;
      std::string_view rest = key;
      while (!rest.empty()) {
        size_t comma = rest.find(',');
        std::string spec(Trim(rest.substr(0, comma)));
        if (!spec.empty()) e.specs.push_back(spec);
        rest.remove_prefix(comma == std::string_view::npos ? rest.size() : comma + 1);
      }
      std::string resolution = v["resolution"] ? v["resolution"].as<std::string>() : "";
      e.package.name = resolution.empty() ? RealName(key) : std::string(NameOfSpec(resolution));
      e.package.version = v["version"] ? v["version"].as<std::string>() : "";
      const YAML::Node meta = v["dependenciesMeta"];
      for (const char* section : {"dependencies", "peerDependencies"}) {
        if (!v[section] || !v[section].IsMap()) continue;
        for (const auto& dep : v[section]) {
          std::string name = dep.first.as<std::string>();
          bool optional =
              meta && meta[name] && meta[name]["optional"] && meta[name]["optional"].as<bool>();
          DepKind kind = std::string_view(section) == "peerDependencies" ? DepKind::kPeer
                         : optional                                      ? DepKind::kOptional
                                                                         : DepKind::kProd;
          e.deps.emplace_back(std::make_pair(name, dep.second.as<std::string>()), kind);
        }
      }
      bool is_root = resolution.ends_with("@workspace:.");
      (is_root ? *workspace_root : entries).push_back(std::move(e));
    }
  } catch (const YAML::Exception& ex) {
    return lockfile_internal::Malformed(kLockfile, std::string("invalid YAML: ") + ex.what());
  }
  return entries;
}

}  // namespace

Result<LockGraph> ParseYarnLock(std::string_view text, std::string_view package_json) {
  bool berry = text.starts_with("__metadata:") || text.find("\n__metadata:") != text.npos;
  std::vector<Entry> root;
  auto parsed = berry ? ParseBerry(text, &root) : ParseClassic(text);
  if (!parsed.ok()) return parsed.status();
  std::vector<Entry>& entries = *parsed;

  GraphBuilder b{std::string(kLockfile)};
  std::map<std::string, std::string> by_spec;  // descriptor → id
  std::map<std::string, std::string> by_name;  // name → first id (fallback)
  for (Entry& e : entries) {
    e.package.id = e.package.name + "@" + e.package.version;
    for (const std::string& spec : e.specs) {
      by_spec[spec] = e.package.id;
      by_name.try_emplace(std::string(NameOfSpec(spec)), e.package.id);
    }
    b.Add(e.package);
  }
  auto resolve = [&](const std::string& name, const std::string& range) -> std::string {
    for (const std::string& spec : {name + "@" + range, name + "@npm:" + range}) {
      auto it = by_spec.find(spec);
      if (it != by_spec.end()) return it->second;
    }
    auto it = by_name.find(name);
    return it == by_name.end() ? "" : it->second;
  };
  for (const Entry& e : entries) {
    for (const auto& [dep, kind] : e.deps) {
      b.AddEdge(e.package.id, resolve(dep.first, dep.second), kind);
    }
  }
  AETHER_ASSIGN_OR_RETURN(auto manifest,
                          lockfile_internal::ReadManifestDeps(kLockfile, package_json));
  for (size_t i = 0; i < manifest.entries.size(); ++i) {
    const auto& [name, range] = manifest.entries[i];
    b.AddEdge("", resolve(name, range), manifest.kinds[i]);
  }
  if (manifest.entries.empty() && !root.empty()) {  // berry without package.json
    for (const auto& [dep, kind] : root.front().deps) {
      b.AddEdge("", resolve(dep.first, dep.second), kind);
    }
  }
  return b.Finish(/*compute_flags=*/true);
}

}  // namespace aether::artifact
