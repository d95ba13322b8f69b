// Unit tests for pack.h: determinism across mtimes and permission noise, normalised
// metadata, ignore rules, prefixes and symlink refusal.
#include "aether/artifact/pack.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <clocale>
#include <filesystem>
#include <optional>
#include <vector>

#include "aether/artifact/test_util.h"
#include "aether/crypto/crypto.h"

namespace aether::artifact {
namespace {

using testing::TempDir;
using testing::WriteFile;

struct Listed {
  std::string path;
  mode_t mode;
  int64_t mtime;
  int64_t uid;
  int64_t gid;
  bool has_uname;
  std::string symlink;
};

std::vector<Listed> List(const std::string& archive_path) {
  std::vector<Listed> out;
  struct archive* a = archive_read_new();
  archive_read_support_filter_all(a);
  archive_read_support_format_all(a);
  EXPECT_EQ(archive_read_open_filename(a, archive_path.c_str(), 1 << 16), ARCHIVE_OK);
  struct archive_entry* e = nullptr;
  while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
    const char* link = archive_entry_symlink(e);
    out.push_back({archive_entry_pathname(e), archive_entry_mode(e), archive_entry_mtime(e),
                   archive_entry_uid(e), archive_entry_gid(e),
                   archive_entry_uname(e) != nullptr && *archive_entry_uname(e) != 0,
                   link != nullptr ? link : ""});
  }
  archive_read_free(a);
  return out;
}

const std::string kLongDir = std::string(60, 'd') + "/" + std::string(70, 'e');

// The same logical tree, with different modes, mtimes and creation order per `variant`.
void MakeTree(const std::string& root, int variant) {
  mode_t plain = variant == 0 ? 0644 : 0600;
  mode_t exec = variant == 0 ? 0755 : 0744;
  if (variant == 0) {
    WriteFile(root + "/package.json", "{\"name\":\"x\"}", plain);
    WriteFile(root + "/bin/start.sh", "#!/bin/sh\necho hi\n", exec);
    WriteFile(root + "/src/a.js", "module.exports = 1;\n", plain);
    WriteFile(root + "/" + kLongDir + "/file-with-a-long-name.js", "long\n", plain);
  } else {
    WriteFile(root + "/" + kLongDir + "/file-with-a-long-name.js", "long\n", plain);
    WriteFile(root + "/src/a.js", "module.exports = 1;\n", plain);
    WriteFile(root + "/bin/start.sh", "#!/bin/sh\necho hi\n", exec);
    WriteFile(root + "/package.json", "{\"name\":\"x\"}", plain);
  }
  std::filesystem::create_directories(root + "/empty");
  std::filesystem::create_directory_symlink("../src", root + "/bin/src-link");
  WriteFile(root + "/node_modules/dep/index.js", "ignored\n");
  WriteFile(root + "/.git/HEAD", "ignored\n");
  struct timespec times[2] = {{1000000 + variant * 777, 0}, {2000000 + variant * 999, 5}};
  for (const auto& p : std::filesystem::recursive_directory_iterator(root)) {
    ::utimensat(AT_FDCWD, p.path().c_str(), times, AT_SYMLINK_NOFOLLOW);
  }
}

TEST(PackTest, SameTreeSameDigestWhateverModesAndMtimes) {
  TempDir a, b, out;
  MakeTree(a.path(), 0);
  MakeTree(b.path(), 1);
  mode_t old = ::umask(077);
  auto pa = PackTree(a.path(), IgnoreRules::WithDefaults(), out / "a.tar.zst");
  ::umask(old);
  auto pb = PackTree(b.path(), IgnoreRules::WithDefaults(), out / "b.tar.zst");
  ASSERT_TRUE(pa.ok()) << pa.status().ToString();
  ASSERT_TRUE(pb.ok()) << pb.status().ToString();
  EXPECT_EQ(pa->digest, pb->digest);
  EXPECT_EQ(pa->size, pb->size);
  EXPECT_EQ(pa->files, 5);  // package.json, start.sh, src-link, a.js, the long file
  EXPECT_EQ(pa->raw_bytes, pb->raw_bytes);

  long long size = 0;
  auto file_digest = crypto::Sha256File(pa->path, &size);
  ASSERT_TRUE(file_digest.ok());
  EXPECT_EQ(*file_digest, pa->digest);
  EXPECT_EQ(size, pa->size);

  // Packing the same tree again gives the same bytes.
  auto again = PackTree(a.path(), IgnoreRules::WithDefaults(), out / "c.tar.zst");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->digest, pa->digest);
}

