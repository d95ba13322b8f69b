// Unit tests for Router: captures, literal-over-capture precedence, HEAD fallback and the
// 404/405 answers built through the ErrorResponder.
#include "aether/http/router.h"

#include <gtest/gtest.h>

#include "aether/http/envelope.h"

namespace aether::http {
namespace {

Request Make(std::string method, std::string target) {
  Request req;
  req.method = std::move(method);
  req.target = std::move(target);
  ParseTarget(req.target, &req.path, &req.query);
  return req;
}

Handler Named(std::string name) {
  return [name](Request& req) {
    std::string body = name;
    for (const auto& [k, v] : req.params) body += " " + k + "=" + v;
    return Response::Text(200, body);
  };
}

class RouterTest : public ::testing::Test {
 protected:
  RouterTest() : router_(&ErrorEnvelope) {
    router_.Add("GET", "/", Named("root"));
    router_.Add("GET", "/apps", Named("list"));
    router_.Add("POST", "/apps", Named("create"));
    router_.Add("GET", "/apps/{app}", Named("get"));
    router_.Add("DELETE", "/apps/{app}", Named("delete"));
    router_.Add("GET", "/apps/{app}/deployments/{id}", Named("deployment"));
    router_.Add("GET", "/artifacts/{digest}", Named("artifact"));
    router_.Add("HEAD", "/artifacts/{digest}", Named("artifact-head"));
    router_.Add("POST", "/artifacts/{digest}", Named("artifact-post"));
    router_.Add("POST", "/artifacts/missing", Named("missing"));
  }
  Response Run(std::string method, std::string target) {
    Request req = Make(std::move(method), std::move(target));
    return router_.Dispatch(req);
  }
  Router router_;
};

TEST_F(RouterTest, LiteralsAndCaptures) {
  EXPECT_EQ(Run("GET", "/").body, "root");
  EXPECT_EQ(Run("GET", "/apps").body, "list");
  EXPECT_EQ(Run("GET", "/apps/").body, "list");
  EXPECT_EQ(Run("POST", "/apps").body, "create");
  EXPECT_EQ(Run("GET", "/apps/web?x=1").body, "get app=web");
  EXPECT_EQ(Run("DELETE", "/apps/web").body, "delete app=web");
  EXPECT_EQ(Run("GET", "/apps/web/deployments/d-1").body, "deployment app=web id=d-1");
  EXPECT_EQ(Run("GET", "/apps/my%20app").body, "get app=my app");
}

TEST_F(RouterTest, FillsParamsOnRequest) {
  Request req = Make("GET", "/apps/web/deployments/42");
  req.params["stale"] = "x";
  router_.Dispatch(req);
  EXPECT_EQ(req.Param("app"), "web");
  EXPECT_EQ(req.Param("id"), "42");
  EXPECT_EQ(req.Param("stale"), "");
  EXPECT_EQ(req.route, "/apps/{app}/deployments/{id}");
}

TEST_F(RouterTest, RouteIsThePatternOrEmptyWhenNothingMatched) {
  Request head = Make("HEAD", "/apps/web");
  router_.Dispatch(head);
  EXPECT_EQ(head.route, "/apps/{app}");  // served by the GET route
  for (auto [method, target] : {std::pair{"GET", "/nope"}, std::pair{"PUT", "/apps/web"}}) {
    Request req = Make(method, target);
    req.route = "stale";
    router_.Dispatch(req);
    EXPECT_EQ(req.route, "") << method << " " << target;
  }
}

TEST_F(RouterTest, LiteralBeatsCaptureWhateverTheOrder) {
  EXPECT_EQ(Run("POST", "/artifacts/missing").body, "missing");
  EXPECT_EQ(Run("POST", "/artifacts/sha256:ab").body, "artifact-post digest=sha256:ab");
}

TEST_F(RouterTest, HeadFallsBackToGet) {
  EXPECT_EQ(Run("HEAD", "/apps/web").body, "get app=web");
  EXPECT_EQ(Run("HEAD", "/artifacts/d").body, "artifact-head digest=d");
}

TEST_F(RouterTest, NotFound) {
  for (const char* target : {"/nope", "/apps/web/extra", "/apps//deployments/1", "/apps/a/b/c"}) {
    Response res = Run("GET", target);
    EXPECT_EQ(res.status, 404) << target;
    EXPECT_NE(res.body.find(R"("code":"not_found")"), std::string::npos) << res.body;
  }
}

TEST_F(RouterTest, MethodNotAllowed) {
  Response res = Run("PUT", "/apps/web");
  EXPECT_EQ(res.status, 405);
  EXPECT_NE(res.body.find(R"("code":"method_not_allowed")"), std::string::npos) << res.body;
  EXPECT_EQ(res.headers["Allow"], "DELETE, GET, HEAD");
  EXPECT_EQ(Run("DELETE", "/apps").headers["Allow"], "GET, HEAD, POST");
}

TEST(Router, RoutesListsTheTableInRegistrationOrder) {
  Router router(&ErrorEnvelope);
  EXPECT_TRUE(router.Routes().empty());
  router.Add("GET", "/apps/{app}", Named("get"));
  router.Add("HEAD", "/layers/{digest}/", Named("head"));
  router.Add("POST", "/apps", Named("create"));
  using Pair = std::pair<std::string, std::string>;
  EXPECT_EQ(router.Routes(),
            (std::vector<Pair>{
                {"GET", "/apps/{app}"}, {"HEAD", "/layers/{digest}/"}, {"POST", "/apps"}}));
}

TEST(Router, EmptyRouterAnswers404WithCustomResponder) {
  Router router([](int status, std::string_view code, std::string_view message) {
    return Response::Text(status, std::string(code) + "|" + std::string(message));
  });
  Request req = Make("GET", "/x");
  Response res = router.Dispatch(req);
  EXPECT_EQ(res.status, 404);
  EXPECT_EQ(res.body, "not_found|no route for GET /x");
}

}  // namespace
}  // namespace aether::http
