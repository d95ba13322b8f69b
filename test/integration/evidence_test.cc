// Integration: artifact evidence end to end on a real aetherd — public keys, signatures,
// SBOM and provenance checked at registration, each policy switch on and off, and a blob
// altered in the store after upload refused by the agent at start.
#include "aether/artifact/provenance.h"
#include "aether/artifact/signature.h"
#include "aether/crypto/ed25519.h"
#include "daemon_harness.h"

namespace aether {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

class EvidenceTest : public ::testing::Test, protected testing::DaemonHarness {
 protected:
  void SetUp() override { key_ = *crypto::GenerateEd25519(); }
  void TearDown() override { StopDaemon(); }

  // Creates `app`, registers key_ for it, and packs + uploads the sample app; returns the
  // manifest text and its digest.
  std::pair<std::string, Digest> Prepare(const std::string& app) {
    EXPECT_EQ(Call("POST", "/apps", json{{"name", app}}.dump()).status, 201);
    EXPECT_EQ(Call("POST", "/apps/" + app + "/public-keys",
                   json{{"public_key", key_.public_pem}, {"name", "test"}}.dump())
                  .status,
              201);
    std::string src = dir_ + "/src-" + app;
    fs::copy(std::string(AETHER_SOURCE_DIR) + "/examples/sample-node", src,
             fs::copy_options::recursive);
    auto layer = artifact::PackTree(src, artifact::IgnoreRules::WithDefaults(), src + ".tar.zst");
    EXPECT_TRUE(layer.ok());
    std::string digest = UploadFile(layer->path);
    artifact::Manifest m;
    m.app = app;
    m.layers.push_back(
        {*Digest::Parse(digest), layer->size, std::string(artifact::kLayerMediaType), "app"});
    m.command = {"node", "index.js"};
    m.health_path = "/ready";
    std::string text = artifact::SerializeManifest(m);
    return {text, crypto::Sha256Digest(text)};
  }

  std::string Signature(const Digest& d, const std::string& private_pem) {
    return artifact::SignatureJson(*artifact::SignArtifact(d, private_pem));
  }

  std::string Sbom(const Digest& d) {
    return json{{"bomFormat", "CycloneDX"},
                {"specVersion", "1.5"},
                {"version", 1},
                {"metadata",
                 {{"component",
                   {{"type", "application"},
                    {"name", "app"},
                    {"hashes", {{{"alg", "SHA-256"}, {"content", std::string(d.hex())}}}}}}}},
                {"components", json::array()}}
        .dump();
  }

  std::string Provenance(const Digest& d, const std::string& private_pem) {
    artifact::ProvenanceInput in;
    in.artifact = d;
    in.app = "app";
    in.builder_version = "test";
    return *artifact::SignProvenance(in, private_pem);
  }

  http::Response Register(const std::string& app, const std::string& manifest,
                          const std::string& signature, const std::string& sbom,
                          const std::string& provenance) {
    json body{{"manifest", manifest}, {"digest", crypto::Sha256Digest(manifest).str()}};
    if (!signature.empty()) body["signature"] = json::parse(signature);
    if (!sbom.empty()) body["sbom"] = json::parse(sbom);
    if (!provenance.empty()) body["provenance"] = json::parse(provenance);
    return Call("POST", "/apps/" + app + "/artifacts", body.dump());
  }

  // This machine's architecture in Node's words, as aetherd's probe of `node` reports it.
  static std::string NodeArch() {
    std::string arch;
    FILE* p = ::popen("node -p process.arch", "r");
    char buf[64] = {};
    if (p != nullptr && std::fgets(buf, sizeof buf, p) != nullptr) arch = buf;
    if (p != nullptr) ::pclose(p);
    while (!arch.empty() && arch.back() == '\n') arch.pop_back();
    return arch;
  }

  static std::string Code(const http::Response& r) {
    return json::parse(r.body, nullptr, false).value("code", "");
  }

