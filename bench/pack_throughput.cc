// pack_throughput: PackTree (deterministic tar + zstd, per-file sha256 entries, stream sha256)
// against `tar -c | zstd -T0 -3` on the same node_modules-like tree, alternating N runs of
// each in one process; prints a table and writes a JSON report. Never fails on timing.
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "aether/artifact/ignore.h"
#include "aether/artifact/pack.h"

namespace {

namespace fs = std::filesystem;
using aether::artifact::IgnoreRules;
using aether::artifact::PackOptions;
using aether::artifact::PackTree;

constexpr int kGeneratorVersion = 2;

// xorshift64*: a fixed, fast generator so every machine builds the same tree.
class Rng {
 public:
  explicit Rng(uint64_t seed) : s_(seed | 1) {}
  uint64_t Next() {
    s_ ^= s_ >> 12;
    s_ ^= s_ << 25;
    s_ ^= s_ >> 27;
    return s_ * 0x2545F4914F6CDD1DULL;
  }
  size_t Below(size_t n) { return static_cast<size_t>(Next() % n); }
  size_t Between(size_t lo, size_t hi) { return lo + Below(hi - lo + 1); }

 private:
  uint64_t s_;
};

// JS-flavoured text: lines from templates over a shared vocabulary, so files compress like
// real package code (zstd -3 gives roughly 4-5x) rather than like noise or like zeros.
class TextGen {
 public:
  explicit TextGen(Rng& rng) : rng_(rng) {
    static const char* kSyll[] = {"get",    "set", "re",   "quest", "han", "dle",  "buf",  "fer",
                                  "stream", "on",  "er",   "ror",   "val", "ue",   "ex",   "port",
                                  "mod",    "ule", "call", "back",  "pro", "mise", "node", "path"};
    for (int i = 0; i < 3000; ++i) {
      std::string w;
      for (size_t k = 0, n = rng_.Between(1, 3); k < n; ++k) w += kSyll[rng_.Below(24)];
      if (rng_.Below(4) == 0) w += std::to_string(rng_.Below(100));
      words_.push_back(w);
    }
  }
  void Append(std::string& out, size_t bytes) {
    static const char* kTpl[] = {"const $ = require('$');\n",
                                 "function $($, $) {\n",
                                 "  if ($ === undefined) return $;\n",
                                 "  $.$ = $.$ || {};\n",
                                 "  for (let i = 0; i < $.length; i++) $($[i]);\n",
                                 "}\n",
                                 "module.exports.$ = $;\n",
                                 "  throw new TypeError('$ must be a $');\n",
                                 "  return $.$($, #);\n",
                                 "// $ $ $ $ the $ when $\n",
                                 "  \"$\": \"^#.#.#\",\n",
                                 "  var $ = #;\n"};
    size_t end = out.size() + bytes;
    while (out.size() < end) {
      for (const char* p = kTpl[rng_.Below(12)]; *p != 0; ++p) {
        if (*p == '$') {
          out += words_[rng_.Below(words_.size())];
        } else if (*p == '#') {
          out += std::to_string(rng_.Below(1000));
        } else {
          out += *p;
        }
      }
    }
    out.resize(end);
  }

 private:
  Rng& rng_;
  std::vector<std::string> words_;
};

struct TreeStats {
  int64_t files = 0;
  int64_t bytes = 0;
};

void Put(const fs::path& p, const std::string& content, TreeStats* stats) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary | std::ios::trunc) << content;
  stats->files++;
  stats->bytes += static_cast<int64_t>(content.size());
}

// 1,150 packages of ~20 files: small .js/.json/.md, some bundles and source maps, a few
// random binaries (prebuilt addons, images). About 24k files and 155 MB.
TreeStats Generate(const fs::path& root) {
  Rng rng(20240601);
  TextGen text(rng);
  TreeStats stats;
  std::string license;
  text.Append(license, 1100);
  std::string buf;
  for (int pkg = 0; pkg < 1150; ++pkg) {
    std::string name = "pkg-" + std::to_string(pkg);
    if (pkg % 7 == 0) name = "@scope" + std::to_string(pkg % 31) + "/" + name;
    fs::path dir = root / name;
    if (pkg % 10 == 3) dir = root / ("pkg-" + std::to_string(pkg - 1)) / "node_modules" / name;
    auto text_file = [&](const std::string& rel, size_t lo, size_t hi) {
      buf.clear();
      text.Append(buf, rng.Between(lo, hi));
      Put(dir / rel, buf, &stats);
    };
    text_file("package.json", 400, 2500);
    text_file("README.md", 1000, 12000);
    Put(dir / "LICENSE", license, &stats);
    text_file("index.js", 200, 3000);
    for (size_t i = 0, n = rng.Between(6, 18); i < n; ++i) {
      text_file("lib/" + std::to_string(i) + ".js", 300, 9000);
      if (i % 3 == 0) text_file("lib/" + std::to_string(i) + ".d.ts", 200, 3000);
    }
    if (pkg % 4 == 0) {
      text_file("dist/index.js", 20000, 160000);
      text_file("dist/index.js.map", 20000, 120000);
    }
    if (pkg % 25 == 0) {  // incompressible payloads
      buf.resize(rng.Between(50000, 900000));
      for (char& c : buf) c = static_cast<char>(rng.Next() >> 56);
      Put(dir / (pkg % 50 == 0 ? "prebuilds/addon.bin" : "assets/logo.png"), buf, &stats);
    }
  }
  return stats;
}

