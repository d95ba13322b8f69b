// S3Options: where the S3 blob store keeps artifacts and how it signs, from the standard AWS
// variables plus AETHER_* ones (see docs/storage.md). Plain data.
#pragma once

#include <functional>
#include <string>

#include "aether/blob/s3/sigv4.h"
#include "aether/core/status.h"

namespace aether::s3 {

struct S3Options {
  std::string endpoint;  // "https://s3.eu-west-1.amazonaws.com", "http://127.0.0.1:9000"
  std::string region = "us-east-1";
  std::string bucket;
  std::string prefix;       // key prefix ("aether/"), "" for the bucket root
  bool path_style = true;   // https://host/bucket/key (else https://bucket.host/key)
  Credentials credentials;  // static or temporary (session token)
  std::string sse;          // "", "AES256" or "aws:kms"
  std::string kms_key_id;   // with aws:kms; "" uses the bucket's default key
  // `complete` re-hashes staged objects up to this size (bytes); larger ones are checked by
  // size and their x-amz-meta-sha256 only.
  long long verify_max_bytes = 64LL << 20;
  int max_attempts = 4;  // per request, on 5xx, throttling and transport errors
  std::string ca_file;   // extra CA bundle for the endpoint
};

using Getenv = std::function<const char*(const char*)>;

// Reads AETHER_ARTIFACT_BUCKET (required), AETHER_S3_ENDPOINT_URL (default: AWS in the
// region), AWS_REGION / AWS_DEFAULT_REGION, AETHER_S3_PATH_STYLE (true|false; default true
// with a custom endpoint, false on AWS), AETHER_S3_PREFIX, AETHER_S3_SSE (AES256|aws:kms),
// AETHER_S3_SSE_KMS_KEY_ID, AETHER_S3_VERIFY_MAX_BYTES, AETHER_S3_CA_FILE and the credentials:
// AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN, else the profile
// AWS_PROFILE (default "default") of AWS_SHARED_CREDENTIALS_FILE (default ~/.aws/credentials).
// kInvalidArgument names the variable that is wrong or missing.
Result<S3Options> OptionsFromEnvironment(const Getenv& getenv);

// The [profile] section of an AWS shared credentials file (INI). kNotFound when the file or
// the profile is missing; kInvalidArgument when the keys are incomplete.
Result<Credentials> CredentialsFromFile(const std::string& path, const std::string& profile);

}  // namespace aether::s3
