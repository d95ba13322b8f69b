// ExitCodeFor: every documented exit code and the local/server distinction.
#include "aether/cli/exit_codes.h"

#include <gtest/gtest.h>

#include <set>

namespace aether::cli {
namespace {

TEST(ExitCodes, OkIsZero) {
  EXPECT_EQ(ExitCodeFor(ErrorCode::kOk, Origin::kServer), 0);
  EXPECT_EQ(ExitCodeFor(Outcome::Ok()), 0);
}

TEST(ExitCodes, UsageIsTwoWhateverTheCode) {
  EXPECT_EQ(ExitCodeFor(UsageFailure("bad flag")), 2);
  EXPECT_EQ(ExitCodeFor(ErrorCode::kInternal, Origin::kUsage), 2);
}

TEST(ExitCodes, LocalProblems) {
  EXPECT_EQ(ExitCodeFor(LocalFailure(FailedPrecondition("not logged in"))), 3);
  EXPECT_EQ(ExitCodeFor(ErrorCode::kNotFound, Origin::kLocal), 3);
  EXPECT_EQ(ExitCodeFor(ErrorCode::kInvalidArgument, Origin::kLocal), 3);
  EXPECT_EQ(ExitCodeFor(ErrorCode::kInternal, Origin::kLocal), 1);
  EXPECT_EQ(ExitCodeFor(ErrorCode::kAlreadyExists, Origin::kLocal), 3);  // an existing key file
}

TEST(ExitCodes, VerificationAndPolicyRefusalsAreEight) {
  for (ErrorCode c :
       {ErrorCode::kSignatureRequired, ErrorCode::kSignatureInvalid, ErrorCode::kSbomRequired,
        ErrorCode::kSbomInvalid, ErrorCode::kProvenanceRequired, ErrorCode::kProvenanceInvalid,
        ErrorCode::kPlatformMismatch}) {
    EXPECT_EQ(ExitCodeFor(c, Origin::kServer), 8) << ErrorCodeName(c);
    EXPECT_EQ(ExitCodeFor(c, Origin::kLocal), 8) << ErrorCodeName(c);
  }
}

TEST(ExitCodes, ServerAnswers) {
  EXPECT_EQ(ExitCodeFor(ErrorCode::kNotFound, Origin::kServer), 5);
  EXPECT_EQ(ExitCodeFor(ErrorCode::kInvalidArgument, Origin::kServer), 5);
  EXPECT_EQ(ExitCodeFor(ErrorCode::kFailedPrecondition, Origin::kServer), 5);
  EXPECT_EQ(ExitCodeFor(ErrorCode::kInternal, Origin::kServer), 5);
  EXPECT_EQ(ExitCodeFor(ErrorCode::kDigestMismatch, Origin::kServer), 5);
  EXPECT_EQ(ExitCodeFor(ErrorCode::kConflict, Origin::kServer), 5);
}

TEST(ExitCodes, NetworkAuthAndDeploy) {
  EXPECT_EQ(ExitCodeFor(ErrorCode::kUnavailable, Origin::kServer), 4);
  EXPECT_EQ(ExitCodeFor(ErrorCode::kTimeout, Origin::kServer), 4);
  EXPECT_EQ(ExitCodeFor(ErrorCode::kUnauthenticated, Origin::kServer), 7);
  EXPECT_EQ(ExitCodeFor(ErrorCode::kPermissionDenied, Origin::kServer), 7);
  EXPECT_EQ(ExitCodeFor(ErrorCode::kDeployFailed, Origin::kServer), 6);
  EXPECT_EQ(ExitCodeFor(ErrorCode::kDeployFailed, Origin::kLocal), 6);
}

TEST(ExitCodes, RateLimitedIsNine) {
  EXPECT_EQ(ExitCodeFor(ErrorCode::kRateLimited, Origin::kServer), 9);
}

TEST(ExitCodes, UntrustedCertificateIsTen) {
  EXPECT_EQ(ExitCodeFor(ErrorCode::kUntrustedCertificate, Origin::kServer), 10);
  EXPECT_EQ(ExitCodeFor(ErrorCode::kUntrustedCertificate, Origin::kLocal), 10);
}

TEST(ExitCodes, AllDistinct) {
  std::set<int> codes = {ExitCodeFor(ErrorCode::kInternal, Origin::kLocal),
                         ExitCodeFor(ErrorCode::kInvalidArgument, Origin::kUsage),
                         ExitCodeFor(ErrorCode::kFailedPrecondition, Origin::kLocal),
                         ExitCodeFor(ErrorCode::kUnavailable, Origin::kServer),
                         ExitCodeFor(ErrorCode::kNotFound, Origin::kServer),
                         ExitCodeFor(ErrorCode::kDeployFailed, Origin::kServer),
                         ExitCodeFor(ErrorCode::kUnauthenticated, Origin::kServer)};
  EXPECT_EQ(codes, (std::set<int>{1, 2, 3, 4, 5, 6, 7}));
}

}  // namespace
}  // namespace aether::cli
