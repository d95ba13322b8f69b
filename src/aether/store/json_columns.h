// The JSON text both SQL stores keep a release's phases and config vars in. Shared so the
// engines store the same bytes. Pure functions; thread-safe.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "aether/core/model.h"
#include "aether/core/status.h"

namespace aether::store_json {

std::string PhasesToJson(const std::vector<PhaseTiming>& phases);
std::vector<PhaseTiming> PhasesFromJson(const std::string& text);  // lenient: [] when malformed
// kInvalidArgument when a name or value is not valid UTF-8 (JSON text cannot hold it).
Result<std::string> ConfigToJson(const std::map<std::string, std::string>& config);
std::map<std::string, std::string> ConfigFromJson(const std::string& text);

}  // namespace aether::store_json
