// sbom_dump DIR [LOCKFILE]: prints the CycloneDX SBOM that `aether deploy` would build for the
// project in DIR, with a fixed fake artifact digest. Used by test/sbom/run.sh to compare with
// cyclonedx-npm and validate against the official schema. Single-threaded test tool.
#include <filesystem>
#include <iostream>
#include <string>

#include "aether/cli/sbom_step.h"

int main(int argc, char** argv) {
  if (argc < 2 || argc > 3) {
    std::cerr << "usage: sbom_dump DIR [LOCKFILE]\n";
    return 2;
  }
  std::string dir = argv[1];
  std::string lockfile = argc == 3 ? argv[2] : "";
  for (const char* name :
       {"package-lock.json", "npm-shrinkwrap.json", "yarn.lock", "pnpm-lock.yaml"}) {
    if (lockfile.empty() && std::filesystem::exists(dir + "/" + name)) lockfile = name;
  }
  aether::artifact::SbomSubject subject{
      std::filesystem::path(dir).filename().string(), "", "",
      "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "0.1.0"};
  auto sbom =
      aether::cli::BuildProjectSbom(dir, lockfile, aether::cli::SbomFormat::kCycloneDx, subject);
  if (!sbom.ok()) {
    std::cerr << "sbom_dump: " << sbom.status().ToString() << "\n";
    return 1;
  }
  std::cout << *sbom;
  return 0;
}
