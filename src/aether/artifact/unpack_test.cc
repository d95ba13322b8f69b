// Unit tests for unpack.h: hostile tarballs built with libarchive are refused with nothing
// written outside the destination; limits; and a pack → unpack round trip.
#include "aether/artifact/unpack.h"

#include <archive.h>
#include <archive_entry.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <vector>

#include "aether/artifact/pack.h"
#include "aether/artifact/test_util.h"

namespace aether::artifact {
namespace {

namespace fs = std::filesystem;
using testing::ModeOf;
using testing::ReadFile;
using testing::TempDir;
using testing::WriteFile;

struct TarEntry {
  TarEntry(std::string n, mode_t t, std::string c, std::string l = "", mode_t p = 0644)
      : name(std::move(n)), type(t), content(std::move(c)), link(std::move(l)), perm(p) {}
  std::string name;
  mode_t type;
  std::string content;
  std::string link;  // symlink target, or hard link source when type is 0
  mode_t perm;
};

void MakeTar(const std::string& path, const std::vector<TarEntry>& entries, bool gzip = false) {
  struct archive* a = archive_write_new();
  archive_write_set_format_pax_restricted(a);
  if (gzip) {
    ASSERT_EQ(archive_write_add_filter_gzip(a), ARCHIVE_OK);
  }
  ASSERT_EQ(archive_write_open_filename(a, path.c_str()), ARCHIVE_OK);
  for (const TarEntry& t : entries) {
    struct archive_entry* e = archive_entry_new();
    archive_entry_copy_pathname(e, t.name.c_str());
    archive_entry_set_perm(e, t.perm);
    if (t.type == 0) {
      archive_entry_set_filetype(e, AE_IFREG);
      archive_entry_copy_hardlink(e, t.link.c_str());
    } else {
      archive_entry_set_filetype(e, t.type);
    }
    if (t.type == AE_IFLNK) archive_entry_copy_symlink(e, t.link.c_str());
    if (t.type == AE_IFREG) archive_entry_set_size(e, static_cast<la_int64_t>(t.content.size()));
    ASSERT_EQ(archive_write_header(a, e), ARCHIVE_OK) << t.name;
    if (!t.content.empty()) archive_write_data(a, t.content.data(), t.content.size());
    archive_entry_free(e);
  }
  archive_write_free(a);
}

std::vector<std::string> ListTree(const std::string& root) {
  std::vector<std::string> out;
  for (const auto& p : fs::recursive_directory_iterator(root)) {
    out.push_back(p.path().lexically_relative(root).string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// Layout: <work>/tars/layer.tar, <work>/box/dest. Anything escaping dest lands in box.
class UnpackTest : public ::testing::Test {
 protected:
  std::string Tar() const { return work_ / "layer.tar"; }
  std::string Box() const { return work_ / "box"; }
  std::string Dest() const { return work_ / "box/dest"; }

  Status UnpackEntries(const std::vector<TarEntry>& entries, const UnpackLimits& limits = {}) {
    MakeTar(Tar(), entries);
    return UnpackLayer(Tar(), Dest(), limits);
  }

  void ExpectRefused(const std::vector<TarEntry>& entries, const std::string& message,
                     ErrorCode code = ErrorCode::kInvalidArgument) {
    fs::create_directories(Dest());
    Status s = UnpackEntries(entries);
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.code(), code) << s.ToString();
    EXPECT_NE(s.message().find(message), std::string::npos) << s.message();
    std::vector<std::string> box = ListTree(Box());
    for (const std::string& p : box) EXPECT_EQ(p.rfind("dest", 0), 0u) << p << " escaped";
    EXPECT_FALSE(fs::exists("/etc/evil"));
  }

  TempDir work_;
};

TEST_F(UnpackTest, RefusesDotDot) {
  ExpectRefused({{"ok.txt", AE_IFREG, "ok"}, {"../evil", AE_IFREG, "x"}},
                "unsafe path '../evil' in layer");
}

TEST_F(UnpackTest, RefusesAbsolutePaths) {
  ExpectRefused({{"/etc/evil", AE_IFREG, "x"}}, "unsafe path '/etc/evil' in layer");
  ExpectRefused({{Box() + "/evil", AE_IFREG, "x"}}, "unsafe path '" + Box() + "/evil'");
}

TEST_F(UnpackTest, RefusesDotDotInTheMiddle) {
  ExpectRefused({{"a/../../evil", AE_IFREG, "x"}}, "unsafe path 'a/../../evil' in layer");
  ExpectRefused({{"a/b/..", AE_IFDIR, ""}}, "unsafe path 'a/b/..");
}

TEST_F(UnpackTest, RefusesAbsoluteSymlinkThenWriteThrough) {
  ExpectRefused({{"lnk", AE_IFLNK, "", "/etc"}, {"lnk/passwd", AE_IFREG, "x"}},
                "unsafe symlink 'lnk' -> '/etc' in layer");
}

TEST_F(UnpackTest, RefusesWritingThroughAnInTreeSymlink) {
  ExpectRefused({{"real/", AE_IFDIR, ""}, {"lnk", AE_IFLNK, "", "real"}, {"lnk/f", AE_IFREG, "x"}},
                "unsafe path 'lnk/f' in layer: traverses symlink 'lnk'");
}

TEST_F(UnpackTest, RefusesWritingThroughASymlinkAlreadyOnDisk) {
  fs::create_directories(Dest());
  fs::create_directories(work_ / "outside");
  fs::create_directory_symlink("../../outside", Dest() + "/lnk");
  ExpectRefused({{"lnk/passwd", AE_IFREG, "x"}}, "traverses symlink 'lnk'");
  EXPECT_TRUE(fs::is_empty(work_ / "outside"));
}

TEST_F(UnpackTest, RefusesEscapingSymlinks) {
  ExpectRefused({{"x", AE_IFLNK, "", "../../x"}}, "unsafe symlink 'x' -> '../../x' in layer");
  ExpectRefused({{"a/x", AE_IFLNK, "", "../../x"}}, "unsafe symlink");
  // A chain: "up" is fine alone, but ".." after a name could climb out through it.
  ExpectRefused({{"a/b/up", AE_IFLNK, "", "../.."}, {"e", AE_IFLNK, "", "a/b/up/../x"}},
                "unsafe symlink 'e' -> 'a/b/up/../x'");
}

TEST_F(UnpackTest, RefusesHardLinksDevicesAndFifos) {
  ExpectRefused({{"a", AE_IFREG, "x"}, {"b", 0, "", "a"}}, "unsupported hard link 'b'");
  ExpectRefused({{"fifo", AE_IFIFO, ""}}, "unsupported entry type for 'fifo'");
  ExpectRefused({{"dev", AE_IFCHR, ""}}, "unsupported entry type for 'dev'");
  ExpectRefused({{"blk", AE_IFBLK, ""}}, "unsupported entry type for 'blk'");
}

TEST_F(UnpackTest, EnforcesLimits) {
  UnpackLimits file_limit;
  file_limit.max_file_bytes = 10;
  Status s = UnpackEntries({{"big", AE_IFREG, std::string(11, 'x')}}, file_limit);
  EXPECT_EQ(s.code(), ErrorCode::kPayloadTooLarge) << s.ToString();

  UnpackLimits total_limit;
  total_limit.max_total_bytes = 15;
  s = UnpackEntries({{"a", AE_IFREG, std::string(10, 'x')}, {"b", AE_IFREG, std::string(10, 'y')}},
                    total_limit);
  EXPECT_EQ(s.code(), ErrorCode::kPayloadTooLarge) << s.ToString();

  UnpackLimits entry_limit;
  entry_limit.max_entries = 2;
  s = UnpackEntries({{"a", AE_IFREG, "1"}, {"b", AE_IFREG, "2"}, {"c", AE_IFREG, "3"}},
                    entry_limit);
  EXPECT_EQ(s.code(), ErrorCode::kPayloadTooLarge) << s.ToString();
  EXPECT_NE(s.message().find("more than 2 entries"), std::string::npos);
}

TEST_F(UnpackTest, RefusesHardLinksOutsideTheDestination) {
  ExpectRefused({{"passwd", 0, "", "../../etc/passwd"}}, "unsupported hard link 'passwd'");
  ExpectRefused({{"passwd", 0, "", "/etc/passwd"}}, "unsupported hard link 'passwd'");
}

TEST_F(UnpackTest, RefusesADirectoryEntryOverASymlinkAlreadyOnDisk) {
  fs::create_directories(Dest());
  fs::create_directories(work_ / "outside");
  fs::permissions(work_ / "outside", fs::perms::owner_all);
  fs::create_directory_symlink("../../outside", Dest() + "/lnk");
  ExpectRefused({{"lnk/", AE_IFDIR, "", "", 0777}},
                "unsafe path 'lnk/' in layer: directory over symlink 'lnk'");
  EXPECT_EQ(ModeOf(work_ / "outside"), 0700u);  // not chmod'ed through the link
}

TEST_F(UnpackTest, RefusesALayerWithTooManyEntries) {
  std::vector<TarEntry> entries;
  entries.reserve(1000);
  for (int i = 0; i < 1000; ++i) entries.emplace_back("f" + std::to_string(i), AE_IFREG, "x");
  UnpackLimits limits;
  limits.max_entries = 999;
  Status s = UnpackEntries(entries, limits);
  EXPECT_EQ(s.code(), ErrorCode::kPayloadTooLarge) << s.ToString();
  EXPECT_EQ(s.message(), "layer has more than 999 entries");
  EXPECT_FALSE(fs::exists(Dest() + "/f999"));  // stopped at the entry past the limit
  limits.max_entries = 1000;
  EXPECT_TRUE(UnpackEntries(entries, limits).ok());
}

TEST_F(UnpackTest, StopsAGzipBombAsSoonAsItPassesTheLimit) {
  // 64 MiB of zeros gzip to ~64 KB; the limit is 1 MiB.
  MakeTar(Tar(), {{"bomb", AE_IFREG, std::string(64 << 20, '\0')}}, /*gzip=*/true);
  ASSERT_LT(fs::file_size(Tar()), 256u << 10);
  UnpackLimits limits;
  limits.max_total_bytes = 1 << 20;
  Status s = UnpackLayer(Tar(), Dest(), limits);
  EXPECT_EQ(s.code(), ErrorCode::kPayloadTooLarge) << s.ToString();
  EXPECT_EQ(s.message(), "layer unpacks to more than 1048576 bytes");
  // Bytes are counted before they are written: nothing past the limit reached the disk (the
  // file may still be as long as its header says, as a hole, until the caller removes it).
  struct stat st {};
  ASSERT_EQ(::stat((Dest() + "/bomb").c_str(), &st), 0);
  EXPECT_LE(st.st_blocks * 512, (1 << 20) + (64 << 10));
}

TEST_F(UnpackTest, CountsBytesAcrossFiles) {
  UnpackLimits limits;
  limits.max_total_bytes = 25;
  limits.max_file_bytes = 10;
  Status s = UnpackEntries({{"a", AE_IFREG, std::string(10, 'a')},
                            {"b", AE_IFREG, std::string(10, 'b')},
                            {"c", AE_IFREG, std::string(10, 'c')}},
                           limits);
  EXPECT_EQ(s.code(), ErrorCode::kPayloadTooLarge) << s.ToString();
  EXPECT_EQ(s.message(), "layer unpacks to more than 25 bytes");
  s = UnpackEntries({{"big", AE_IFREG, std::string(11, 'x')}}, limits);
  EXPECT_EQ(s.message(), "file 'big' in layer is larger than 10 bytes");
}

TEST_F(UnpackTest, CountsASparseFileByItsExtent) {
  // One data byte at the end of a 2 MiB hole: the file's extent is what counts, not the one
  // byte the archive carries.
  struct archive* a = archive_write_new();
  archive_write_set_format_pax(a);
  ASSERT_EQ(archive_write_open_filename(a, Tar().c_str()), ARCHIVE_OK);
  struct archive_entry* e = archive_entry_new();
  archive_entry_copy_pathname(e, "holey");
  archive_entry_set_filetype(e, AE_IFREG);
  archive_entry_set_perm(e, 0644);
  archive_entry_set_size(e, 2 << 20);
  archive_entry_sparse_add_entry(e, (2 << 20) - 1, 1);
  ASSERT_EQ(archive_write_header(a, e), ARCHIVE_OK);
  archive_write_data(a, "x", 1);
  archive_entry_free(e);
  archive_write_free(a);

  UnpackLimits limits;
  limits.max_total_bytes = 1 << 20;
  Status s = UnpackLayer(Tar(), Dest(), limits);
  EXPECT_EQ(s.code(), ErrorCode::kPayloadTooLarge) << s.ToString();
  EXPECT_EQ(s.message(), "layer unpacks to more than 1048576 bytes");
  limits.max_total_bytes = 2 << 20;
  s = UnpackLayer(Tar(), work_ / "box/other", limits);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(fs::file_size(work_ / "box/other/holey"), 2u << 20);
}

TEST_F(UnpackTest, LimitsPathDepth) {
  UnpackLimits limits;
  limits.max_depth = 4;
  EXPECT_TRUE(UnpackEntries({{"a/b/c/d", AE_IFREG, "ok"}}, limits).ok());
  Status s = UnpackEntries({{"a/b/c/d/e", AE_IFREG, "deep"}}, limits);
  EXPECT_EQ(s.code(), ErrorCode::kPayloadTooLarge) << s.ToString();
  EXPECT_EQ(s.message(), "entry 'a/b/c/d/e' in layer is deeper than 4 path components");
  EXPECT_FALSE(fs::exists(Dest() + "/a/b/c/d/e"));

  // The default (64) takes a deep node_modules tree and refuses one component more.
  std::string path;
  for (int i = 0; i < 64; ++i) path += (i == 0 ? "" : "/") + std::string("d");
  EXPECT_TRUE(UnpackEntries({{path, AE_IFREG, "ok"}}).ok());
  s = UnpackEntries({{path + "/x", AE_IFREG, "deep"}});
  EXPECT_NE(s.message().find("deeper than 64 path components"), std::string::npos) << s.message();
}

TEST_F(UnpackTest, StripsSetuidAndKeepsPermissionBits) {
  Status s = UnpackEntries({{"d/", AE_IFDIR, "", "", 0755},
                            {"d/suid", AE_IFREG, "x", "", 04755},
                            {"d/plain", AE_IFREG, "y", "", 0640}});
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(ModeOf(Dest() + "/d/suid"), 0755u);
  EXPECT_EQ(ModeOf(Dest() + "/d/plain"), 0640u);
}

TEST_F(UnpackTest, RejectsGarbage) {
  WriteFile(Tar(), std::string(4096, 'g'));
  Status s = UnpackLayer(Tar(), Dest());
  EXPECT_EQ(s.code(), ErrorCode::kInvalidArgument) << s.ToString();
  EXPECT_EQ(UnpackLayer(work_ / "missing.tar", Dest()).code(), ErrorCode::kNotFound);
}

TEST_F(UnpackTest, PackUnpackRoundTripWithLayers) {
  TempDir src, deps;
  WriteFile(src / "server.js", "require('express');\n");
  WriteFile(src / "bin/run", "#!/bin/sh\n", 0755);
  WriteFile(src / "lib/util.js", "u\n", 0600);
  fs::create_directories(src / "public/uploads");
  fs::create_symlink("../lib/util.js", src / "bin/util");
  WriteFile(src / "node_modules/stale/index.js", "local copy, ignored\n");
  WriteFile(deps / "express/index.js", "module.exports = {};\n");
  WriteFile(deps / "express/cli.js", "#!/usr/bin/env node\n", 0755);
  fs::create_directories(deps / ".bin");
  fs::create_symlink("../express/cli.js", deps / ".bin/express");

  PackOptions deps_options;
  deps_options.prefix = "node_modules";
  auto deps_layer = PackTree(deps.path(), IgnoreRules(), work_ / "deps.tar.zst", deps_options);
  auto app_layer = PackTree(src.path(), IgnoreRules::WithDefaults(), work_ / "app.tar.zst");
  ASSERT_TRUE(deps_layer.ok()) << deps_layer.status().ToString();
  ASSERT_TRUE(app_layer.ok()) << app_layer.status().ToString();

  ASSERT_TRUE(UnpackLayer(deps_layer->path, Dest()).ok());
  Status s = UnpackLayer(app_layer->path, Dest());
  ASSERT_TRUE(s.ok()) << s.ToString();

  EXPECT_EQ(
      ListTree(Dest()),
      (std::vector<std::string>{
          "bin", "bin/run", "bin/util", "lib", "lib/util.js", "node_modules", "node_modules/.bin",
          "node_modules/.bin/express", "node_modules/express", "node_modules/express/cli.js",
          "node_modules/express/index.js", "public", "public/uploads", "server.js"}));
  EXPECT_EQ(ReadFile(Dest() + "/server.js"), "require('express');\n");
  EXPECT_EQ(ModeOf(Dest() + "/bin/run"), 0755u);
  EXPECT_EQ(ModeOf(Dest() + "/lib/util.js"), 0644u);
  EXPECT_EQ(ModeOf(Dest() + "/node_modules/express/cli.js"), 0755u);
  EXPECT_EQ(fs::read_symlink(Dest() + "/bin/util"), "../lib/util.js");
  EXPECT_EQ(ReadFile(Dest() + "/bin/util"), "u\n");
  EXPECT_EQ(ReadFile(Dest() + "/node_modules/.bin/express"), "#!/usr/bin/env node\n");
  EXPECT_TRUE(fs::is_directory(Dest() + "/public/uploads"));
}

}  // namespace
}  // namespace aether::artifact
