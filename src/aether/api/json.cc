// API JSON codecs: typed field access that reports the field instead of throwing.
#include "aether/api/json.h"

namespace aether::api {
namespace {

std::string Field(const char* field) { return std::string("field '") + field + "'"; }

}  // namespace

Result<nlohmann::json> ParseObject(std::string_view body) {
  // Deeper values are dropped as they are parsed (the callback's false) and the body refused.
  bool too_deep = false;
  nlohmann::json::parser_callback_t limit = [&too_deep](int depth, nlohmann::json::parse_event_t,
                                                        nlohmann::json&) {
    if (depth <= kMaxJsonDepth) return true;
    too_deep = true;
    return false;
  };
  auto j = nlohmann::json::parse(body, limit, /*allow_exceptions=*/false);
  if (too_deep) {
    return InvalidArgument("request body nests JSON deeper than " + std::to_string(kMaxJsonDepth) +
                           " levels");
  }
  if (j.is_discarded()) return InvalidArgument("malformed JSON in request body");
  if (!j.is_object()) return InvalidArgument("request body must be a JSON object");
  return j;
}

Result<std::string> RequiredString(const nlohmann::json& obj, const char* field) {
  auto it = obj.find(field);
  if (it == obj.end() || it->is_null()) {
    return InvalidArgument(std::string("missing string field '") + field + "'");
  }
  if (!it->is_string()) return InvalidArgument(Field(field) + " must be a string");
  const auto& s = it->get_ref<const std::string&>();
  if (s.empty()) return InvalidArgument(Field(field) + " must not be empty");
  return s;
}

Result<std::optional<std::string>> OptionalString(const nlohmann::json& obj, const char* field) {
  auto it = obj.find(field);
  if (it == obj.end() || it->is_null()) return std::optional<std::string>();
  if (!it->is_string()) return InvalidArgument(Field(field) + " must be a string");
  return std::optional<std::string>(it->get_ref<const std::string&>());
}

Result<long long> IntValue(const nlohmann::json& value, const std::string& what, long long min,
                           long long max) {
  auto range = [&] {
    return InvalidArgument(what + " must be between " + std::to_string(min) + " and " +
                           std::to_string(max));
  };
  if (value.is_number_unsigned()) {  // may not fit a long long: compare unsigned
    const auto u = value.get<unsigned long long>();
    if (max < 0 || u > static_cast<unsigned long long>(max)) return range();
    const auto n = static_cast<long long>(u);
    if (n < min) return range();
    return n;
  }
  if (!value.is_number_integer()) return InvalidArgument(what + " must be an integer");
  const auto n = value.get<long long>();
  if (n < min || n > max) return range();
  return n;
}

Result<long long> RequiredInt(const nlohmann::json& obj, const char* field, long long min,
                              long long max) {
  auto it = obj.find(field);
  if (it == obj.end() || it->is_null()) {
    return InvalidArgument(std::string("missing integer field '") + field + "'");
  }
  return IntValue(*it, Field(field), min, max);
}

Result<std::optional<long long>> OptionalInt(const nlohmann::json& obj, const char* field,
                                             long long min, long long max) {
  auto it = obj.find(field);
  if (it == obj.end() || it->is_null()) return std::optional<long long>();
  AETHER_ASSIGN_OR_RETURN(long long n, IntValue(*it, Field(field), min, max));
  return std::optional<long long>(n);
}

http::Response JsonResponse(int status, const nlohmann::json& body) {
  return http::Response::Json(status,
                              body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

}  // namespace aether::api
