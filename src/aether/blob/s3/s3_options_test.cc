// S3Options from the environment and the shared credentials file; the S3 XML documents.
#include "aether/blob/s3/s3_options.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "aether/blob/s3/s3_xml.h"

namespace aether::s3 {
namespace {

Result<S3Options> From(std::map<std::string, std::string> env) {
  return OptionsFromEnvironment([&env](const char* name) -> const char* {
    auto it = env.find(name);
    return it == env.end() ? nullptr : it->second.c_str();
  });
}

TEST(S3Options, DefaultsToAwsVirtualHostInTheRegion) {
  auto o = From({{"AETHER_ARTIFACT_BUCKET", "b"},
                 {"AWS_REGION", "eu-west-1"},
                 {"AWS_ACCESS_KEY_ID", "AK"},
                 {"AWS_SECRET_ACCESS_KEY", "SK"},
                 {"AWS_SESSION_TOKEN", "T"}});
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  EXPECT_EQ(o->endpoint, "https://s3.eu-west-1.amazonaws.com");
  EXPECT_FALSE(o->path_style);
  EXPECT_EQ(o->credentials.session_token, "T");
  EXPECT_EQ(o->sse, "");
}

TEST(S3Options, CustomEndpointIsPathStyleWithPrefixAndEncryption) {
  auto o = From({{"AETHER_ARTIFACT_BUCKET", "b"},
                 {"AETHER_S3_ENDPOINT_URL", "http://127.0.0.1:9000/"},
                 {"AETHER_S3_PREFIX", "/team/aether"},
                 {"AETHER_S3_SSE", "aws:kms"},
                 {"AETHER_S3_SSE_KMS_KEY_ID", "key-1"},
                 {"AETHER_S3_VERIFY_MAX_BYTES", "1M"},
                 {"AWS_ACCESS_KEY_ID", "AK"},
                 {"AWS_SECRET_ACCESS_KEY", "SK"}});
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  EXPECT_EQ(o->endpoint, "http://127.0.0.1:9000");
  EXPECT_TRUE(o->path_style);
  EXPECT_EQ(o->prefix, "team/aether/");
  EXPECT_EQ(o->kms_key_id, "key-1");
  EXPECT_EQ(o->verify_max_bytes, 1 << 20);
  EXPECT_EQ(o->region, "us-east-1");
}

TEST(S3Options, BadSettingsNameTheVariable) {
  std::map<std::string, std::string> base{{"AETHER_ARTIFACT_BUCKET", "b"},
                                          {"AWS_ACCESS_KEY_ID", "AK"},
                                          {"AWS_SECRET_ACCESS_KEY", "SK"}};
  auto with = [&](std::string k, std::string v) {
    auto env = base;
    env[k] = v;
    return From(env).status().message();
  };
  EXPECT_NE(with("AETHER_S3_SSE", "DES").find("AETHER_S3_SSE"), std::string::npos);
  EXPECT_NE(with("AETHER_S3_PATH_STYLE", "maybe").find("AETHER_S3_PATH_STYLE"), std::string::npos);
  EXPECT_NE(with("AETHER_S3_ENDPOINT_URL", "ftp://x").find("http"), std::string::npos);
  EXPECT_NE(with("AETHER_S3_SSE_KMS_KEY_ID", "k").find("aws:kms"), std::string::npos);
  EXPECT_NE(with("AWS_SECRET_ACCESS_KEY", "").find("both"), std::string::npos);
  EXPECT_NE(From({}).status().message().find("AETHER_ARTIFACT_BUCKET"), std::string::npos);
}

TEST(S3Options, CredentialsComeFromTheProfileOfTheSharedFile) {
  auto path = std::filesystem::temp_directory_path() / "aether-s3-credentials-test";
  std::ofstream(path) << "# comment\n[default]\naws_access_key_id = DEF\naws_secret_access_key=DS\n"
                         "[ci]\naws_access_key_id=CI\naws_secret_access_key = CS\n"
                         "aws_session_token = TOK\n[broken]\naws_access_key_id=X\n";
  auto o = From({{"AETHER_ARTIFACT_BUCKET", "b"},
                 {"AWS_SHARED_CREDENTIALS_FILE", path.string()},
                 {"AWS_PROFILE", "ci"}});
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  EXPECT_EQ(o->credentials.access_key, "CI");
  EXPECT_EQ(o->credentials.secret_key, "CS");
  EXPECT_EQ(o->credentials.session_token, "TOK");
  EXPECT_EQ(CredentialsFromFile(path.string(), "default")->access_key, "DEF");
  EXPECT_EQ(CredentialsFromFile(path.string(), "broken").status().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(CredentialsFromFile(path.string(), "nope").status().code(), ErrorCode::kNotFound);
  auto missing = From({{"AETHER_ARTIFACT_BUCKET", "b"},
                       {"AWS_SHARED_CREDENTIALS_FILE", path.string() + ".missing"}});
  EXPECT_NE(missing.status().message().find("AWS_ACCESS_KEY_ID"), std::string::npos);
  std::filesystem::remove(path);
}

TEST(S3Xml, ErrorsListsAndCompleteBody) {
  auto err = ParseError(
      "<?xml version=\"1.0\"?><Error><Code>NoSuchBucket</Code><Message>gone</Message></Error>");
  ASSERT_TRUE(err.has_value());
  EXPECT_EQ(err->code, "NoSuchBucket");
  EXPECT_FALSE(ParseError("<ListBucketResult/>").has_value());
  EXPECT_FALSE(ParseError("not xml").has_value());
  auto parts = ParseListParts(
      "<ListPartsResult><IsTruncated>true</IsTruncated><NextPartNumberMarker>2"
      "</NextPartNumberMarker><Part><PartNumber>2</PartNumber><ETag>\"e2\"</ETag><Size>5</Size>"
      "</Part></ListPartsResult>");
  ASSERT_TRUE(parts.ok());
  EXPECT_EQ(parts->parts.at(0).etag, "e2");
  EXPECT_TRUE(parts->truncated);
  auto objects = ParseListObjects(
      "<ListBucketResult><Contents><Key>uploads/a</Key><LastModified>2026-11-28T03:23:12.000Z"
      "</LastModified><Size>3</Size></Contents></ListBucketResult>");
  ASSERT_TRUE(objects.ok());
  EXPECT_EQ(objects->objects.at(0).modified, 1795836192);
  EXPECT_EQ(ParseUploadId("<Other/>").status().code(), ErrorCode::kUnavailable);
  EXPECT_EQ(CompleteMultipartXml({{1, "a&b"}}),
            "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>\"a&amp;b\"</ETag>"
            "</Part></CompleteMultipartUpload>");
  EXPECT_EQ(ParseIsoTime("garbage"), -1);
}

}  // namespace
}  // namespace aether::s3
