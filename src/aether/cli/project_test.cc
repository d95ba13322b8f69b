// Project detection on scratch directories and start-script parsing.
#include "aether/cli/project.h"

#include <gtest/gtest.h>

#include "aether/cli/test_util.h"

namespace aether::cli {
namespace {

using testing::Scratch;
using Argv = std::vector<std::string>;

const LocalNode kNode{"/usr/bin/node", "20.20.2", "20", "115"};

Result<Project> Detect(const Scratch& s) { return DetectProject(s.path(), kNode); }

TEST(StartScript, PlainCommandsSplitIntoArgv) {
  EXPECT_EQ(StartScriptArgv("node server.js"), (Argv{"node", "server.js"}));
  EXPECT_EQ(StartScriptArgv("  node   --enable-source-maps\tdist/main.js "),
            (Argv{"node", "--enable-source-maps", "dist/main.js"}));
  EXPECT_EQ(StartScriptArgv("node --max-old-space-size=512 app.js"),
            (Argv{"node", "--max-old-space-size=512", "app.js"}));
  EXPECT_EQ(StartScriptArgv("next start"), (Argv{"next", "start"}));
}

TEST(StartScript, ShellMetacharactersUseTheShell) {
  for (std::string script :
       {"node a.js && node b.js", "node a.js | tee log", "node $ENTRY", "node 'my app.js'",
        "NODE_ENV=production node server.js", "node a.js > out.log", "node *.js",
        "node a.js; echo done", "node `cat entry`", "node \"x.js\"", "cd dist\nnode a.js"}) {
    EXPECT_EQ(SplitPlainCommand(script), std::nullopt) << script;
    EXPECT_EQ(StartScriptArgv(script), (Argv{"/bin/sh", "-c", script})) << script;
  }
  EXPECT_EQ(SplitPlainCommand("   "), std::nullopt);
}

TEST(DetectProject, MissingPackageJsonIsAProjectProblem) {
  Scratch s;
  auto p = Detect(s);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(p.status().message(),
            "no package.json in " + s.path() + ": is this a Node.js project?");
}

TEST(DetectProject, MalformedPackageJson) {
  Scratch s;
  s.Write("package.json", "{\"name\": ");
  auto p = Detect(s);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), ErrorCode::kInvalidArgument);
}

TEST(DetectProject, NpmWithLockfileAndStartScript) {
  Scratch s;
  s.Write("package.json", R"({"name":"@acme/Sample_Node","scripts":{"start":"node server.js"},
    "dependencies":{"left-pad":"^1.3.0"},"devDependencies":{"jest":"*"},
    "aether":{"healthPath":"/healthz"}})");
  s.Write("package-lock.json", "{}");
  auto p = Detect(s);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->app_name, "sample-node");
  EXPECT_EQ(p->package_name, "@acme/Sample_Node");
  EXPECT_EQ(p->manager, PackageManager::kNpm);
  EXPECT_EQ(p->lockfile, "package-lock.json");
  EXPECT_EQ(p->command, (Argv{"node", "server.js"}));
  EXPECT_EQ(p->health_path, "/healthz");
  EXPECT_TRUE(p->has_dependencies);
  EXPECT_EQ(p->dependencies_json, R"({"left-pad":"^1.3.0"})");
  EXPECT_EQ(p->node_version, "20.20.2");
  EXPECT_EQ(p->node_version_source, "node --version");
}

TEST(DetectProject, YarnPnpmAndNoLockfile) {
  Scratch yarn;
  yarn.Write("package.json", R"({"name":"y","main":"lib/index.js"})");
  yarn.Write("yarn.lock", "");
  auto y = Detect(yarn);
  ASSERT_TRUE(y.ok());
  EXPECT_EQ(y->manager, PackageManager::kYarn);
  EXPECT_EQ(y->lockfile, "yarn.lock");
  EXPECT_EQ(y->command, (Argv{"node", "lib/index.js"}));
  EXPECT_FALSE(y->has_dependencies);
  EXPECT_EQ(y->dependencies_json, "{}");

  Scratch pnpm;
  pnpm.Write("package.json", R"({"name":"p","scripts":{"start":"node a.js"}})");
  pnpm.Write("pnpm-lock.yaml", "lockfileVersion: '9.0'\n");
  auto p = Detect(pnpm);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->manager, PackageManager::kPnpm);
  EXPECT_EQ(PackageManagerName(p->manager), "pnpm");

  Scratch none;
  none.Write("package.json", R"({"name":"n","scripts":{"start":"node a.js"}})");
  auto n = Detect(none);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(n->manager, PackageManager::kNpm);
  EXPECT_EQ(n->lockfile, "");
}

TEST(DetectProject, StartCommandFallbacks) {
  Scratch shell;
  shell.Write("package.json", R"({"name":"s","scripts":{"start":"node a.js && node b.js"}})");
  EXPECT_EQ(Detect(shell)->command, (Argv{"/bin/sh", "-c", "node a.js && node b.js"}));

  Scratch index;
  index.Write("package.json", R"({"name":"i"})");
  index.Write("index.js", "");
  EXPECT_EQ(Detect(index)->command, (Argv{"node", "index.js"}));

  Scratch nothing;
  nothing.Write("package.json", R"({"name":"x","scripts":{"test":"jest"}})");
  auto p = Detect(nothing);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(p.status().message(), "no start command: add scripts.start or main to package.json");
}

TEST(DetectProject, NodeVersionFromEnginesThenNvmrc) {
  Scratch engines;
  engines.Write("package.json", R"({"name":"e","main":"a.js","engines":{"node":">=18 <21"}})");
  engines.Write(".nvmrc", "v16.0.0\n");
  auto e = Detect(engines);
  EXPECT_EQ(e->node_version, ">=18 <21");
  EXPECT_EQ(e->node_version_source, "engines.node");

  Scratch nvmrc;
  nvmrc.Write("package.json", R"({"name":"v","main":"a.js"})");
  nvmrc.Write(".nvmrc", "v18.19.1\n");
  auto v = Detect(nvmrc);
  EXPECT_EQ(v->node_version, "18.19.1");
  EXPECT_EQ(v->node_version_source, ".nvmrc");

  Scratch unknown;
  unknown.Write("package.json", R"({"name":"u","main":"a.js"})");
  auto u = DetectProject(unknown.path(), LocalNode{});
  ASSERT_FALSE(u.ok());
  EXPECT_EQ(u.status().code(), ErrorCode::kFailedPrecondition);
}

TEST(DetectProject, AppNameFallsBackToDirectory) {
  Scratch s;
  s.Write("my_App/package.json", R"({"main":"a.js"})");
  auto p = DetectProject(s / "my_App", kNode);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->app_name, "my-app");
  EXPECT_EQ(*AppNameForDir(s / "my_App"), "my-app");
  EXPECT_FALSE(AppNameForDir(s / "missing").ok());
}

TEST(DetectProject, HealthPathGetsALeadingSlash) {
  Scratch s;
  s.Write("package.json", R"({"name":"h","main":"a.js","aether":{"healthPath":"ready"}})");
  EXPECT_EQ(Detect(s)->health_path, "/ready");
}

}  // namespace
}  // namespace aether::cli