  crypto::Ed25519KeyPair key_;
};

TEST_F(EvidenceTest, PublicKeysAreRegisteredListedAndDeactivated) {
  StartDaemon();
  ASSERT_EQ(Call("POST", "/apps", R"({"name":"keys"})").status, 201);
  auto made = Call("POST", "/apps/keys/public-keys",
                   json{{"public_key", key_.public_pem}, {"name", "laptop"}}.dump());
  ASSERT_EQ(made.status, 201) << made.body;
  std::string id = Json(made)["id"];
  EXPECT_EQ(id, *crypto::Ed25519KeyId(key_.public_pem));
  EXPECT_TRUE(Json(made)["active"].get<bool>());
  EXPECT_EQ(
      Call("POST", "/apps/keys/public-keys", json{{"public_key", key_.public_pem}}.dump()).status,
      409);
  auto priv = Call("POST", "/apps/keys/public-keys", json{{"public_key", key_.private_pem}}.dump());
  EXPECT_EQ(priv.status, 400);
  EXPECT_NE(priv.body.find("private key"), std::string::npos) << priv.body;
  EXPECT_EQ(Call("POST", "/apps/keys/public-keys", R"({"public_key":"nope"})").status, 400);
  EXPECT_EQ(
      Call("POST", "/apps/ghost/public-keys", json{{"public_key", key_.public_pem}}.dump()).status,
      404);
  EXPECT_EQ(Call("POST", "/apps/keys/public-keys", json{{"public_key", key_.public_pem}}.dump(),
                 AgentToken())
                .status,
            403);
  auto listed = Json(Call("GET", "/apps/keys/public-keys", "", AgentToken()));
  ASSERT_EQ(listed["keys"].size(), 1u);
  EXPECT_EQ(listed["keys"][0]["name"], "laptop");
  auto off = Call("DELETE", "/apps/keys/public-keys/" + http::PercentEncode(id));
  ASSERT_EQ(off.status, 200) << off.body;
  EXPECT_FALSE(Json(off)["active"].get<bool>());
  EXPECT_FALSE(Json(Call("GET", "/apps/keys/public-keys"))["keys"][0]["active"].get<bool>());
  EXPECT_EQ(Call("DELETE", "/apps/keys/public-keys/sha256%3Anope").status, 400);  // not a key id
  EXPECT_EQ(Call("DELETE", "/apps/keys/public-keys/sha256%3A" + std::string(64, 'b')).status, 404);
}

TEST_F(EvidenceTest, SignatureSbomAndProvenanceAreVerifiedAndServed) {
  StartDaemon();
  auto [manifest, digest] = Prepare("signed");
  auto foreign = *crypto::GenerateEd25519();

  auto wrong_key = Register("signed", manifest, Signature(digest, foreign.private_pem), "", "");
  EXPECT_EQ(wrong_key.status, 422);
  EXPECT_EQ(Code(wrong_key), "signature_invalid");
  EXPECT_NE(wrong_key.body.find("not registered"), std::string::npos) << wrong_key.body;
  Digest other = crypto::Sha256Digest("another manifest");
  auto wrong_digest = Register("signed", manifest, Signature(other, key_.private_pem), "", "");
  EXPECT_EQ(Code(wrong_digest), "signature_invalid");
  auto bad_sbom = Register("signed", manifest, "", Sbom(other), "");
  EXPECT_EQ(bad_sbom.status, 422);
  EXPECT_EQ(Code(bad_sbom), "sbom_invalid");
  auto bad_prov = Register("signed", manifest, "", "", Provenance(other, key_.private_pem));
  EXPECT_EQ(Code(bad_prov), "provenance_invalid");
  auto forged_prov = Register("signed", manifest, "", "", Provenance(digest, foreign.private_pem));
  EXPECT_EQ(forged_prov.status, 201) << "unverifiable provenance is kept, marked unverified";
  EXPECT_FALSE(Json(forged_prov)["provenance_verified"].get<bool>());
  EXPECT_EQ(Call("GET", "/artifacts/" + digest.str() + "/signature").status, 404);

  json altered{{"manifest", manifest + " "}, {"digest", digest.str()}};
  auto in_transit = Call("POST", "/apps/signed/artifacts", altered.dump());
  EXPECT_EQ(in_transit.status, 422) << in_transit.body;
  EXPECT_EQ(Code(in_transit), "digest_mismatch");

  auto ok = Register("signed", manifest, Signature(digest, key_.private_pem), Sbom(digest),
                     Provenance(digest, key_.private_pem));
  ASSERT_EQ(ok.status, 201) << ok.body;
  json rec = Json(ok);
  EXPECT_EQ(rec["digest"], digest.str());
  EXPECT_TRUE(rec["verified"].get<bool>());
  EXPECT_EQ(rec["signed_by"], *crypto::Ed25519KeyId(key_.public_pem));
  EXPECT_TRUE(rec["sbom"].get<bool>());
  EXPECT_TRUE(rec["provenance_verified"].get<bool>());

  auto meta = Call("GET", "/artifacts/" + digest.str(), "", AgentToken());
  ASSERT_EQ(meta.status, 200);
  EXPECT_TRUE(Json(meta)["verified"].get<bool>());
  EXPECT_EQ(Json(meta)["layers"].size(), 1u);
  auto sig = Call("GET", "/artifacts/" + digest.str() + "/signature");
  ASSERT_EQ(sig.status, 200);
  EXPECT_EQ(artifact::ParseSignature(sig.body)->digest, digest.str());
  EXPECT_EQ(Json(Call("GET", "/artifacts/" + digest.str() + "/sbom"))["bomFormat"], "CycloneDX");
  auto prov = Call("GET", "/artifacts/" + digest.str() + "/provenance");
  EXPECT_TRUE(artifact::VerifyProvenance(prov.body, digest, key_.public_pem).ok());
  EXPECT_EQ(Call("GET", "/artifacts/" + other.str()).status, 404);

  // A deactivated key signs nothing new.
  std::string id = *crypto::Ed25519KeyId(key_.public_pem);
  ASSERT_EQ(Call("DELETE", "/apps/signed/public-keys/" + http::PercentEncode(id)).status, 200);
  auto stale = Register("signed", manifest, Signature(digest, key_.private_pem), "", "");
  EXPECT_EQ(Code(stale), "signature_invalid");
  EXPECT_NE(stale.body.find("deactivated"), std::string::npos) << stale.body;
}

// Each switch refuses what is missing when on, and lets it through when off.
TEST_F(EvidenceTest, PolicySwitchesRequireWhatTheyName) {
  struct Case {
    const char* name;
    bool ArtifactPolicy::*flag;
    const char* code;
    bool signature, sbom, provenance;  // which piece satisfies the switch
  };
  for (const Case& c :
       {Case{"sig", &ArtifactPolicy::require_signature, "signature_required", true, false, false},
        Case{"sbom", &ArtifactPolicy::require_sbom, "sbom_required", false, true, false},
        Case{"prov", &ArtifactPolicy::require_provenance, "provenance_required", false, false,
             true}}) {
    SCOPED_TRACE(c.name);
    for (bool on : {false, true}) {
      ArtifactPolicy policy;
      policy.*c.flag = on;
      StartDaemon(policy);
      auto [manifest, digest] = Prepare(std::string("p-") + c.name);
      auto bare = Register(std::string("p-") + c.name, manifest, "", "", "");
      if (on) {
        EXPECT_EQ(bare.status, 422) << bare.body;
        EXPECT_EQ(Code(bare), c.code);
      } else {
        EXPECT_EQ(bare.status, 201) << bare.body;
      }
      auto full = Register(std::string("p-") + c.name, manifest,
                           c.signature ? Signature(digest, key_.private_pem) : "",
                           c.sbom ? Sbom(digest) : "",
                           c.provenance ? Provenance(digest, key_.private_pem) : "");
      EXPECT_EQ(full.status, 201) << full.body;
      if (on && c.provenance) {
        // Required provenance must verify: one signed by an unknown key is refused.
        auto foreign = *crypto::GenerateEd25519();
        auto unverified = Register(std::string("p-") + c.name, manifest, "", "",
                                   Provenance(digest, foreign.private_pem));
        EXPECT_EQ(Code(unverified), "provenance_invalid");
      }
      StopDaemon();
    }
  }
}

// Native addons must be built for the platform the runtime runs (aetherd probes its node).
TEST_F(EvidenceTest, NativeAddonsBuiltForAnotherPlatformAreRefused) {
  StartDaemon();
  auto [manifest, digest] = Prepare("native");
  auto m = *artifact::ParseManifest(manifest);
  artifact::NativeAddon addon;
  addon.path = "node_modules/fsevents/fsevents.node";
  addon.os = "darwin";
  addon.arch = "arm64";
  addon.napi = true;
  m.native_addons.push_back(addon);
  auto refused = Register("native", artifact::SerializeManifest(m), "", "", "");
  EXPECT_EQ(refused.status, 422) << refused.body;
  EXPECT_EQ(Code(refused), "platform_mismatch");
  EXPECT_NE(refused.body.find("fsevents.node"), std::string::npos) << refused.body;

  m.native_addons[0].os = "linux";  // the runtime's own platform (this machine's node)
  m.native_addons[0].arch = NodeArch();
  auto accepted = Register("native", artifact::SerializeManifest(m), "", "", "");
  EXPECT_EQ(accepted.status, 201) << accepted.body;
}

// The agent re-hashes every layer before unpacking: a stored blob altered after upload fails
// the start, and with signatures required a key deactivated since registration does too.
TEST_F(EvidenceTest, TamperedBlobOrRevokedKeyIsRefusedAtStart) {
  ArtifactPolicy policy;
  policy.require_signature = true;
  StartDaemon(policy);
  auto [manifest, digest] = Prepare("tamper");
  ASSERT_EQ(Register("tamper", manifest, Signature(digest, key_.private_pem), "", "").status, 201);
  json first = Deploy("tamper", digest.str());
  ASSERT_EQ(first["status"], "running") << first.dump();

  auto m = artifact::ParseManifest(manifest);
  std::string blob = dir_ + "/data/blobs/sha256/" + std::string(m->layers[0].digest.hex());
  {
    std::fstream f(blob, std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(40);
    char c = 0;
    f.get(c);
    f.seekp(40);
    f.put(static_cast<char>(c ^ 0x01));
  }
  fs::remove_all(dir_ + "/data/cache/layers");  // as on a fresh node
  json tampered = Deploy("tamper", digest.str());
  EXPECT_EQ(tampered["status"], "failed");
  EXPECT_NE(tampered["reason"].get<std::string>().find("digest mismatch"), std::string::npos)
      << tampered["reason"];
  json events = Json(Call("GET", "/deployments/" + tampered["id"].get<std::string>() + "/events"));
  ASSERT_FALSE(events["events"].empty()) << events.dump();
  EXPECT_EQ(events["events"][0]["type"], "created");
  const json& last = events["events"].back();
  EXPECT_EQ(last["type"], "failed");
  EXPECT_NE(last["message"].get<std::string>().find("digest mismatch"), std::string::npos)
      << last.dump();

  std::string id = *crypto::Ed25519KeyId(key_.public_pem);
  ASSERT_EQ(Call("DELETE", "/apps/tamper/public-keys/" + http::PercentEncode(id)).status, 200);
  json revoked = Deploy("tamper", digest.str());
  EXPECT_EQ(revoked["status"], "failed");
  EXPECT_NE(revoked["reason"].get<std::string>().find("not an active key"), std::string::npos)
      << revoked["reason"];
}

}  // namespace
}  // namespace aether
