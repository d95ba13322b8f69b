// S3Options from the environment and the AWS shared credentials file.
#include "aether/blob/s3/s3_options.h"

#include <fstream>

#include "aether/core/names.h"

namespace aether::s3 {
namespace {

std::string Trim(std::string_view s) {
  const auto* ws = " \t\r\n";
  auto b = s.find_first_not_of(ws);
  if (b == std::string_view::npos) return "";
  return std::string(s.substr(b, s.find_last_not_of(ws) - b + 1));
}

std::string Env(const Getenv& getenv, const char* name) {
  const char* v = getenv(name);
  return v != nullptr ? Trim(v) : "";
}

Result<bool> ParseBool(const char* name, const std::string& v) {
  if (v == "true" || v == "1" || v == "yes") return true;
  if (v == "false" || v == "0" || v == "no") return false;
  return InvalidArgument(std::string(name) + " must be true or false, not '" + v + "'");
}

Result<Credentials> CredentialsFrom(const Getenv& getenv) {
  Credentials c{Env(getenv, "AWS_ACCESS_KEY_ID"), Env(getenv, "AWS_SECRET_ACCESS_KEY"),
                Env(getenv, "AWS_SESSION_TOKEN")};
  if (!c.access_key.empty() || !c.secret_key.empty()) {
    if (c.access_key.empty() || c.secret_key.empty()) {
      return InvalidArgument(
          "set both AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or neither (to use a "
          "credentials file)");
    }
    return c;
  }
  std::string file = Env(getenv, "AWS_SHARED_CREDENTIALS_FILE");
  if (file.empty()) {
    std::string home = Env(getenv, "HOME");
    if (home.empty()) {
      return InvalidArgument("no S3 credentials: set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY");
    }
    file = home + "/.aws/credentials";
  }
  std::string profile = Env(getenv, "AWS_PROFILE");
  auto from_file = CredentialsFromFile(file, profile.empty() ? "default" : profile);
  if (!from_file.ok() && from_file.status().code() == ErrorCode::kNotFound) {
    return InvalidArgument("no S3 credentials: set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (" +
                           from_file.status().message() + ")");
  }
  return from_file;
}

}  // namespace

Result<Credentials> CredentialsFromFile(const std::string& path, const std::string& profile) {
  std::ifstream in(path);
  if (!in) return NotFound("no credentials file " + path);
  Credentials c;
  bool found = false;
  bool inside = false;
  for (std::string line; std::getline(in, line);) {
    std::string t = Trim(line);
    if (t.empty() || t[0] == '#' || t[0] == ';') continue;
    if (t.front() == '[' && t.back() == ']') {
      std::string name = Trim(std::string_view(t).substr(1, t.size() - 2));
      if (name.starts_with("profile ")) name = Trim(std::string_view(name).substr(8));
      inside = name == profile;
      found = found || inside;
      continue;
    }
    auto eq = t.find('=');
    if (!inside || eq == std::string::npos) continue;
    std::string key = Trim(std::string_view(t).substr(0, eq));
    std::string value = Trim(std::string_view(t).substr(eq + 1));
    if (key == "aws_access_key_id") c.access_key = value;
    if (key == "aws_secret_access_key") c.secret_key = value;
    if (key == "aws_session_token") c.session_token = value;
  }
  if (!found) return NotFound("no profile [" + profile + "] in " + path);
  if (c.access_key.empty() || c.secret_key.empty()) {
    return InvalidArgument("profile [" + profile + "] in " + path +
                           " lacks aws_access_key_id or aws_secret_access_key");
  }
  return c;
}

Result<S3Options> OptionsFromEnvironment(const Getenv& getenv) {
  S3Options o;
  o.bucket = Env(getenv, "AETHER_ARTIFACT_BUCKET");
  if (o.bucket.empty()) return InvalidArgument("AETHER_ARTIFACT_BUCKET is not set");
  for (const char* name : {"AWS_REGION", "AWS_DEFAULT_REGION"}) {
    if (std::string r = Env(getenv, name); !r.empty()) {
      o.region = r;
      break;
    }
  }
  o.endpoint = Env(getenv, "AETHER_S3_ENDPOINT_URL");
  const bool custom = !o.endpoint.empty();
  if (!custom) o.endpoint = "https://s3." + o.region + ".amazonaws.com";
  while (o.endpoint.ends_with("/")) o.endpoint.pop_back();
  if (!o.endpoint.starts_with("http://") && !o.endpoint.starts_with("https://")) {
    return InvalidArgument("AETHER_S3_ENDPOINT_URL must start with http:// or https://, not '" +
                           o.endpoint + "'");
  }
  o.path_style = custom;
  if (std::string v = Env(getenv, "AETHER_S3_PATH_STYLE"); !v.empty()) {
    AETHER_ASSIGN_OR_RETURN(o.path_style, ParseBool("AETHER_S3_PATH_STYLE", v));
  }
  o.prefix = Env(getenv, "AETHER_S3_PREFIX");
  while (o.prefix.starts_with("/")) o.prefix.erase(0, 1);
  if (!o.prefix.empty() && !o.prefix.ends_with("/")) o.prefix += "/";
  o.sse = Env(getenv, "AETHER_S3_SSE");
  if (!o.sse.empty() && o.sse != "AES256" && o.sse != "aws:kms") {
    return InvalidArgument("AETHER_S3_SSE must be AES256 or aws:kms, not '" + o.sse + "'");
  }
  o.kms_key_id = Env(getenv, "AETHER_S3_SSE_KMS_KEY_ID");
  if (!o.kms_key_id.empty() && o.sse != "aws:kms") {
    return InvalidArgument("AETHER_S3_SSE_KMS_KEY_ID needs AETHER_S3_SSE=aws:kms");
  }
  if (std::string v = Env(getenv, "AETHER_S3_VERIFY_MAX_BYTES"); !v.empty()) {
    auto size = ParseByteSize(v);
    if (!size.ok()) {
      return InvalidArgument("AETHER_S3_VERIFY_MAX_BYTES: " + size.status().message());
    }
    o.verify_max_bytes = *size;
  }
  o.ca_file = Env(getenv, "AETHER_S3_CA_FILE");
  AETHER_ASSIGN_OR_RETURN(o.credentials, CredentialsFrom(getenv));
  return o;
}

}  // namespace aether::s3
