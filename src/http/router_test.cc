#include "http/router.h"

#include <gtest/gtest.h>

#include <string>

namespace statehouse::http {
namespace {

Handler Tag(std::string tag) {
  return [tag](Request&) { return Response::Json(200, tag); };
}

std::string Call(const Router::Match& match) {
  Request request;
  return (*match.handler)(request).body;
}

TEST(RouterTest, MatchesLiteralTemplate) {
  Router router;
  router.Add("GET", "/api/user", Tag("user"));
  auto match = router.Find("GET", "/api/user");
  ASSERT_EQ(match.outcome, Router::Outcome::kFound);
  EXPECT_EQ(Call(match), "user");
  EXPECT_EQ(match.route, "/api/user");
  EXPECT_TRUE(match.params.empty());
  ASSERT_NE(match.options, nullptr);
  EXPECT_EQ(match.options->max_body_bytes, RouteOptions{}.max_body_bytes);
}

TEST(RouterTest, ExtractsParamsInTemplateOrder) {
  Router router;
  router.Add("GET", "/api/stacks/{org}/{project}/{stack}", Tag("stack"));
  auto match = router.Find("GET", "/api/stacks/acme/web/prod");
  ASSERT_EQ(match.outcome, Router::Outcome::kFound);
  ASSERT_EQ(match.params.size(), 3u);
  EXPECT_EQ(match.params[0], (std::pair<std::string, std::string>{"org", "acme"}));
  EXPECT_EQ(match.params[1], (std::pair<std::string, std::string>{"project", "web"}));
  EXPECT_EQ(match.params[2], (std::pair<std::string, std::string>{"stack", "prod"}));
  EXPECT_EQ(match.route, "/api/stacks/{org}/{project}/{stack}");
}

TEST(RouterTest, KeepsRouteOptions) {
  Router router;
  router.Add("PATCH", "/big", Tag("big"), RouteOptions{.max_body_bytes = 123});
  auto match = router.Find("PATCH", "/big");
  ASSERT_EQ(match.outcome, Router::Outcome::kFound);
  EXPECT_EQ(match.options->max_body_bytes, 123u);
}

TEST(RouterTest, LiteralBeatsParamRegardlessOfRegistrationOrder) {
  Router router;
  router.Add("GET", "/api/{area}/stacks", Tag("param"));
  router.Add("GET", "/api/user/stacks", Tag("literal"));
  EXPECT_EQ(Call(router.Find("GET", "/api/user/stacks")), "literal");
  EXPECT_EQ(Call(router.Find("GET", "/api/orgs/stacks")), "param");
}

TEST(RouterTest, EarlierLiteralPositionWins) {
  Router router;
  router.Add("GET", "/{x}/b/c", Tag("late-literal"));
  router.Add("GET", "/a/{y}/c", Tag("early-literal"));
  EXPECT_EQ(Call(router.Find("GET", "/a/b/c")), "early-literal");
  EXPECT_EQ(Call(router.Find("GET", "/z/b/c")), "late-literal");
}

TEST(RouterTest, TailCapturesRestOfPath) {
  Router router;
  router.Add("GET", "/files/{path*}", Tag("tail"));
  auto match = router.Find("GET", "/files/a/b%20c/d");
  ASSERT_EQ(match.outcome, Router::Outcome::kFound);
  ASSERT_EQ(match.params.size(), 1u);
  EXPECT_EQ(match.params[0].first, "path");
  EXPECT_EQ(match.params[0].second, "a/b c/d");

  auto single = router.Find("GET", "/files/x");
  ASSERT_EQ(single.outcome, Router::Outcome::kFound);
  EXPECT_EQ(single.params[0].second, "x");

  EXPECT_EQ(router.Find("GET", "/files").outcome, Router::Outcome::kNotFound);
  EXPECT_EQ(router.Find("GET", "/files/").outcome, Router::Outcome::kNotFound);
}

TEST(RouterTest, FixedParamBeatsTail) {
  Router router;
  router.Add("GET", "/f/{rest*}", Tag("tail"));
  router.Add("GET", "/f/{one}", Tag("one"));
  EXPECT_EQ(Call(router.Find("GET", "/f/x")), "one");
  EXPECT_EQ(Call(router.Find("GET", "/f/x/y")), "tail");
}

TEST(RouterTest, DecodesParamsAfterSplitting) {
  Router router;
  router.Add("GET", "/api/stacks/{org}/{project}", Tag("p"));
  auto match = router.Find("GET", "/api/stacks/my%2Forg/hello%20world");
  ASSERT_EQ(match.outcome, Router::Outcome::kFound);
  EXPECT_EQ(match.params[0].second, "my/org");
  EXPECT_EQ(match.params[1].second, "hello world");
}

TEST(RouterTest, MalformedEscapeIsBadPath) {
  Router router;
  router.Add("GET", "/api/stacks/{org}", Tag("p"));
  EXPECT_EQ(router.Find("GET", "/api/stacks/%zz").outcome, Router::Outcome::kBadPath);
  EXPECT_EQ(router.Find("GET", "/api/stacks/ab%4").outcome, Router::Outcome::kBadPath);
  EXPECT_EQ(router.Find("GET", "/nothing/%").outcome, Router::Outcome::kBadPath);
}

TEST(RouterTest, EmptySegmentsDoNotMatchParams) {
  Router router;
  router.Add("GET", "/api/stacks/{org}/{project}", Tag("p"));
  router.Add("GET", "/api/user", Tag("user"));
  EXPECT_EQ(router.Find("GET", "/api/stacks//web").outcome, Router::Outcome::kNotFound);
  EXPECT_EQ(router.Find("GET", "/api/stacks/acme/web/").outcome, Router::Outcome::kNotFound);
  EXPECT_EQ(router.Find("GET", "/api/user/").outcome, Router::Outcome::kNotFound);
  EXPECT_EQ(router.Find("GET", "//api/user").outcome, Router::Outcome::kNotFound);
  EXPECT_EQ(router.Find("GET", "api/user").outcome, Router::Outcome::kNotFound);
  EXPECT_EQ(router.Find("GET", "").outcome, Router::Outcome::kNotFound);
}

TEST(RouterTest, SegmentCountMustMatch) {
  Router router;
  router.Add("GET", "/a/{b}", Tag("ab"));
  EXPECT_EQ(router.Find("GET", "/a").outcome, Router::Outcome::kNotFound);
  EXPECT_EQ(router.Find("GET", "/a/b/c").outcome, Router::Outcome::kNotFound);
  EXPECT_EQ(router.Find("GET", "/a/b").outcome, Router::Outcome::kFound);
}

TEST(RouterTest, RootTemplate) {
  Router router;
  router.Add("GET", "/", Tag("root"));
  EXPECT_EQ(Call(router.Find("GET", "/")), "root");
  EXPECT_EQ(router.Find("GET", "/x").outcome, Router::Outcome::kNotFound);
}

TEST(RouterTest, HeadFallsBackToGet) {
  Router router;
  router.Add("GET", "/api/stacks/{org}/{project}", Tag("get"));
  auto match = router.Find("HEAD", "/api/stacks/acme/web");
  ASSERT_EQ(match.outcome, Router::Outcome::kFound);
  EXPECT_EQ(Call(match), "get");
  EXPECT_EQ(match.params.size(), 2u);
}

TEST(RouterTest, ExplicitHeadRouteWinsOverGet) {
  Router router;
  router.Add("GET", "/x", Tag("get"));
  router.Add("HEAD", "/x", Tag("head"));
  EXPECT_EQ(Call(router.Find("HEAD", "/x")), "head");
  EXPECT_EQ(Call(router.Find("GET", "/x")), "get");
}

TEST(RouterTest, WrongMethodIsMethodNotAllowedWithAllowList) {
  Router router;
  router.Add("GET", "/api/stacks/{org}/{project}/{stack}", Tag("get"));
  router.Add("DELETE", "/api/stacks/{org}/{project}/{stack}", Tag("delete"));
  router.Add("POST", "/api/stacks/{org}/{project}", Tag("create"));
  auto match = router.Find("PUT", "/api/stacks/a/b/c");
  EXPECT_EQ(match.outcome, Router::Outcome::kMethodNotAllowed);
  EXPECT_EQ(match.handler, nullptr);
  EXPECT_EQ(match.allow, "GET, HEAD, DELETE");

  auto post_only = router.Find("GET", "/api/stacks/a/b");
  EXPECT_EQ(post_only.outcome, Router::Outcome::kMethodNotAllowed);
  EXPECT_EQ(post_only.allow, "POST");
}

TEST(RouterTest, MethodIsMatchedBeforeSpecificity) {
  Router router;
  router.Add("GET", "/api/stacks/{org}/{project}/{stack}", Tag("get-stack"));
  router.Add("POST", "/api/stacks/{org}/{project}/batch", Tag("post-batch"));
  EXPECT_EQ(Call(router.Find("GET", "/api/stacks/o/p/batch")), "get-stack");
  EXPECT_EQ(Call(router.Find("POST", "/api/stacks/o/p/batch")), "post-batch");
}

TEST(RouterTest, UnknownPathIsNotFound) {
  Router router;
  router.Add("GET", "/api/user", Tag("user"));
  auto match = router.Find("GET", "/api/nope");
  EXPECT_EQ(match.outcome, Router::Outcome::kNotFound);
  EXPECT_EQ(match.handler, nullptr);
  EXPECT_TRUE(match.allow.empty());
}

TEST(RouterTest, LiteralSegmentsCompareDecoded) {
  Router router;
  router.Add("GET", "/api/user", Tag("user"));
  EXPECT_EQ(Call(router.Find("GET", "/api/%75ser")), "user");
}

TEST(RouterTest, FallbackTakesGetAndHeadThatMatchNoTemplate) {
  Router router;
  router.Add("GET", "/api/user", Tag("user"));
  router.Add("POST", "/api/stacks/{org}/{project}", Tag("create"));
  auto none = router.Find("GET", "/acme/p/s");
  EXPECT_EQ(none.outcome, Router::Outcome::kNotFound);
  router.SetFallback("console", Tag("console"));
  for (const char* method : {"GET", "HEAD"}) {
    auto match = router.Find(method, "/acme/p/s");
    ASSERT_EQ(match.outcome, Router::Outcome::kFound) << method;
    EXPECT_EQ(Call(match), "console");
    EXPECT_EQ(match.route, "console");
  }
  EXPECT_EQ(router.Find("GET", "/").outcome, Router::Outcome::kFound);
  EXPECT_EQ(Call(router.Find("GET", "/api/user")), "user");
  // Other methods, and paths some template matches, keep their outcomes.
  EXPECT_EQ(router.Find("POST", "/acme/p/s").outcome, Router::Outcome::kNotFound);
  EXPECT_EQ(router.Find("GET", "/api/stacks/a/b").outcome, Router::Outcome::kMethodNotAllowed);
  EXPECT_EQ(router.Find("GET", "/a/%zz").outcome, Router::Outcome::kBadPath);
}

}  // namespace
}  // namespace statehouse::http
