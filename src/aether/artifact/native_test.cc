// Unit tests for native.h: platform tuples read from hand-made ELF, Mach-O and PE headers
// (and from a real Node-API addon when a C compiler and Node's headers are around), and the
// platform check with its advice.
#include "aether/artifact/native.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <vector>

#include "aether/artifact/manifest.h"
#include "aether/artifact/test_util.h"

namespace aether::artifact {
namespace {

using testing::TempDir;
using testing::WriteFile;

void Put(std::string& s, size_t off, uint64_t v, int width, bool big_endian = false) {
  if (s.size() < off + width) s.resize(off + width);
  for (int i = 0; i < width; ++i) {
    s[off + i] = static_cast<char>((v >> (8 * (big_endian ? width - 1 - i : i))) & 0xff);
  }
}

// A little-endian ELF64 shared object: one PT_LOAD over the whole file, a PT_DYNAMIC naming
// `needed` through DT_NEEDED/DT_STRTAB/DT_STRSZ, an optional PT_INTERP, and `symbols` in the
// dynamic string table.
std::string Elf64(uint16_t machine, const std::vector<std::string>& needed,
                  const std::string& interp = "", const std::string& symbols = "") {
  std::string f(64, '\0');
  f.replace(0, 4,
            "\x7f"
            "ELF");
  f[4] = 2;  // ELFCLASS64
  f[5] = 1;  // little-endian
  f[6] = 1;
  Put(f, 16, 3, 2);  // ET_DYN
  Put(f, 18, machine, 2);
  const int phnum = interp.empty() ? 2 : 3;
  Put(f, 32, 64, 8);
  Put(f, 54, 56, 2);
  Put(f, 56, phnum, 2);
  const size_t strtab = 64 + 56 * phnum;
  std::string dynstr(1, '\0');
  std::vector<size_t> offsets;
  for (const std::string& n : needed) {
    offsets.push_back(dynstr.size());
    dynstr += n + '\0';
  }
  dynstr += symbols + '\0';
  const size_t interp_off = strtab + dynstr.size();
  const size_t dynamic = interp_off + interp.size() + 1;
  f.resize(strtab);
  f += dynstr + interp + '\0';
  std::vector<std::pair<uint64_t, uint64_t>> dyn;
  for (size_t o : offsets) dyn.emplace_back(1, o);  // DT_NEEDED
  dyn.emplace_back(5, strtab);                      // DT_STRTAB (vaddr == offset)
  dyn.emplace_back(10, dynstr.size());              // DT_STRSZ
  dyn.emplace_back(0, 0);
  for (size_t i = 0; i < dyn.size(); ++i) {
    Put(f, dynamic + 16 * i, dyn[i].first, 8);
    Put(f, dynamic + 16 * i + 8, dyn[i].second, 8);
  }
  auto phdr = [&](int i, uint32_t type, uint64_t off, uint64_t size) {
    size_t p = 64 + 56 * static_cast<size_t>(i);
    Put(f, p, type, 4);
    Put(f, p + 8, off, 8);
    Put(f, p + 16, off, 8);
    Put(f, p + 32, size, 8);
    Put(f, p + 40, size, 8);
  };
  phdr(0, 1, 0, f.size());                                         // PT_LOAD
  phdr(1, 2, dynamic, 16 * dyn.size());                            // PT_DYNAMIC
  if (!interp.empty()) phdr(2, 3, interp_off, interp.size() + 1);  // PT_INTERP
  return f;
}

std::string MachO(uint32_t cputype, const std::string& symbols) {
  std::string f;
  Put(f, 0, 0xfeedfacf, 4);
  Put(f, 4, cputype, 4);
  Put(f, 12, 6, 4);  // MH_DYLIB
  f.resize(32);
  return f + symbols;
}

std::string Fat(const std::vector<uint32_t>& cputypes) {
  std::string f;
  Put(f, 0, 0xcafebabe, 4, true);
  Put(f, 4, cputypes.size(), 4, true);
  for (size_t i = 0; i < cputypes.size(); ++i) Put(f, 8 + 20 * i, cputypes[i], 4, true);
  return f + "_napi_register_module_v1";
}

std::string Pe(uint16_t machine) {
  std::string f = "MZ";
  Put(f, 0x3c, 0x80, 4);
  f.resize(0x80);
  f += std::string("PE\0\0", 4);
  Put(f, 0x84, machine, 2);
  return f + std::string(64, '\0');
}

NativeAddon Inspect(const std::string& bytes) {
  auto a = InspectAddonBytes(bytes, "node_modules/x/x.node");
  EXPECT_TRUE(a.ok()) << a.status().ToString();
  return a.ok() ? *a : NativeAddon();
}

TEST(InspectAddonTest, ElfX64GlibcNodeApi) {
  NativeAddon a =
      Inspect(Elf64(62, {"libstdc++.so.6", "libc.so.6"}, "", "napi_register_module_v1"));
  EXPECT_EQ(a.path, "node_modules/x/x.node");
  EXPECT_EQ(a.os, "linux");
  EXPECT_EQ(a.arch, "x64");
  EXPECT_EQ(a.libc, "glibc");
  EXPECT_TRUE(a.napi);
  EXPECT_EQ(a.node_abi, "");
}

TEST(InspectAddonTest, ElfArm64MuslWithNodeAbi) {
  NativeAddon a = Inspect(Elf64(183, {"libc.musl-aarch64.so.1"}, "", "node_register_module_v108"));
  EXPECT_EQ(a.arch, "arm64");
  EXPECT_EQ(a.libc, "musl");
  EXPECT_FALSE(a.napi);
  EXPECT_EQ(a.node_abi, "108");
  EXPECT_EQ(Inspect(Elf64(62, {"libc.so"})).libc, "musl");  // musl's own soname
}

TEST(InspectAddonTest, ElfLibcFromInterpreterOrSymbolVersions) {
  EXPECT_EQ(Inspect(Elf64(62, {}, "/lib/ld-musl-x86_64.so.1")).libc, "musl");
  EXPECT_EQ(Inspect(Elf64(62, {}, "/lib64/ld-linux-x86-64.so.2")).libc, "glibc");
  EXPECT_EQ(Inspect(Elf64(62, {"libstdc++.so.6"}, "", "GLIBC_2.17")).libc, "glibc");
  EXPECT_EQ(Inspect(Elf64(62, {"libstdc++.so.6"})).libc, "");
}

TEST(InspectAddonTest, Elf32Arm) {
  std::string f(52, '\0');
  f.replace(0, 4,
            "\x7f"
            "ELF");
  f[4] = 1;  // ELFCLASS32
  f[5] = 1;
  Put(f, 18, 40, 2);  // EM_ARM
  NativeAddon a = Inspect(f);
  EXPECT_EQ(a.os, "linux");
  EXPECT_EQ(a.arch, "arm");
  EXPECT_EQ(a.libc, "");
}

TEST(InspectAddonTest, MachOThinAndUniversal) {
  NativeAddon thin = Inspect(MachO(0x0100000c, "_napi_register_module_v1"));
  EXPECT_EQ(thin.os, "darwin");
  EXPECT_EQ(thin.arch, "arm64");
  EXPECT_EQ(thin.libc, "");
  EXPECT_TRUE(thin.napi);
  NativeAddon fat = Inspect(Fat({0x01000007, 0x0100000c}));
  EXPECT_EQ(fat.os, "darwin");
  EXPECT_EQ(fat.arch, "arm64+x64");
}

TEST(InspectAddonTest, PortableExecutable) {
  NativeAddon a = Inspect(Pe(0x8664));
  EXPECT_EQ(a.os, "win32");
  EXPECT_EQ(a.arch, "x64");
  EXPECT_EQ(Inspect(Pe(0x14c)).arch, "ia32");
  EXPECT_EQ(Inspect(Pe(0xaa64)).arch, "arm64");
}

TEST(InspectAddonTest, RejectsGarbageAndTruncatedHeaders) {
  for (const std::string& bad : {std::string("hello world, not a binary"),
                                 std::string("\x7f"
                                             "ELF\x02\x01",
                                             6),
                                 std::string("MZ"), Fat({}), std::string("\xcf\xfa\xed\xfe", 4)}) {
    auto a = InspectAddonBytes(bad, "x.node");
    ASSERT_FALSE(a.ok()) << bad.size();
    EXPECT_EQ(a.status().code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(a.status().message().find("x.node"), std::string::npos);
  }
  // Program headers pointing past the end are refused, not followed.
  std::string f = Elf64(62, {"libc.so.6"});
  Put(f, 32, 1u << 30, 8);
  EXPECT_FALSE(InspectAddonBytes(f, "x.node").ok());
  // A PT_DYNAMIC past the end yields an unknown libc.
  std::string g = Elf64(62, {"libc.so.6"});
  Put(g, 64 + 56 + 8, g.size() + 4096, 8);
  EXPECT_EQ(Inspect(g).libc, "");
}

TEST(InspectAddonTest, ReadsFilesAndReportsMissingOnes) {
  TempDir dir;
  WriteFile(dir / "a.node", Elf64(62, {"libc.so.6"}, "", "napi_register_module_v1"));
  auto a = InspectAddon(dir / "a.node", "node_modules/a/a.node");
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(*a, (NativeAddon{"node_modules/a/a.node", "linux", "x64", "glibc", true, ""}));
  auto missing = InspectAddon(dir / "nope.node", "nope.node");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), ErrorCode::kNotFound);
}

// A real Node-API addon built with the system C compiler against Node's headers.
TEST(InspectAddonTest, RealNodeApiAddon) {
  if (!std::filesystem::exists("/usr/include/node/node_api.h") ||
      std::system("command -v cc >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "no C compiler or Node headers";
  }
  TempDir dir;
  WriteFile(dir / "addon.c",
            "#include <node_api.h>\n"
            "#include <stdlib.h>\n"
            "static napi_value Init(napi_env env, napi_value exports) {\n"
            "  return getenv(\"AETHER_NO_SUCH_VARIABLE\") ? NULL : exports;\n"
            "}\n"
            "NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)\n");
  std::string cc = "cc -shared -fPIC -O0 -I/usr/include/node -o " + (dir / "addon.node") + " " +
                   (dir / "addon.c") + " 2>/dev/null";
  if (std::system(cc.c_str()) != 0) GTEST_SKIP() << "cannot compile an addon here";
  if (std::system("command -v node >/dev/null 2>&1") == 0) {  // it is a loadable addon
    std::string load = "node -e 'require(process.argv[1])' " + (dir / "addon.node");
    EXPECT_EQ(std::system(load.c_str()), 0);
  }
  auto a = InspectAddon(dir / "addon.node", "build/Release/addon.node");
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(a->os, "linux");
  EXPECT_TRUE(a->napi);
  EXPECT_EQ(a->libc, "glibc");
#if defined(__x86_64__)
  EXPECT_EQ(a->arch, "x64");
#elif defined(__aarch64__)
  EXPECT_EQ(a->arch, "arm64");
#endif
}

Manifest WithAddons(std::vector<NativeAddon> addons, std::string build_abi = "115") {
  Manifest m;
  m.platform = Platform{"linux", "x64", "glibc", std::move(build_abi)};
  m.native_addons = std::move(addons);
  return m;
}

NativeAddon Addon(std::string path, std::string os, std::string arch, std::string libc = "",
                  bool napi = true, std::string abi = "") {
  return NativeAddon{std::move(path), std::move(os), std::move(arch),
                     std::move(libc), napi,          std::move(abi)};
}

const Platform kRuntime{"linux", "x64", "glibc", "115"};

void ExpectMismatch(const Manifest& m, const Platform& rt, const std::vector<std::string>& says) {
  Status st = CheckNativePlatform(m, rt);
  ASSERT_EQ(st.code(), ErrorCode::kPlatformMismatch) << st.ToString();
  for (const std::string& s : says) {
    EXPECT_NE(st.message().find(s), std::string::npos) << st.message() << "\nlacks: " << s;
  }
}

TEST(CheckNativePlatformTest, NoAddonsAlwaysFits) {
  Manifest m = WithAddons({});
  m.platform = Platform{"darwin", "arm64", "", "127"};
  EXPECT_TRUE(CheckNativePlatform(m, kRuntime).ok());
}

TEST(CheckNativePlatformTest, MatchingAndUnknownFieldsFit) {
  EXPECT_TRUE(CheckNativePlatform(
                  WithAddons({Addon("node_modules/a/build/Release/a.node", "linux", "x64", "glibc"),
                              Addon("node_modules/b/b.node", "linux", "x64", ""),
                              Addon("node_modules/c/c.node", "", "", "")}),
                  kRuntime)
                  .ok());
  EXPECT_TRUE(CheckNativePlatform(WithAddons({Addon("a.node", "linux", "x64", "musl")}),
                                  Platform{"linux", "x64", "", "115"})
                  .ok());
  EXPECT_TRUE(CheckNativePlatform(WithAddons({Addon("a.node", "darwin", "arm64+x64")}),
                                  Platform{"darwin", "x64", "", "115"})
                  .ok());
}

TEST(CheckNativePlatformTest, WrongPlatformSaysHowToFixIt) {
  ExpectMismatch(
      WithAddons({Addon("node_modules/bcrypt/build/Release/bcrypt_lib.node", "darwin", "arm64")}),
      kRuntime,
      {"node_modules/bcrypt/build/Release/bcrypt_lib.node was built for darwin-arm64",
       "the runtime is linux-x64-glibc (Node ABI 115)", "run `aether deploy` on a linux-x64-glibc",
       "podman run --rm -it --platform linux/amd64", "node:20", "npm rebuild --build-from-source"});
  ExpectMismatch(WithAddons({Addon("a.node", "linux", "arm64", "glibc")}), kRuntime,
                 {"built for linux-arm64-glibc"});
  ExpectMismatch(WithAddons({Addon("a.node", "linux", "x64", "musl")}), kRuntime,
                 {"built for linux-x64-musl"});
  ExpectMismatch(WithAddons({Addon("a.node", "linux", "x64", "glibc")}),
                 Platform{"linux", "x64", "musl", "115"}, {"node:20-alpine"});
}

TEST(CheckNativePlatformTest, NodeAbiMattersOnlyWithoutNodeApi) {
  const Platform node20{"linux", "x64", "glibc", "115"};
  // Built where Node 18 ran: a Node-API addon is fine, a NAN-style one is not.
  EXPECT_TRUE(
      CheckNativePlatform(WithAddons({Addon("a.node", "linux", "x64", "glibc")}, "108"), node20)
          .ok());
  ExpectMismatch(WithAddons({Addon("a.node", "linux", "x64", "glibc", false)}, "108"), node20,
                 {"a.node is not a Node-API addon and was built for Node ABI 108 (Node 18)",
                  "the runtime runs Node ABI 115 (Node 20)", "with Node 20"});
  // The addon's own node_register_module_v<N> wins over the build machine's ABI.
  ExpectMismatch(WithAddons({Addon("a.node", "linux", "x64", "glibc", false, "127")}), node20,
                 {"Node ABI 127 (Node 22)"});
  EXPECT_TRUE(CheckNativePlatform(
                  WithAddons({Addon("a.node", "linux", "x64", "glibc", false, "115")}, "1"), node20)
                  .ok());
}

TEST(CheckNativePlatformTest, PrebuildsForSeveralPlatformsNeedOneThatFits) {
  const std::string p = "node_modules/@scope/fsevents-like/prebuilds/";
  std::vector<NativeAddon> several = {Addon(p + "darwin-x64+arm64/n.node", "darwin", "arm64+x64"),
                                      Addon(p + "linux-x64/n.glibc.node", "linux", "x64", "glibc"),
                                      Addon(p + "linux-x64/n.musl.node", "linux", "x64", "musl"),
                                      Addon(p + "win32-x64/n.node", "win32", "x64")};
  EXPECT_TRUE(CheckNativePlatform(WithAddons(several), kRuntime).ok());
  EXPECT_TRUE(
      CheckNativePlatform(WithAddons(several), Platform{"linux", "x64", "musl", "115"}).ok());
  ExpectMismatch(WithAddons(several), Platform{"linux", "arm64", "glibc", "115"},
                 {p + "darwin-x64+arm64/n.node was built for darwin-arm64+x64"});
  // A node-gyp build is loaded before any prebuild, so it must fit by itself.
  std::vector<NativeAddon> built = {
      Addon("node_modules/x/build/Release/x.node", "darwin", "arm64"),
      Addon("node_modules/x/prebuilds/linux-x64/x.node", "linux", "x64", "glibc")};
  ExpectMismatch(WithAddons(built), kRuntime, {"node_modules/x/build/Release/x.node"});
  // Packages are judged separately: a nested copy's misfit is not excused by its parent's.
  ExpectMismatch(WithAddons({Addon("node_modules/x/x.node", "linux", "x64", "glibc"),
                             Addon("node_modules/x/node_modules/y/y.node", "darwin", "x64")}),
                 kRuntime, {"node_modules/x/node_modules/y/y.node"});
}

}  // namespace
}  // namespace aether::artifact
