// Native addon inspection (ELF, Mach-O, PE headers) and the runtime platform check; see
// native.h. Owned by the artifact module. Stateless; thread-safe. Every read of the binary is
// bounds-checked: a truncated or hostile file is kInvalidArgument, never a crash.
#include "aether/artifact/native.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <utility>
#include <vector>

#include "aether/artifact/manifest.h"
#include "aether/artifact/path_safety.h"

namespace aether::artifact {
namespace {

// Reads an unsigned `width`-byte integer at `off`; false when it would run past the end.
bool ReadUint(std::string_view b, uint64_t off, int width, bool big_endian, uint64_t* out) {
  if (off > b.size() || static_cast<uint64_t>(width) > b.size() - off) return false;
  uint64_t v = 0;
  for (int i = 0; i < width; ++i) {
    auto byte = static_cast<uint64_t>(static_cast<unsigned char>(b[off + i]));
    v |= byte << (8 * (big_endian ? width - 1 - i : i));
  }
  *out = v;
  return true;
}

Status Truncated(std::string_view path, const char* format) {
  return InvalidArgument(std::string(path) + ": truncated " + format + " header");
}

std::string ElfArch(uint64_t machine, bool is64, bool big_endian) {
  switch (machine) {
    case 3:
      return "ia32";
    case 62:
      return "x64";
    case 183:
      return "arm64";
    case 40:
      return "arm";
    case 8:
      return is64 ? (big_endian ? "mips64" : "mips64el") : (big_endian ? "mips" : "mipsel");
    case 20:
      return "ppc";
    case 21:
      return "ppc64";
    case 22:
      return is64 ? "s390x" : "s390";
    case 243:
      return is64 ? "riscv64" : "riscv32";
    case 258:
      return "loong64";
    default:
      return "";
  }
}

struct Segment {
  uint64_t type = 0, offset = 0, vaddr = 0, filesz = 0;
};

// The NUL-terminated string at `off`, bounded by the end of `b`.
std::string_view CString(std::string_view b, uint64_t off) {
  if (off >= b.size()) return {};
  std::string_view rest = b.substr(off);
  return rest.substr(0, rest.find('\0'));
}

// libc from the loader (executables) or the DT_NEEDED libraries (shared objects such as
// addons), falling back to glibc's symbol versions in the dynamic string table.
std::string ElfLibc(std::string_view b, const std::vector<Segment>& segs, bool is64, bool be) {
  for (const Segment& s : segs) {
    if (s.type != 3) continue;  // PT_INTERP
    std::string_view interp = CString(b, s.offset);
    if (interp.find("ld-musl") != std::string_view::npos) return "musl";
    if (interp.find("ld-linux") != std::string_view::npos) return "glibc";
  }
  auto dyn = std::find_if(segs.begin(), segs.end(), [](const Segment& s) { return s.type == 2; });
  if (dyn == segs.end()) return "";
  const uint64_t entry = is64 ? 16 : 8;
  const int width = is64 ? 8 : 4;
  std::vector<uint64_t> needed;
  uint64_t strtab = 0, strsz = 0;
  for (uint64_t off = dyn->offset; off + entry <= dyn->offset + dyn->filesz; off += entry) {
    uint64_t tag = 0, val = 0;
    if (!ReadUint(b, off, width, be, &tag) || !ReadUint(b, off + width, width, be, &val)) break;
    if (tag == 0) break;  // DT_NULL
    if (tag == 1) needed.push_back(val);
    if (tag == 5) strtab = val;
    if (tag == 10) strsz = val;
  }
  uint64_t table = UINT64_MAX;
  for (const Segment& s : segs) {  // DT_STRTAB is an address: find the PT_LOAD holding it
    if (s.type == 1 && strtab >= s.vaddr && strtab - s.vaddr < s.filesz) {
      table = strtab - s.vaddr + s.offset;
    }
  }
  if (table >= b.size()) return "";
  std::string_view dynstr = b.substr(table, std::min<uint64_t>(strsz, b.size() - table));
  for (uint64_t n : needed) {
    std::string_view name = CString(dynstr, n);
    if (name.starts_with("libc.musl-") || name.starts_with("ld-musl") || name == "libc.so") {
      return "musl";
    }
    if (name == "libc.so.6" || name.starts_with("ld-linux")) return "glibc";
  }
  return dynstr.find("GLIBC_") != std::string_view::npos ? "glibc" : "";
}

Status ParseElf(std::string_view b, NativeAddon* a) {
  if (b.size() < 52) return Truncated(a->path, "ELF");
  const bool is64 = b[4] == 2;
  const bool be = b[5] == 2;
  uint64_t machine = 0, phoff = 0, phentsize = 0, phnum = 0;
  ReadUint(b, 18, 2, be, &machine);
  if (!(is64 ? ReadUint(b, 0x20, 8, be, &phoff) && ReadUint(b, 0x36, 2, be, &phentsize) &&
                   ReadUint(b, 0x38, 2, be, &phnum)
             : ReadUint(b, 0x1c, 4, be, &phoff) && ReadUint(b, 0x2a, 2, be, &phentsize) &&
                   ReadUint(b, 0x2c, 2, be, &phnum))) {
    return Truncated(a->path, "ELF");
  }
  const auto osabi = static_cast<unsigned char>(b[7]);
  a->os = osabi == 9 ? "freebsd" : osabi == 12 ? "openbsd" : "linux";
  a->arch = ElfArch(machine, is64, be);
  std::vector<Segment> segs;
  for (uint64_t i = 0; i < phnum; ++i) {
    uint64_t p = phoff + i * phentsize;
    Segment s;
    bool ok =
        is64 ? ReadUint(b, p, 4, be, &s.type) && ReadUint(b, p + 8, 8, be, &s.offset) &&
                   ReadUint(b, p + 16, 8, be, &s.vaddr) && ReadUint(b, p + 32, 8, be, &s.filesz)
             : ReadUint(b, p, 4, be, &s.type) && ReadUint(b, p + 4, 4, be, &s.offset) &&
                   ReadUint(b, p + 8, 4, be, &s.vaddr) && ReadUint(b, p + 16, 4, be, &s.filesz);
    if (!ok) return Truncated(a->path, "ELF");
    segs.push_back(s);
  }
  if (a->os == "linux") a->libc = ElfLibc(b, segs, is64, be);
  return Status::Ok();
}

template <typename K, size_t N>
std::string Lookup(const std::pair<K, std::string_view> (&table)[N], const K& key) {
  for (const auto& [k, v] : table) {
    if (k == key) return std::string(v);
  }
  return "";
}

constexpr std::pair<uint64_t, std::string_view> kMachArch[] = {{7, "ia32"}, {0x01000007, "x64"},
                                                               {12, "arm"}, {0x0100000c, "arm64"},
                                                               {18, "ppc"}, {0x01000012, "ppc64"}};
constexpr std::pair<uint64_t, std::string_view> kPeArch[] = {
    {0x14c, "ia32"}, {0x8664, "x64"}, {0xaa64, "arm64"}, {0x1c0, "arm"}, {0x1c4, "arm"}};

Status ParseMachO(std::string_view b, uint64_t magic, NativeAddon* a) {
  a->os = "darwin";
  if (magic == 0xcafebabe || magic == 0xcafebabf) {  // universal: big-endian fat header
    const bool fat64 = magic == 0xcafebabf;
    uint64_t count = 0;
    if (!ReadUint(b, 4, 4, true, &count) || count == 0 || count > 64) {
      return Truncated(a->path, "Mach-O");
    }
    std::vector<std::string> archs;
    for (uint64_t i = 0; i < count; ++i) {
      uint64_t cputype = 0;
      if (!ReadUint(b, 8 + i * (fat64 ? 32 : 20), 4, true, &cputype)) {
        return Truncated(a->path, "Mach-O");
      }
      if (std::string arch = Lookup(kMachArch, cputype); !arch.empty()) archs.push_back(arch);
    }
    std::sort(archs.begin(), archs.end());
    archs.erase(std::unique(archs.begin(), archs.end()), archs.end());
    for (const std::string& arch : archs) a->arch += (a->arch.empty() ? "" : "+") + arch;
    return Status::Ok();
  }
  const bool be = magic == 0xcefaedfe || magic == 0xcffaedfe;  // read little-endian
  uint64_t cputype = 0;
  if (!ReadUint(b, 4, 4, be, &cputype)) return Truncated(a->path, "Mach-O");
  a->arch = Lookup(kMachArch, cputype);
  return Status::Ok();
}

Status ParsePe(std::string_view b, NativeAddon* a) {
  a->os = "win32";
  uint64_t pe = 0, machine = 0;
  if (!ReadUint(b, 0x3c, 4, false, &pe) || !ReadUint(b, pe + 4, 2, false, &machine) ||
      b.substr(pe, 4) != std::string_view("PE\0\0", 4)) {
    return Truncated(a->path, "PE");
  }
  a->arch = Lookup(kPeArch, machine);
  return Status::Ok();
}

// Node-API addons export napi_register_module_v1 (older ones call napi_module_register);
// other addons export node_register_module_v<ABI>.
void ScanSymbols(std::string_view b, NativeAddon* a) {
  a->napi = b.find("napi_register_module_v1") != std::string_view::npos ||
            b.find("napi_module_register") != std::string_view::npos;
  if (a->napi) return;
  constexpr std::string_view kNodeInit = "node_register_module_v";
  for (size_t at = b.find(kNodeInit); at != std::string_view::npos;
       at = b.find(kNodeInit, at + 1)) {
    size_t digits = at + kNodeInit.size();
    size_t end = digits;
    while (end < b.size() && end - digits < 5 && b[end] >= '0' && b[end] <= '9') ++end;
    if (end > digits) {
      a->node_abi = std::string(b.substr(digits, end - digits));
      return;
    }
  }
}

// Node major for a NODE_MODULE_VERSION, for messages and container image tags.
std::string NodeMajor(std::string_view abi) {
  static constexpr std::pair<std::string_view, std::string_view> kMajors[] = {
      {"83", "14"},  {"88", "15"},  {"93", "16"},  {"102", "17"}, {"108", "18"}, {"111", "19"},
      {"115", "20"}, {"120", "21"}, {"127", "22"}, {"131", "23"}, {"137", "24"}};
  return Lookup(kMajors, abi);
}

std::string Tuple(std::string_view os, std::string_view arch, std::string_view libc) {
  std::string out =
      std::string(os.empty() ? "unknown" : os) + "-" + std::string(arch.empty() ? "unknown" : arch);
  if (!libc.empty()) out += "-" + std::string(libc);
  return out;
}

std::string ContainerHint(const Platform& rt) {
  static constexpr std::pair<std::string_view, std::string_view> kOciArch[] = {
      {"x64", "amd64"}, {"arm64", "arm64"},   {"arm", "arm/v7"},
      {"ia32", "386"},  {"ppc64", "ppc64le"}, {"s390x", "s390x"}};
  std::string arch = Lookup(kOciArch, std::string_view(rt.arch));
  std::string platform =
      std::string(rt.os.empty() ? "linux" : rt.os) + "/" + (arch.empty() ? rt.arch : arch);
  std::string major = NodeMajor(rt.node_abi);
  std::string image = "node" + (major.empty() ? "" : ":" + major) +
                      (rt.libc == "musl" ? (major.empty() ? ":alpine" : "-alpine") : "");
  return "`podman run --rm -it --platform " + platform + " -v \"$PWD\":/app -w /app " + image +
         " bash`";
}

bool Known(const std::string& a, const std::string& b) { return !a.empty() && !b.empty(); }

// Why `a` cannot load on `rt` ("" when it can); `build` is the platform it was packed on.
std::string Misfit(const NativeAddon& a, const Platform& build, const Platform& rt) {
  bool arch_ok = a.arch.empty() || rt.arch.empty();
  for (size_t start = 0; !arch_ok && start <= a.arch.size();) {
    size_t plus = std::min(a.arch.find('+', start), a.arch.size());
    arch_ok = a.arch.compare(start, plus - start, rt.arch) == 0;
    start = plus + 1;
  }
  if ((Known(a.os, rt.os) && a.os != rt.os) || !arch_ok ||
      (Known(a.libc, rt.libc) && a.libc != rt.libc)) {
    return a.path + " was built for " + Tuple(a.os, a.arch, a.libc) + ", the runtime is " +
           Tuple(rt.os, rt.arch, rt.libc) +
           (rt.node_abi.empty() ? "" : " (Node ABI " + rt.node_abi + ")") +
           ": run `aether deploy` on a " + Tuple(rt.os, rt.arch, rt.libc) +
           " machine or in a container matching the runtime (e.g. " + ContainerHint(rt) +
           "), or rebuild it there with `npm rebuild --build-from-source`";
  }
  const std::string& abi = a.node_abi.empty() ? build.node_abi : a.node_abi;
  if (!a.napi && Known(abi, rt.node_abi) && abi != rt.node_abi) {
    std::string have = NodeMajor(abi);
    std::string want = NodeMajor(rt.node_abi);
    std::string want_node = want.empty() ? "the runtime's Node" : "Node " + want;
    return a.path + " is not a Node-API addon and was built for Node ABI " + abi +
           (have.empty() ? "" : " (Node " + have + ")") + ", the runtime runs Node ABI " +
           rt.node_abi + (want.empty() ? "" : " (Node " + want + ")") +
           ": run `aether deploy` with " + want_node + " (e.g. in " + ContainerHint(rt) +
           "), or rebuild it there with `npm rebuild --build-from-source`";
  }
  return "";
}

// The package directory an addon belongs to: the path up to the last node_modules/<name>
// (or node_modules/@scope/<name>); "" for the app's own files.
std::string PackageOf(std::string_view path) {
  std::vector<std::string_view> parts = internal::SplitPath(path);
  size_t end = 0;
  for (size_t i = 0; i + 2 < parts.size(); ++i) {
    if (parts[i] != "node_modules") continue;
    end = i + 2;
    if (parts[i + 1].starts_with('@') && i + 3 < parts.size()) end = i + 3;
  }
  std::string out;
  for (size_t i = 0; i < end; ++i) out += (i == 0 ? "" : "/") + std::string(parts[i]);
  return out;
}

}  // namespace

Result<NativeAddon> InspectAddonBytes(std::string_view b, std::string_view archive_path) {
  NativeAddon a;
  a.path = std::string(archive_path);
  uint64_t magic = 0;
  if (b.size() < 4) return InvalidArgument(a.path + ": too short to be a native addon");
  ReadUint(b, 0, 4, false, &magic);
  uint64_t magic_be = 0;
  ReadUint(b, 0, 4, true, &magic_be);
  Status st;
  if (b.starts_with("\x7f"
                    "ELF")) {
    st = ParseElf(b, &a);
  } else if (magic == 0xfeedface || magic == 0xfeedfacf || magic == 0xcefaedfe ||
             magic == 0xcffaedfe) {
    st = ParseMachO(b, magic, &a);
  } else if (magic_be == 0xcafebabe || magic_be == 0xcafebabf) {
    st = ParseMachO(b, magic_be, &a);
  } else if (b.starts_with("MZ")) {
    st = ParsePe(b, &a);
  } else {
    return InvalidArgument(a.path + ": not an ELF, Mach-O or PE binary");
  }
  AETHER_RETURN_IF_ERROR(st);
  ScanSymbols(b, &a);
  return a;
}

Result<NativeAddon> InspectAddon(const std::string& file, std::string_view archive_path) {
  int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return NotFound("cannot open " + file + ": " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || st.st_size <= 0) {
    ::close(fd);
    return InspectAddonBytes({}, archive_path);
  }
  auto size = static_cast<size_t>(st.st_size);
  void* map = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  ::close(fd);
  if (map == MAP_FAILED) return Internal("cannot map " + file + ": " + std::strerror(errno));
  auto result =
      InspectAddonBytes(std::string_view(static_cast<const char*>(map), size), archive_path);
  ::munmap(map, size);
  return result;
}

Status CheckNativePlatform(const Manifest& m, const Platform& runtime) {
  // Group by package, keeping path order (native_addons is sorted by path).
  std::vector<std::pair<std::string, std::vector<const NativeAddon*>>> packages;
  for (const NativeAddon& a : m.native_addons) {
    std::string pkg = PackageOf(a.path);
    auto it = std::find_if(packages.begin(), packages.end(),
                           [&](const auto& p) { return p.first == pkg; });
    if (it == packages.end()) it = packages.insert(packages.end(), {pkg, {}});
    it->second.push_back(&a);
  }
  for (const auto& [pkg, addons] : packages) {
    std::string build_dir = pkg.empty() ? "build/" : pkg + "/build/";
    std::string first_misfit;
    bool prebuilt = false, prebuilt_fits = false;
    for (const NativeAddon* a : addons) {
      std::string why = Misfit(*a, m.platform, runtime);
      if (a->path.starts_with(build_dir)) {
        if (!why.empty()) return Status(ErrorCode::kPlatformMismatch, why);
        continue;
      }
      prebuilt = true;
      if (why.empty()) {
        prebuilt_fits = true;
      } else if (first_misfit.empty()) {
        first_misfit = why;
      }
    }
    if (prebuilt && !prebuilt_fits) return Status(ErrorCode::kPlatformMismatch, first_misfit);
  }
  return Status::Ok();
}

}  // namespace aether::artifact