TreeStats Measure(const fs::path& root) {
  TreeStats s;
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    if (e.is_regular_file()) {
      s.files++;
      s.bytes += static_cast<int64_t>(e.file_size());
    }
  }
  return s;
}

// User + system CPU seconds of this process (all threads) plus its waited-for children.
double CpuSeconds() {
  double total = 0;
  for (int who : {RUSAGE_SELF, RUSAGE_CHILDREN}) {
    struct rusage ru {};
    ::getrusage(who, &ru);
    for (const struct timeval& tv : {ru.ru_utime, ru.ru_stime}) {
      total += static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6;
    }
  }
  return total;
}

// Wall seconds of fn(); its CPU seconds (threads and child processes) go to `*cpu`.
double Seconds(const std::function<bool()>& fn, bool* ok, double* cpu) {
  double c0 = CpuSeconds();
  auto t0 = std::chrono::steady_clock::now();
  *ok = fn();
  double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  *cpu = CpuSeconds() - c0;
  return wall;
}

struct Variant {
  std::string name;
  std::function<bool(const std::string& out, int64_t* size)> run;
  std::vector<double> secs;
  std::vector<double> cpu;
  int64_t out_size = 0;
};

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

std::string Capture(const std::string& cmd) {
  std::string out;
  if (FILE* p = ::popen(cmd.c_str(), "r")) {
    char line[256];
    if (std::fgets(line, sizeof line, p) != nullptr) out = line;
    ::pclose(p);
  }
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

struct Args {
  std::string tree = "/tmp/aether-bench/node_modules-tree";  // generated once, then reused
  std::string dir;  // pack this existing directory instead (e.g. an app's node_modules)
  std::string work = "/tmp/aether-bench/out";
  std::string json_out = AETHER_SOURCE_DIR "/bench/results/pack_throughput.json";
  int runs = 3;
};

bool ParseArgs(int argc, char** argv, Args* a) {
  for (int i = 1; i < argc; i += 2) {
    std::string k = argv[i];
    if (i + 1 >= argc) return false;
    std::string v = argv[i + 1];
    if (k == "--tree") {
      a->tree = v;
    } else if (k == "--dir") {
      a->dir = v;
    } else if (k == "--work") {
      a->work = v;
    } else if (k == "--json-out") {
      a->json_out = v;
    } else if (k == "--runs") {
      a->runs = std::max(1, std::atoi(v.c_str()));
    } else {
      return false;
    }
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  Args args;
  if (!ParseArgs(argc, argv, &args)) {
    std::fprintf(stderr,
                 "usage: pack_throughput [--tree DIR | --dir DIR] [--runs N] [--json-out FILE] "
                 "[--work DIR]\n");
    return 2;
  }
  std::string dir = args.dir;
  if (dir.empty()) {
    dir = args.tree;
    std::string marker = dir + ".generated-v" + std::to_string(kGeneratorVersion);  // beside it
    if (!fs::exists(marker)) {
      std::printf("generating %s ...\n", dir.c_str());
      fs::remove_all(dir);
      fs::create_directories(dir);
      Generate(dir);
      std::ofstream(marker) << "ok\n";
    }
  }
  const TreeStats stats = Measure(dir);
  fs::create_directories(args.work);
  const std::string quoted_dir = "'" + dir + "'";

  // (a) and (c): PackTree as the deps layer is packed (per-file sha256 entries, native addon
  // scan, stream sha256), with the default workers and with one; (b): the baseline.
  int64_t entries = 0;
  size_t manifest_bytes = 0;
  auto pack = [&](const PackOptions& options) {
    return [&, options](const std::string& out, int64_t* size) {
      auto packed = PackTree(dir, IgnoreRules(), out, options);
      if (!packed.ok()) {
        std::fprintf(stderr, "PackTree: %s\n", packed.status().ToString().c_str());
        return false;
      }
      *size = packed->size;
      aether::artifact::Manifest m;
      m.layers.push_back(aether::artifact::ManifestLayer(*packed, "deps"));
      entries = static_cast<int64_t>(packed->entries.size());
      manifest_bytes = aether::artifact::SerializeManifest(m).size();
      return true;
    };
  };
  PackOptions deps;
  deps.prefix = "node_modules";
  PackOptions one_worker = deps;
  one_worker.zstd_workers = 1;
  std::vector<Variant> variants;
  variants.push_back({"PackTree", pack(deps), {}, {}, 0});
  variants.push_back({"PackTree, 1 zstd worker", pack(one_worker), {}, {}, 0});
  variants.push_back({"tar | zstd -T0 -3",
                      [&](const std::string& out, int64_t* size) {
                        std::string cmd =
                            "tar -c -C " + quoted_dir + " . | zstd -T0 -3 -q -f -o '" + out + "'";
                        if (std::system(cmd.c_str()) != 0) return false;
                        *size = static_cast<int64_t>(fs::file_size(out));
                        return true;
                      },
                      {},
                      {},
                      0});

  // Warm the page cache (through a pipe: GNU tar skips reading when writing to /dev/null),
  // then alternate the variants so drift and neighbours hit them all alike.
  if (std::system(("tar -c -C " + quoted_dir + " . | cat > /dev/null").c_str()) != 0) return 1;
  for (int r = 0; r < args.runs; ++r) {
    for (Variant& v : variants) {
      std::string out = args.work + "/run.out";
      bool ok = false;
      int64_t size = 0;
      double cpu = 0;
      double s = Seconds([&] { return v.run(out, &size); }, &ok, &cpu);
      if (!ok) return 1;
      v.secs.push_back(s);
      v.cpu.push_back(cpu);
      v.out_size = size;
      fs::remove(out);
    }
  }

  const double mb = static_cast<double>(stats.bytes) / 1e6;
  const double base = Median(variants.back().secs);
  std::printf("\n%s: %lld files, %.1f MB, %u cpus, %d runs each\n", dir.c_str(),
              static_cast<long long>(stats.files), mb, std::thread::hardware_concurrency(),
              args.runs);
  std::printf("%-24s %8s %7s %7s %7s %9s %7s %7s\n", "variant", "median s", "min s", "cpu s",
              "MB/s", "output MB", "ratio", "paired");
  nlohmann::json report_variants = nlohmann::json::array();
  for (const Variant& v : variants) {
    double med = Median(v.secs);
    double min = *std::min_element(v.secs.begin(), v.secs.end());
    double ratio = base / med;
    std::vector<double> per_round;  // baseline / variant within each round: robust to drift
    for (size_t i = 0; i < v.secs.size(); ++i)
      per_round.push_back(variants.back().secs[i] / v.secs[i]);
    double paired = Median(per_round);
    double cpu = Median(v.cpu);
    std::printf("%-24s %8.3f %7.3f %7.2f %7.1f %9.2f %6.2fx %6.2fx\n", v.name.c_str(), med, min,
                cpu, mb / med, static_cast<double>(v.out_size) / 1e6, ratio, paired);
    report_variants.push_back({{"name", v.name},
                               {"seconds", v.secs},
                               {"median_seconds", med},
                               {"min_seconds", min},
                               {"cpu_seconds", v.cpu},
                               {"median_cpu_seconds", cpu},
                               {"mb_per_s", mb / med},
                               {"output_bytes", v.out_size},
                               {"ratio_vs_baseline", ratio},
                               {"paired_ratio_vs_baseline", paired}});
  }
  std::printf(
      "ratio: baseline median / variant median; paired: median over rounds of the same quotient "
      "(>1: faster than the baseline); cpu: user+sys of all threads and child processes\n"
      "layer entries %lld, manifest with them %.1f KB\n",
      static_cast<long long>(entries), static_cast<double>(manifest_bytes) / 1e3);
  nlohmann::json report = {{"benchmark", "pack_throughput"},
                           {"tree", dir},
                           {"files", stats.files},
                           {"bytes", stats.bytes},
                           {"cpus", std::thread::hardware_concurrency()},
                           {"runs", args.runs},
                           {"layer_entries", entries},
                           {"manifest_bytes", manifest_bytes},
                           {"zstd", Capture("zstd --version")},
                           {"tar", Capture("tar --version")},
                           {"variants", report_variants}};
  fs::create_directories(fs::path(args.json_out).parent_path());
  std::ofstream(args.json_out) << report.dump(2) << "\n";
  std::printf("report: %s\n", args.json_out.c_str());
  return 0;
}
