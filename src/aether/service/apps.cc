// App use cases.
#include "aether/service/apps.h"

#include "aether/core/names.h"

namespace aether {

Result<App> AppService::Create(const std::string& name) {
  AETHER_RETURN_IF_ERROR(ValidateAppName(name));
  App app{name, NowRfc3339(), ""};
  AETHER_RETURN_IF_ERROR(store_.CreateApp(app));
  return app;
}

Result<App> AppService::Get(const std::string& name) {
  AETHER_RETURN_IF_ERROR(ValidateAppName(name));
  return store_.GetApp(name);
}

Result<Page<App>> AppService::List(const PageRequest& page) { return store_.ListApps(page); }

Status AppService::Delete(const std::string& name) {
  AETHER_ASSIGN_OR_RETURN(App app, Get(name));
  AETHER_RETURN_IF_ERROR(runtime_.Remove(app.name));
  return store_.DeleteApp(app.name);
}

}  // namespace aether
