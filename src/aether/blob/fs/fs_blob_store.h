// Factory for the filesystem BlobStore (embedded default): published blobs under
// <root>/sha256/<hex>, staged uploads under <root>/uploads/. Writes go to a temp file and are
// renamed into place, so a crash never leaves a partial blob. Thread-safe.
#pragma once

#include <memory>
#include <string>

#include "aether/blob/blob_store.h"

namespace aether {

Result<std::unique_ptr<BlobStore>> OpenFsBlobStore(const std::string& root, UrlSigner signer);

}  // namespace aether
