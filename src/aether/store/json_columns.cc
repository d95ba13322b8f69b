// JSON codecs of the phases and config columns.
#include "aether/store/json_columns.h"

#include <nlohmann/json.hpp>

namespace aether::store_json {

std::string PhasesToJson(const std::vector<PhaseTiming>& phases) {
  auto arr = nlohmann::json::array();
  for (const auto& p : phases) arr.push_back({{"name", p.name}, {"ms", p.ms}});
  return arr.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::vector<PhaseTiming> PhasesFromJson(const std::string& text) {
  std::vector<PhaseTiming> out;
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_array()) return out;
  for (const auto& p : j) {
    if (p.is_object()) out.push_back({p.value("name", ""), p.value("ms", 0LL)});
  }
  return out;
}

Result<std::string> ConfigToJson(const std::map<std::string, std::string>& config) {
  nlohmann::json j = config;
  try {
    return j.dump();
  } catch (const nlohmann::json::type_error&) {
    return InvalidArgument("config names and values must be valid UTF-8");
  }
}

std::map<std::string, std::string> ConfigFromJson(const std::string& text) {
  std::map<std::string, std::string> out;
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object()) return out;
  for (const auto& [key, value] : j.items()) {
    if (value.is_string()) out.emplace(key, value.get<std::string>());
  }
  return out;
}

}  // namespace aether::store_json
