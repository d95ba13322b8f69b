// `aetherd cert --self-signed`: writes a self-signed certificate (cert.pem) and its key
// (key.pem, mode 0600) for aetherd's --tls-cert/--tls-key. Free function; one call per process.
#pragma once

#include <string>
#include <vector>

#include "aether/core/status.h"

namespace aether {

struct CertCommandOptions {
  std::vector<std::string> hosts;  // DNS names and IP literals, the first is the CN
  std::string out_dir = ".";
  int days = 365;
  bool force = false;  // replace existing files
};

// Writes out_dir/cert.pem and out_dir/key.pem (creating out_dir 0700 if needed) and returns
// the line to print: where they are and how to use them. kAlreadyExists when either file exists
// and !force; kInvalidArgument for bad hosts or days.
Result<std::string> RunCertCommand(const CertCommandOptions& options);

}  // namespace aether
