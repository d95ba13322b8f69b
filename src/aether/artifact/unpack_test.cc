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

void MakeTar(const std::string& path, const std::vector<TarEntry>& entries) {
  struct archive* a = archive_write_new();
  archive_write_set_format_pax_restricted(a);
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
