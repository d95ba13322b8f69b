// aetherd: the AetherEngine control plane. Parses flags, starts the Daemon, waits for
// SIGINT/SIGTERM, then shuts down gracefully (the apps keep running unless
// --stop-apps-on-exit).
#include <signal.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <tuple>

#include "aether/core/log.h"
#include "aether/core/names.h"
#include "aether/store/postgres/postgres_store.h"
#include "aetherd/cert_command.h"
#include "aetherd/daemon.h"

namespace {

std::string DefaultDataDir() {
  if (const char* d = std::getenv("AETHER_DATA_DIR"); d != nullptr && *d != '\0') return d;
  if (const char* x = std::getenv("XDG_DATA_HOME"); x != nullptr && *x != '\0') {
    return std::string(x) + "/aether";
  }
  const char* home = std::getenv("HOME");
  return std::string(home != nullptr ? home : ".") + "/.local/share/aether";
}

// An on|off switch (flag or `env`); `out` keeps its value unless one of them is given.
CLI::Option* AddSwitch(CLI::App* app, const std::string& name, bool& out, const std::string& help,
                       const char* env) {
  return app
      ->add_option_function<std::string>(
          name, [&out](const std::string& v) { out = v == "on"; }, help)
      ->envname(env)
      ->check(CLI::IsMember({"on", "off"}))
      ->default_str(out ? "on" : "off");
}

}  // namespace

