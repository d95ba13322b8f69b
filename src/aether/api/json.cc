// API JSON codecs.
#include "aether/api/json.h"

namespace aether::api {

Result<nlohmann::json> ParseObject(std::string_view body) {
  auto j = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return InvalidArgument("malformed JSON in request body");
  if (!j.is_object()) return InvalidArgument("request body must be a JSON object");
  return j;
}

Result<std::string> RequiredString(const nlohmann::json& obj, const char* field) {
  auto it = obj.find(field);
  if (it == obj.end() || !it->is_string() || it->get_ref<const std::string&>().empty()) {
    return InvalidArgument(std::string("missing string field '") + field + "'");
  }
  return it->get<std::string>();
}

http::Response JsonResponse(int status, const nlohmann::json& body) {
  return http::Response::Json(status,
                              body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

}  // namespace aether::api