TEST(PackTest, EntriesAreSortedWithNormalisedMetadata) {
  TempDir a, out;
  MakeTree(a.path(), 1);
  auto packed = PackTree(a.path(), IgnoreRules::WithDefaults(), out / "l.tar.zst");
  ASSERT_TRUE(packed.ok()) << packed.status().ToString();
  std::vector<Listed> entries = List(packed->path);
  std::vector<std::string> names;
  for (const Listed& e : entries) {
    names.push_back(e.path);
    EXPECT_EQ(e.mtime, 0) << e.path;
    EXPECT_EQ(e.uid, 0) << e.path;
    EXPECT_EQ(e.gid, 0) << e.path;
    EXPECT_FALSE(e.has_uname) << e.path;
  }
  std::vector<std::string> want = {
      "bin/src-link", "bin/start.sh", kLongDir + "/file-with-a-long-name.js",
      "empty/",       "package.json", "src/a.js"};
  ASSERT_EQ(names, want);
  EXPECT_EQ(entries[0].mode, static_cast<mode_t>(AE_IFLNK | 0777));
  EXPECT_EQ(entries[0].symlink, "../src");
  EXPECT_EQ(entries[1].mode, static_cast<mode_t>(AE_IFREG | 0755));  // exec bit kept
  EXPECT_EQ(entries[3].mode, static_cast<mode_t>(AE_IFDIR | 0755));
  EXPECT_EQ(entries[4].mode, static_cast<mode_t>(AE_IFREG | 0644));  // 0600 normalised
}

TEST(PackTest, PrefixAndCustomIgnore) {
  TempDir a, out;
  WriteFile(a / "express/index.js", "x");
  WriteFile(a / "express/node_modules/debug/index.js", "y");
  WriteFile(a / "express/test.log", "z");
  IgnoreRules rules;  // deps layer: nested node_modules must be kept
  rules.AddPatterns("*.log\n");
  PackOptions options;
  options.prefix = "node_modules";
  options.zstd_level = 19;
  auto packed = PackTree(a.path(), rules, out / "deps.tar.zst", options);
  ASSERT_TRUE(packed.ok()) << packed.status().ToString();
  std::vector<std::string> names;
  for (const Listed& e : List(packed->path)) names.push_back(e.path);
  EXPECT_EQ(names, (std::vector<std::string>{"node_modules/express/index.js",
                                             "node_modules/express/node_modules/debug/index.js"}));
  EXPECT_EQ(packed->files, 2);
  EXPECT_EQ(packed->raw_bytes, 2);
}

