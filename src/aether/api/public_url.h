// The base URL clients reach aetherd at, for the absolute URLs in answers (presigned blob
// uploads, layer download redirects): the configured one (aetherd --public-url), else the scheme
// and Host of the request itself, so a CLI coming through an Ingress and an agent dialing the
// pod address each get a URL they can reach. Pure; thread-safe.
#pragma once

#include <string>

#include "aether/http/types.h"

namespace aether::api {

struct PublicUrlOptions {
  std::string configured;  // "https://aether.example.com"; "" = from the request
  bool tls = false;        // the API itself serves HTTPS
  std::string fallback;    // the listen URL, for requests without a usable Host header
};

// `configured`, else "<scheme>://<Host>" where the scheme is https when aetherd serves TLS or a
// proxy says so (X-Forwarded-Proto: https), else `fallback`. A Host header with characters no
// host or port has is ignored.
std::string PublicUrlFor(const PublicUrlOptions& o, const http::Request& req);

}  // namespace aether::api
