// The BlobStore contract against the in-memory fake, and UrlSigner's checks.
#include "aether/blob/blob_contract.h"
#include "aether/blob/url_signer.h"

namespace aether {
namespace {

TEST(UrlSigner, AcceptsItsOwnSignatureOnly) {
  UrlSigner signer("key");
  std::string path = signer.SignedPath("PUT", "sha256:abc", 2000);
  auto sig = path.substr(path.find("signature=") + 10);
  EXPECT_TRUE(signer.Verify("PUT", "sha256:abc", "2000", sig, 1999).ok());
  EXPECT_EQ(signer.Verify("PUT", "sha256:abc", "2000", sig, 2001).code(),
            ErrorCode::kPermissionDenied);
  EXPECT_FALSE(signer.Verify("GET", "sha256:abc", "2000", sig, 1999).ok());
  EXPECT_FALSE(signer.Verify("PUT", "sha256:abd", "2000", sig, 1999).ok());
  EXPECT_FALSE(signer.Verify("PUT", "sha256:abc", "2001", sig, 1999).ok());
  EXPECT_FALSE(UrlSigner("other").Verify("PUT", "sha256:abc", "2000", sig, 1999).ok());
  EXPECT_FALSE(signer.Verify("PUT", "sha256:abc", "20x0", sig, 1999).ok());
  EXPECT_FALSE(signer.Verify("PUT", "sha256:abc", "2000", "", 1999).ok());
}

}  // namespace
}  // namespace aether

AETHER_BLOB_CONTRACT(Memory, [] { return aether::NewMemoryBlobStore(aether::UrlSigner("k")); });