TEST(PackTest, RefusesSymlinksOutsideTheTree) {
  for (const char* target : {"/etc/passwd", "../../outside", "sub/../../x", "a/../b", "../.."}) {
    TempDir a, out;
    WriteFile(a / "sub/file", "x");
    std::filesystem::create_symlink(target, a / "sub/lnk");
    auto packed = PackTree(a.path(), IgnoreRules(), out / "l.tar.zst");
    ASSERT_FALSE(packed.ok()) << target;
    EXPECT_EQ(packed.status().code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(packed.status().message().find("points outside the tree"), std::string::npos);
    EXPECT_FALSE(std::filesystem::exists(out / "l.tar.zst"));
  }
}

TEST(PackTest, DoesNotFollowSymlinkedDirectories) {
  TempDir a, outside, out;
  WriteFile(outside / "secret", "s");
  WriteFile(a / "real/file", "x");
  std::filesystem::create_directory_symlink("real", a / "alias");
  auto packed = PackTree(a.path(), IgnoreRules(), out / "l.tar.zst");
  ASSERT_TRUE(packed.ok()) << packed.status().ToString();
  std::vector<std::string> names;
  for (const Listed& e : List(packed->path)) names.push_back(e.path);
  EXPECT_EQ(names, (std::vector<std::string>{"alias", "real/file"}));
}

TEST(PackTest, NonAsciiNamesPackTheSameInEveryLocale) {
  TempDir a, out;
  WriteFile(a / "h\xc3\xa9llo.js", "x");
  WriteFile(a / "plain.js", "y");
  std::string old = std::setlocale(LC_ALL, nullptr);
  std::setlocale(LC_ALL, "C");
  auto in_c = PackTree(a.path(), IgnoreRules(), out / "c.tar.zst");
  bool have_utf8 = std::setlocale(LC_ALL, "C.UTF-8") != nullptr;
  auto in_utf8 = PackTree(a.path(), IgnoreRules(), out / "u.tar.zst");
  std::setlocale(LC_ALL, old.c_str());
  ASSERT_TRUE(in_c.ok()) << in_c.status().ToString();
  ASSERT_TRUE(in_utf8.ok()) << in_utf8.status().ToString();
  if (have_utf8) {
    EXPECT_EQ(in_c->digest, in_utf8->digest);
  }
  std::vector<std::string> names;
  for (const Listed& e : List(in_c->path)) names.push_back(e.path);
  EXPECT_EQ(names, (std::vector<std::string>{"h\xc3\xa9llo.js", "plain.js"}));
}

TEST(PackTest, SymlinkedIgnoredDirectoryIsIgnored) {
  TempDir a, elsewhere, out;
  WriteFile(a / "index.js", "x");
  std::filesystem::create_directory_symlink(elsewhere.path(), a / "node_modules");
  auto packed = PackTree(a.path(), IgnoreRules::WithDefaults(), out / "l.tar.zst");
  ASSERT_TRUE(packed.ok()) << packed.status().ToString();
  EXPECT_EQ(packed->files, 1);
}

TEST(PackTest, ListsEveryEntryWithTheHashOfTheBytesPacked) {
  TempDir a, b, out;
  MakeTree(a.path(), 0);
  MakeTree(b.path(), 1);
  PackOptions options;
  options.prefix = "app";
  auto pa = PackTree(a.path(), IgnoreRules::WithDefaults(), out / "a.tar.zst", options);
  auto pb = PackTree(b.path(), IgnoreRules::WithDefaults(), out / "b.tar.zst", options);
  ASSERT_TRUE(pa.ok()) << pa.status().ToString();
  ASSERT_TRUE(pb.ok()) << pb.status().ToString();
  EXPECT_EQ(pa->entries, pb->entries);  // modes and mtimes do not leak into the list
  auto sha = [](const std::string& s) { return crypto::Sha256Hex(s); };
  std::vector<FileEntry> want = {
      {"app/bin/src-link", 6, kModeSymlink, sha("../src")},
      {"app/bin/start.sh", 18, kModeExecutable, sha("#!/bin/sh\necho hi\n")},
      {"app/" + kLongDir + "/file-with-a-long-name.js", 5, kModeFile, sha("long\n")},
      {"app/empty", 0, kModeDirectory, sha("")},
      {"app/package.json", 12, kModeFile, sha("{\"name\":\"x\"}")},
      {"app/src/a.js", 20, kModeFile, sha("module.exports = 1;\n")}};
  EXPECT_EQ(pa->entries, want);
  EXPECT_TRUE(pa->native_addons.empty());
  EXPECT_TRUE(pa->gyp_packages.empty());

  Layer layer = ManifestLayer(*pa, "app");
  EXPECT_EQ(layer.digest, pa->digest);
  EXPECT_EQ(layer.size, pa->size);
  EXPECT_EQ(layer.role, "app");
  EXPECT_EQ(layer.files, want);
}

// zstd's multithreaded format does not depend on the number of workers: a tree large enough
// for several compression jobs packs to the same bytes with 1, 2, 3 or 4 of them.
TEST(PackTest, SameDigestWhateverTheNumberOfZstdWorkers) {
  TempDir a, out;
  std::string text;
  uint64_t x = 88172645463325252ULL;
  for (int file = 0; file < 12; ++file) {
    text.clear();
    while (text.size() < (size_t{2} << 20)) {  // 2 MiB of words: compressible, not trivially
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
      text += "word" + std::to_string(x % 5000) + (x % 11 == 0 ? "\n" : " ");
    }
    WriteFile(a / ("dir" + std::to_string(file % 3) + "/f" + std::to_string(file) + ".txt"), text);
  }
  std::optional<Digest> first;
  for (int workers : {1, 2, 3, 4, 0}) {
    PackOptions options;
    options.zstd_workers = workers;
    auto packed = PackTree(a.path(), IgnoreRules(), out / "l.tar.zst", options);
    ASSERT_TRUE(packed.ok()) << packed.status().ToString();
    if (!first) first = packed->digest;
    EXPECT_EQ(packed->digest, *first) << workers << " workers";
  }
  PackOptions bad;
  bad.zstd_workers = -1;
  EXPECT_EQ(PackTree(a.path(), IgnoreRules(), out / "x.tar.zst", bad).status().code(),
            ErrorCode::kInvalidArgument);
}

TEST(PackTest, FindsNativeAddonsAndGypPackages) {
  TempDir a, out;
  std::string elf(64, '\0');
  elf.replace(0, 4,
              "\x7f"
              "ELF");
  elf[4] = 2;
  elf[5] = 1;
  elf[18] = 62;  // EM_X86_64
  WriteFile(a / "bcrypt/binding.gyp", "{}");
  WriteFile(a / "bcrypt/build/Release/bcrypt_lib.node", elf + "napi_register_module_v1");
  WriteFile(a / "@s/odd/lib/not-really.node", "just text");
  WriteFile(a / "binding.gyp", "{}");
  PackOptions options;
  options.prefix = "node_modules";
  auto packed = PackTree(a.path(), IgnoreRules(), out / "deps.tar.zst", options);
  ASSERT_TRUE(packed.ok()) << packed.status().ToString();
  ASSERT_EQ(packed->native_addons.size(), 2u);
  EXPECT_EQ(packed->native_addons[0],
            (NativeAddon{"node_modules/@s/odd/lib/not-really.node", "", "", "", false, ""}));
  EXPECT_EQ(packed->native_addons[1],
            (NativeAddon{"node_modules/bcrypt/build/Release/bcrypt_lib.node", "linux", "x64", "",
                         true, ""}));
  EXPECT_EQ(packed->gyp_packages,
            (std::vector<std::string>{"node_modules", "node_modules/bcrypt"}));

  Manifest m;
  AddNativeAddons(*packed, &m);
  EXPECT_EQ(m.native_addons, packed->native_addons);
}

TEST(PackTest, MissingRootIsNotFound) {
  TempDir out;
  auto packed = PackTree(out / "nope", IgnoreRules(), out / "l.tar.zst");
  ASSERT_FALSE(packed.ok());
  EXPECT_EQ(packed.status().code(), ErrorCode::kNotFound);
}

}  // namespace
}  // namespace aether::artifact