int main(int argc, char** argv) {
  aether::DaemonOptions o;
  o.data_dir = DefaultDataDir();
  long long ready_ms = o.ready_timeout.count();
  CLI::App app{"aetherd: the AetherEngine control plane (API, artifact registry, runtime, router)"};
  app.add_option("--data-dir", o.data_dir, "Data directory (env AETHER_DATA_DIR)")
      ->capture_default_str();
  app.add_option("--database-url", o.database_url,
                 "PostgreSQL URL for the metadata (default: SQLite in the data dir)")
      ->envname("DATABASE_URL");
  o.blob_store = std::getenv("AETHER_ARTIFACT_BUCKET") != nullptr ? "s3" : "fs";
  app.add_option("--blob-store", o.blob_store,
                 "Where artifacts live: fs (the data dir) or s3 (AETHER_ARTIFACT_BUCKET, "
                 "AETHER_S3_ENDPOINT_URL, AWS_* credentials); default s3 when a bucket is set")
      ->envname("AETHER_BLOB_STORE")
      ->check(CLI::IsMember({"fs", "s3"}))
      ->capture_default_str();
  long long upload_ttl_s = o.upload_ttl.count();
  app.add_option("--upload-ttl-seconds", upload_ttl_s,
                 "Drop uploads not completed within this time")
      ->envname("AETHER_UPLOAD_TTL_SECONDS")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--host", o.host, "Listen address for the API and the router")
      ->capture_default_str();
  app.add_option("--port", o.port, "API port (0 picks a free one)")->capture_default_str();
  app.add_option(
         "--public-url", o.public_url,
         "URL clients reach the API at, for the URLs aetherd hands out (presigned uploads); "
         "default: the scheme and Host of each request")
      ->envname("AETHER_PUBLIC_URL");
  app.add_option("--router-port", o.router_port, "App router port (0 picks a free one)")
      ->capture_default_str();
  app.add_option("--agent", o.agent_path, "Path to aether-agent (default: beside aetherd)");
  app.add_option("--ready-timeout-ms", ready_ms, "How long a new release may take to get ready")
      ->capture_default_str();
  app.add_option("--runtime", o.runtime,
                 "Where releases run: local (processes behind the router) or kubernetes")
      ->envname("AETHER_RUNTIME")
      ->check(CLI::IsMember({"local", "kubernetes"}))
      ->capture_default_str();
  AddSwitch(&app, "--sandbox", o.sandbox,
            "Local runtime: run each app in a bubblewrap sandbox as an unprivileged user (on), "
            "or unsandboxed as this user (off)",
            "AETHER_SANDBOX");
  AddSwitch(&app, "--dev-hot", o.dev_hot,
            "Accept dev-hot deploys (aether dev, deploy --dev-hot) that swap code inside running "
            "instances (on), or refuse them (off)",
            "AETHER_DEV_HOT");
  auto* kube = app.add_option_group("Kubernetes runtime", "With --runtime kubernetes");
  kube->add_option("--kubeconfig", o.kube.kubeconfig,
                   "kubeconfig file (default: in-cluster, else $KUBECONFIG or ~/.kube/config)");
  kube->add_option("--kube-context", o.kube.context, "kubeconfig context (default: current)");
  kube->add_option("--kube-namespace", o.kube.ns, "Namespace the apps run in")
      ->envname("AETHER_KUBE_NAMESPACE")
      ->capture_default_str();
  kube->add_option("--kube-image", o.kube.image, "Base image of the app pods")
      ->envname("AETHER_KUBE_IMAGE")
      ->capture_default_str();
  kube->add_option("--kube-agent-server", o.kube.agent_server_url,
                   "URL the pods reach aetherd's API at (default: the API URL)")
      ->envname("AETHER_KUBE_AGENT_SERVER");
  std::string kube_setup = "auto";
  kube->add_option("--kube-setup", kube_setup,
                   "auto: aetherd creates the apps namespace, the pull Secret and the dev-hot "
                   "RBAC objects; external: an operator made them (the Helm chart)")
      ->envname("AETHER_KUBE_SETUP")
      ->check(CLI::IsMember({"auto", "external"}))
      ->capture_default_str();
  AddSwitch(kube, "--kube-config-secrets", o.kube.config_secrets,
            "on: keep each app's config vars in a Secret <app>-config the pods read (needs "
            "rights on Secrets); off: plain values in the Deployment",
            "AETHER_KUBE_CONFIG_SECRETS");
  kube->add_option("--kube-ingress-domain", o.kube.ingress_domain,
                   "Create an Ingress per app for host <app>.<domain>")
      ->envname("AETHER_KUBE_INGRESS_DOMAIN");
  kube->add_option("--kube-ingress-class", o.kube.ingress_class,
                   "ingressClassName of the Ingresses")
      ->envname("AETHER_KUBE_INGRESS_CLASS");
  bool stop_apps = false;
  app.add_flag("--stop-apps-on-exit", stop_apps,
               "Stop the apps on SIGTERM/SIGINT (default: leave them running; the next start "
               "re-attaches to them)");
  // TLS and the API's request limits (docs/api.md "TLS" and "Limits").
  app.add_option("--tls-cert", o.tls_cert_file,
                 "PEM certificate (chain) for HTTPS on the API; with --tls-key")
      ->envname("AETHER_TLS_CERT");
  app.add_option("--tls-key", o.tls_key_file, "PEM private key of --tls-cert")
      ->envname("AETHER_TLS_KEY");
  std::string max_json_body = "32M";
  std::string max_upload_body = "1G";
  std::string max_header = "16K";
  app.add_option("--max-json-body", max_json_body,
                 "Largest request body of the JSON routes (bytes; K/M/G suffixes)")
      ->envname("AETHER_MAX_JSON_BODY")
      ->capture_default_str();
  app.add_option("--max-upload-body", max_upload_body,
                 "Largest blob or part upload (PUT /blobs/…) (bytes; K/M/G suffixes)")
      ->envname("AETHER_MAX_UPLOAD_BODY")
      ->capture_default_str();
  app.add_option("--max-header-size", max_header, "Largest request header block (bytes)")
      ->capture_default_str();
  long long request_timeout_ms = o.request_timeout.count();
  app.add_option("--request-timeout-ms", request_timeout_ms,
                 "Time a request's header may take to arrive (and the body's grace period)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  // Browser access and abuse limits (docs/api.md "CORS" and "Rate limits").
  app.add_option("--cors-origins", o.cors_origins,
                 "Browser origins allowed to call the API (https://a.example,http://localhost:3000"
                 "; * for any origin without credentials); default none")
      ->envname("AETHER_CORS_ORIGINS");
  int audit_days = 90;
  app.add_option("--audit-retention-days", audit_days, "Days the audit trail keeps its events")
      ->envname("AETHER_AUDIT_RETENTION_DAYS")
      ->check(CLI::Range(1, 3650))
      ->capture_default_str();
  std::string rate_limit = "600/m:120";
  app.add_option("--rate-limit", rate_limit,
                 "Mutating requests per token: N/m or N/s, optional :burst; 0 for no limit")
      ->envname("AETHER_RATE_LIMIT")
      ->capture_default_str();
  aether::CertCommandOptions cert;
  bool self_signed = false;
  auto* cert_cmd = app.add_subcommand(
      "cert", "Write a TLS certificate and key for --tls-cert/--tls-key, then exit");
  cert_cmd->add_flag("--self-signed", self_signed, "A self-signed certificate (required)")
      ->required();
  cert_cmd->add_option("--host", cert.hosts, "DNS names and IP addresses it is for (a,b,…)")
      ->delimiter(',')
      ->required();
  cert_cmd->add_option("--out", cert.out_dir, "Directory for cert.pem and key.pem")
      ->capture_default_str();
  cert_cmd->add_option("--days", cert.days, "Validity in days")->capture_default_str();
  cert_cmd->add_flag("--force", cert.force, "Replace existing cert.pem and key.pem");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  if (cert_cmd->parsed()) {
    auto wrote = aether::RunCertCommand(cert);
    if (!wrote.ok()) {
      std::fprintf(stderr, "aetherd cert: %s\n", wrote.status().message().c_str());
      return wrote.status().code() == aether::ErrorCode::kInvalidArgument ? 2 : 1;
    }
    std::printf("%s\n", wrote->c_str());
    return 0;
  }
  for (auto [flag, text, out] :
       {std::tuple{"--max-json-body", &max_json_body, &o.body_limits.json},
        std::tuple{"--max-upload-body", &max_upload_body, &o.body_limits.upload},
        std::tuple{"--max-header-size", &max_header, &o.header_limit}}) {
    auto bytes = aether::ParseByteSize(*text);
    if (!bytes.ok() || *bytes <= 0) {
      std::fprintf(stderr, "aetherd: %s: '%s' is not a positive byte size (e.g. 8M)\n", flag,
                   text->c_str());
      return 2;
    }
    *out = static_cast<size_t>(*bytes);
  }
  o.request_timeout = std::chrono::milliseconds(request_timeout_ms);
  o.ready_timeout = std::chrono::milliseconds(ready_ms);
  o.kube.manage_setup = kube_setup == "auto";
  o.upload_ttl = std::chrono::seconds(upload_ttl_s);
  o.policy = aether::ArtifactPolicy::FromEnvironment();
  auto limits = aether::ArtifactLimits::FromEnvironment();
  if (!limits.ok()) {
    std::fprintf(stderr, "aetherd: %s\n", limits.status().message().c_str());
    return 2;
  }
  o.policy.limits = *limits;
  // Secrets come from the environment only: a command line is visible to every user.
  if (const char* seeds = std::getenv("AETHER_API_TOKENS")) o.seed_tokens = seeds;
  if (const char* admin = std::getenv("AETHER_API_TOKEN")) o.seed_admin_token = admin;
  if (const char* pull = std::getenv("AETHER_PULL_TOKEN")) o.pull_token = pull;
  if (const char* key = std::getenv("AETHER_URL_SIGNING_KEY")) o.url_signing_key = key;
  auto limit = aether::ParseRateLimit(rate_limit);
  if (!limit.ok()) {
    std::fprintf(stderr, "aetherd: --rate-limit: %s\n", limit.status().message().c_str());
    return 2;
  }
  o.rate_limit = *limit;
  o.audit_retention = std::chrono::hours(24LL * audit_days);

  // Block the stop signals in every thread; the main thread waits for them below.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  auto daemon = aether::Daemon::Start(o);
  if (!daemon.ok()) {
    std::fprintf(stderr, "aetherd: %s\n", daemon.status().ToString().c_str());
    return 1;
  }
  aether::LogLine("aetherd: API on " + (*daemon)->api_url() + ", apps on " +
                  (*daemon)->app_url("<app>") + ", data in " + o.data_dir + ", metadata in " +
                  (o.database_url.empty()
                       ? "SQLite"
                       : "PostgreSQL " + aether::RedactDatabaseUrl(o.database_url)));
  int sig = 0;
  sigwait(&stop_signals, &sig);
  aether::LogLine(std::string("aetherd: ") + (sig == SIGINT ? "SIGINT" : "SIGTERM") +
                  " received, shutting down" +
                  (stop_apps ? " with the apps" : "; the apps keep running"));
  (*daemon)->Stop(stop_apps ? aether::StopMode::kStopApps : aether::StopMode::kDetachApps);
  aether::LogLine("aetherd: stopped");
  return 0;
}
