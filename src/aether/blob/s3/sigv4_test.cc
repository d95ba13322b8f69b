// SigV4 against AWS's published vectors: the generic test suite (aws-sig-v4-test-suite, service
// "service", 2015-08-30) and the S3 examples of the S3 API reference (examplebucket,
// 2013-05-24): header auth for GET/PUT/list, and a presigned GET.
#include "aether/blob/s3/sigv4.h"

#include <gtest/gtest.h>

namespace aether::s3 {
namespace {

// aws-sig-v4-test-suite credentials and time.
constexpr char kSuiteSecret[] = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
constexpr char kSuiteDate[] = "20150830T123600Z";
const Scope kSuiteScope{"20150830", "us-east-1", "service"};

std::string SuiteSignature(SignedRequest r) {
  r.payload_hash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
  return Signature(kSuiteSecret, kSuiteScope,
                   StringToSign(kSuiteDate, kSuiteScope, CanonicalRequest(r)));
}

const Pairs kSuiteHeaders{{"Host", "example.amazonaws.com"}, {"X-Amz-Date", kSuiteDate}};

TEST(SigV4Suite, GetVanilla) {
  SignedRequest r{"GET", "/", {}, kSuiteHeaders, ""};
  EXPECT_EQ(SuiteSignature(r), "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
}

TEST(SigV4Suite, GetVanillaQueryOrderKeyCase) {
  SignedRequest r{"GET", "/", {{"Param2", "value2"}, {"Param1", "value1"}}, kSuiteHeaders, ""};
  EXPECT_EQ(SuiteSignature(r), "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500");
}

TEST(SigV4Suite, PostVanilla) {
  SignedRequest r{"POST", "/", {}, kSuiteHeaders, ""};
  EXPECT_EQ(SuiteSignature(r), "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b");
}

TEST(SigV4Suite, GetHeaderKeyDuplicate) {
  Pairs h = kSuiteHeaders;
  h.insert(h.end(), {{"My-Header1", "value2"}, {"My-Header1", "value2"}, {"My-Header1", "value1"}});
  SignedRequest r{"GET", "/", {}, h, ""};
  EXPECT_EQ(SignedHeaderNames(r.headers), "host;my-header1;x-amz-date");
  EXPECT_EQ(SuiteSignature(r), "c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea");
}

TEST(SigV4Suite, GetHeaderValueTrim) {
  Pairs h = kSuiteHeaders;
  h.insert(h.end(), {{"My-Header1", " value1"}, {"My-Header2", " \"a   b   c\""}});
  SignedRequest r{"GET", "/", {}, h, ""};
  EXPECT_NE(CanonicalRequest(r).find("my-header2:\"a b c\"\n"), std::string::npos);
  EXPECT_EQ(SuiteSignature(r), "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736");
}

TEST(SigV4Suite, CanonicalRequestOfGetVanilla) {
  SignedRequest r{"GET",
                  "/",
                  {},
                  kSuiteHeaders,
                  "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"};
  EXPECT_EQ(CanonicalRequest(r),
            "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n"
            "host;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(StringToSign(kSuiteDate, kSuiteScope, CanonicalRequest(r)),
            "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n"
            "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63");
}

// The S3 API reference examples: examplebucket, 2013-05-24, us-east-1.
const Credentials kS3Keys{"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", ""};
constexpr long long k20130524 = 1369353600;  // 2013-05-24T00:00:00Z
constexpr char kEmptyHash[] = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

TEST(SigV4S3, AmzDate) {
  EXPECT_EQ(AmzDate(k20130524), "20130524T000000Z");
  // Found by sigv4_fuzz: a far-off time overflowed the 20-byte buffer (strftime wrote nothing).
  EXPECT_EQ(AmzDate(253402300800LL), "100000101T000000Z");
  EXPECT_EQ(AmzDate(0x7fffffffffffffffLL), "");
}

TEST(SigV4S3, GetObjectWithRange) {
  SignedRequest r{"GET",
                  "/test.txt",
                  {},
                  {{"Host", "examplebucket.s3.amazonaws.com"}, {"Range", "bytes=0-9"}},
                  kEmptyHash};
  EXPECT_EQ(AuthorizationHeader(r, kS3Keys, "us-east-1", k20130524),
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
            "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
            "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
}

TEST(SigV4S3, PutObject) {
  SignedRequest r{"PUT",
                  "/" + UriEncode("test$file.text", true),
                  {},
                  {{"Host", "examplebucket.s3.amazonaws.com"},
                   {"Date", "Fri, 24 May 2013 00:00:00 GMT"},
                   {"x-amz-storage-class", "REDUCED_REDUNDANCY"}},
                  "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072"};
  EXPECT_EQ(r.path, "/test%24file.text");
  std::string auth = AuthorizationHeader(r, kS3Keys, "us-east-1", k20130524);
  EXPECT_NE(auth.find("SignedHeaders=date;host;x-amz-content-sha256;x-amz-date;"
                      "x-amz-storage-class, "),
            std::string::npos)
      << auth;
  EXPECT_TRUE(
      auth.ends_with("Signature=98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd"))
      << auth;
}

TEST(SigV4S3, GetBucketLifecycle) {
  SignedRequest r{
      "GET", "/", {{"lifecycle", ""}}, {{"Host", "examplebucket.s3.amazonaws.com"}}, kEmptyHash};
  EXPECT_TRUE(AuthorizationHeader(r, kS3Keys, "us-east-1", k20130524)
                  .ends_with("fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543"));
}

TEST(SigV4S3, ListObjects) {
  SignedRequest r{"GET",
                  "/",
                  {{"max-keys", "2"}, {"prefix", "J"}},
                  {{"Host", "examplebucket.s3.amazonaws.com"}},
                  kEmptyHash};
  EXPECT_TRUE(AuthorizationHeader(r, kS3Keys, "us-east-1", k20130524)
                  .ends_with("34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7"));
}

TEST(SigV4S3, PresignedGet) {
  SignedRequest r{"GET", "/test.txt", {}, {{"Host", "examplebucket.s3.amazonaws.com"}}, ""};
  std::string query = Presign(r, kS3Keys, "us-east-1", k20130524, 86400);
  EXPECT_EQ(query,
            "X-Amz-Algorithm=AWS4-HMAC-SHA256"
            "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request"
            "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host"
            "&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404");
}

TEST(SigV4S3, SessionTokenIsSignedInBothForms) {
  Credentials temp = kS3Keys;
  temp.session_token = "token/with+chars";
  SignedRequest header{"GET", "/k", {}, {{"host", "h"}}, kEmptyHash};
  std::string auth = AuthorizationHeader(header, temp, "us-east-1", k20130524);
  EXPECT_NE(auth.find(";x-amz-security-token,"), std::string::npos) << auth;
  SignedRequest query{"GET", "/k", {}, {{"host", "h"}}, ""};
  EXPECT_NE(Presign(query, temp, "us-east-1", k20130524, 60)
                .find("X-Amz-Security-Token=token%2Fwith%2Bchars&"),
            std::string::npos);
}

TEST(SigV4S3, UriEncodeKeepsUnreservedAndOptionallySlash) {
  EXPECT_EQ(UriEncode("a b+c/d~e_é"), "a%20b%2Bc%2Fd~e_%C3%A9");
  EXPECT_EQ(UriEncode("cas/sha256/ab", true), "cas/sha256/ab");
}

}  // namespace
}  // namespace aether::s3
