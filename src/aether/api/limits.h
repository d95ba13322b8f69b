// Per-route request body limits for the API server (http::ServerOptions::body_limit_for):
// the raw-bytes blob uploads may be large, every other (JSON) request is held to a much
// smaller limit so a client cannot make aetherd buffer a gigabyte of JSON. Pure; thread-safe.
#pragma once

#include <cstddef>

#include "aether/http/types.h"

namespace aether::api {

struct BodyLimits {
  // The largest JSON request the CLI sends is the artifact registration
  // (POST /apps/{app}/artifacts): the manifest lists every file of every layer (~150-200 bytes
  // per file, so ~17 MiB for 100k files in node_modules), plus the SBOM, provenance and
  // signature as JSON strings. 32 MiB leaves headroom for that; everything else is far smaller.
  size_t json = 32ull << 20;
  // PUT /blobs/{digest} and PUT /blobs/uploads/{upload_id}/{part}: one layer, or one part of a
  // multipart upload (the CLI splits layers of 16 MiB and more into 8 MiB parts).
  size_t upload = 1ull << 30;
};

// `limits.upload` for the presigned blob uploads (PUT /blobs/…), `limits.json` for the rest.
size_t BodyLimitFor(const http::Request& head, const BodyLimits& limits);

}  // namespace aether::api
