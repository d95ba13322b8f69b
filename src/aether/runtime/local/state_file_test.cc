// Tests for the local runtime's per-app state file: encode/decode round trip, atomic save,
// removal when nothing runs, and refusal of files that are not state files.
#include "aether/runtime/local/state_file.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace aether::local {
namespace {

namespace fs = std::filesystem;

Release MakeRelease(const std::string& id, std::vector<std::pair<pid_t, int>> instances) {
  Release rel;
  rel.deployment_id = id;
  rel.dir = "/data/releases/web/" + id;
  rel.health_path = "/ready";
  int i = 0;
  for (auto [pid, port] : instances) {
    std::string base = "/data/logs/web/web-v2-" + std::to_string(i++);
    rel.instances.push_back(
        Instance{pid, std::make_shared<Backend>(port), base + ".log", base + ".status.json"});
  }
  return rel;
}

void ExpectSameRelease(const Release& a, const Release& b) {
  EXPECT_EQ(a.deployment_id, b.deployment_id);
  EXPECT_EQ(a.dir, b.dir);
  EXPECT_EQ(a.health_path, b.health_path);
  ASSERT_EQ(a.instances.size(), b.instances.size());
  for (size_t i = 0; i < a.instances.size(); ++i) {
    EXPECT_EQ(a.instances[i].pid, b.instances[i].pid);
    EXPECT_EQ(a.instances[i].backend->port, b.instances[i].backend->port);
    EXPECT_EQ(a.instances[i].log_file, b.instances[i].log_file);
    EXPECT_EQ(a.instances[i].status_file, b.instances[i].status_file);
  }
}

TEST(StateFile, SavesLoadsAndRemoves) {
  std::string dir = ::testing::TempDir() + "/state-" + std::to_string(getpid());
  fs::remove_all(dir);
  std::string path = StateFilePath(dir, "web");
  EXPECT_EQ(path, dir + "/runtime/web.json");
  EXPECT_EQ(LoadAppState(path).status().code(), ErrorCode::kNotFound);

  AppState state;
  state.current = MakeRelease("dep_2", {{4242, 40001}, {4243, 40002}});
  state.others.push_back(MakeRelease("dep_1", {{4100, 40000}}));
  ASSERT_TRUE(SaveAppState(path, state).ok());
  EXPECT_EQ(fs::status(path).permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);
  auto loaded = LoadAppState(path);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  ASSERT_TRUE(loaded->current.has_value());
  ExpectSameRelease(*loaded->current, *state.current);
  ASSERT_EQ(loaded->others.size(), 1u);
  ExpectSameRelease(loaded->others[0], state.others[0]);

  state.current.reset();
  ASSERT_TRUE(SaveAppState(path, state).ok());
  loaded = LoadAppState(path);
  ASSERT_TRUE(loaded.ok());
  EXPECT_FALSE(loaded->current.has_value());
  EXPECT_EQ(loaded->others.size(), 1u);

  ASSERT_TRUE(SaveAppState(path, AppState{}).ok());
  EXPECT_FALSE(fs::exists(path)) << "an app with nothing running has no state file";
  EXPECT_TRUE(SaveAppState(path, AppState{}).ok()) << "removing a missing file is fine";
  fs::remove_all(dir);
}

TEST(StateFile, RejectsWhatIsNotAStateFile) {
  EXPECT_EQ(DecodeAppState("").status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(DecodeAppState("[]").status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(DecodeAppState(R"({"version":2,"current":null})").status().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(DecodeAppState(R"({"version":1,"current":{"deployment_id":"d"}})").status().code(),
            ErrorCode::kInvalidArgument);
  std::string bad_pid = EncodeAppState({MakeRelease("d", {{1, 80}}), {}});
  bad_pid.replace(bad_pid.find("\"pid\": 1"), 8, "\"pid\": -5");
  EXPECT_EQ(DecodeAppState(bad_pid).status().code(), ErrorCode::kInvalidArgument);
  auto empty = DecodeAppState(R"({"version":1,"current":null,"others":[]})");
  ASSERT_TRUE(empty.ok());
  EXPECT_FALSE(empty->current.has_value());
}

// Files from before the agents logged to one file name stdout_log/stderr_log instead.
TEST(StateFile, ReadsTheOldLogFields) {
  auto old = DecodeAppState(R"({"version":1,"current":{"deployment_id":"d","dir":"/r/d",
    "health_path":"","instances":[{"pid":42,"port":4000,"stdout_log":"/l/d.0.stdout.log",
    "stderr_log":"/l/d.0.stderr.log","status_file":"/l/d.0.status.json"}]},"others":[]})");
  ASSERT_TRUE(old.ok()) << old.status().ToString();
  ASSERT_EQ(old->current->instances.size(), 1u);
  EXPECT_EQ(old->current->instances[0].pid, 42);
  EXPECT_EQ(old->current->instances[0].log_file, "");
  EXPECT_EQ(old->current->instances[0].status_file, "/l/d.0.status.json");
}

}  // namespace
}  // namespace aether::local
