// Kubeconfig and in-cluster configuration: contexts, auth kinds, CA sources, refusals.
#include "aether/kube/config.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>

namespace aether::kube {
namespace {

namespace fs = std::filesystem;

class KubeConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) / ("kubeconfig-" + std::to_string(getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string Write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name) << text;
    return (dir_ / name).string();
  }
  fs::path dir_;
};

// "CA-PEM" / "CERT" / "KEY" base64-encoded.
constexpr char kTwoContexts[] = R"(apiVersion: v1
kind: Config
current-context: token-ctx
clusters:
- name: c1
  cluster:
    server: https://10.0.0.1:6443
    certificate-authority-data: Q0EtUEVN
- name: c2
  cluster:
    server: https://10.0.0.2:6443
    certificate-authority: ca.crt
contexts:
- name: token-ctx
  context: {cluster: c1, user: tok, namespace: apps}
- name: cert-ctx
  context: {cluster: c2, user: cert}
users:
- name: tok
  user: {token: s3cr3t}
- name: cert
  user:
    client-certificate-data: Q0VSVA==
    client-key: client.key
)";

TEST_F(KubeConfigTest, CurrentContextWithTokenAndInlineCa) {
  auto c = LoadKubeconfig(Write("config", kTwoContexts));
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->server, "https://10.0.0.1:6443");
  EXPECT_EQ(c->ca_pem, "CA-PEM");
  EXPECT_EQ(c->token, "s3cr3t");
  EXPECT_EQ(c->ns, "apps");
  EXPECT_EQ(*BearerToken(*c), "s3cr3t");
}

TEST_F(KubeConfigTest, NamedContextWithClientCertificateAndRelativeFiles) {
  Write("ca.crt", "FILE-CA");
  Write("client.key", "FILE-KEY");
  auto c = LoadKubeconfig(Write("config", kTwoContexts), "cert-ctx");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->server, "https://10.0.0.2:6443");
  EXPECT_EQ(c->ca_pem, "FILE-CA");
  EXPECT_EQ(c->client_cert_pem, "CERT");
  EXPECT_EQ(c->client_key_pem, "FILE-KEY");
  EXPECT_EQ(c->token, "");
  EXPECT_EQ(c->ns, "");
}

TEST_F(KubeConfigTest, RefusesInsecureUnknownContextAndHalfACertificate) {
  std::string insecure = kTwoContexts;
  insecure.replace(insecure.find("certificate-authority-data: Q0EtUEVN"),
                   std::string("certificate-authority-data: Q0EtUEVN").size(),
                   "insecure-skip-tls-verify: true");
  auto c = LoadKubeconfig(Write("insecure", insecure));
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("insecure-skip-tls-verify"), std::string::npos);

  c = LoadKubeconfig(Write("config", kTwoContexts), "nope");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("no context nope"), std::string::npos);

  Write("ca.crt", "FILE-CA");
  c = LoadKubeconfig(Write("config", kTwoContexts), "cert-ctx");  // client.key is missing
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("client-key"), std::string::npos);

  c = LoadKubeconfig(Write("bad", "clusters: [oops"));
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), ErrorCode::kInvalidArgument);

  c = LoadKubeconfig((dir_ / "missing").string());
  ASSERT_FALSE(c.ok());
}

TEST_F(KubeConfigTest, InClusterReadsTheServiceAccountMountAndRereadsTheToken) {
  Write("token", "tok-1\n");
  Write("ca.crt", "SA-CA");
  Write("namespace", "aether-apps\n");
  std::map<std::string, std::string> env = {{"KUBERNETES_SERVICE_HOST", "10.96.0.1"},
                                            {"KUBERNETES_SERVICE_PORT", "443"}};
  auto getenv = [&env](const char* name) -> const char* {
    auto it = env.find(name);
    return it == env.end() ? nullptr : it->second.c_str();
  };
  auto c = LoadInCluster(getenv, dir_.string());
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->server, "https://10.96.0.1:443");
  EXPECT_EQ(c->ca_pem, "SA-CA");
  EXPECT_EQ(c->ns, "aether-apps");
  EXPECT_EQ(*BearerToken(*c), "tok-1");
  Write("token", "tok-2");  // a rotated bound token
  EXPECT_EQ(*BearerToken(*c), "tok-2");

  // LoadConfig: an explicit kubeconfig wins over in-cluster; in-cluster over $KUBECONFIG.
  env["KUBECONFIG"] = Write("config", kTwoContexts);
  auto chosen = LoadConfig("", "", getenv);
  ASSERT_FALSE(chosen.ok());  // in-cluster, but the default mount does not exist here
  env.erase("KUBERNETES_SERVICE_HOST");
  chosen = LoadConfig("", "", getenv);
  ASSERT_TRUE(chosen.ok()) << chosen.status().ToString();
  EXPECT_EQ(chosen->server, "https://10.0.0.1:6443");

  env.clear();
  chosen = LoadConfig("", "", getenv);
  ASSERT_FALSE(chosen.ok());
  EXPECT_NE(chosen.status().message().find("no Kubernetes configuration"), std::string::npos);
}

}  // namespace
}  // namespace aether::kube
