#include "api/openapi_document.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace statehouse::api {
namespace {

namespace bj = boost::json;

bj::object Document(const std::vector<std::pair<std::string, std::string>>& routes) {
  return bj::parse(OpenApiDocument(routes)).as_object();
}

TEST(OpenApiDocumentTest, DescribesEachApiRouteWithItsPathParameters) {
  bj::object doc = Document({{"GET", "/healthz"},
                             {"GET", "/api/stacks/{org}/{project}/{stack}/export/{version}"},
                             {"POST", "/api/stacks/{org}/{project}/{stack}/rollback"},
                             {"GET", "/api/stacks/{org}/{project}/{stack}/files/{path*}"}});
  EXPECT_EQ(doc.at("openapi"), "3.0.3");
  const bj::object& paths = doc.at("paths").as_object();
  EXPECT_EQ(paths.size(), 3u);
  EXPECT_FALSE(paths.contains("/healthz"));

  const bj::object& get =
      paths.at("/api/stacks/{org}/{project}/{stack}/export/{version}").at("get").as_object();
  EXPECT_EQ(get.at("operationId"), "getStacksExportByVersion");
  const bj::array& params = get.at("parameters").as_array();
  ASSERT_EQ(params.size(), 4u);
  EXPECT_EQ(params[0].at("name"), "org");
  EXPECT_EQ(params[3].at("name"), "version");
  EXPECT_EQ(params[3].at("in"), "path");
  EXPECT_EQ(params[3].at("required"), true);
  EXPECT_FALSE(get.contains("requestBody"));
  EXPECT_EQ(get.at("responses").at("default").at("content").at("application/json").at("schema").at(
                "$ref"),
            "#/components/schemas/Error");

  const bj::object& post = paths.at("/api/stacks/{org}/{project}/{stack}/rollback").at("post").as_object();
  EXPECT_EQ(post.at("operationId"), "postStacksRollback");
  EXPECT_TRUE(post.contains("requestBody"));

  // A tail parameter is written as a plain one.
  EXPECT_TRUE(paths.contains("/api/stacks/{org}/{project}/{stack}/files/{path}"));
  EXPECT_TRUE(doc.at("components").at("schemas").as_object().contains("Error"));
}

TEST(OpenApiDocumentTest, OperationIdsAreUniqueAndMethodsShareAPath) {
  bj::object doc = Document({{"GET", "/api/orgs/{org}/hooks/{hookName}"},
                             {"PATCH", "/api/orgs/{org}/hooks/{hookName}"},
                             {"GET", "/api/stacks/{org}/{project}/{stack}/hooks/{hookName}"},
                             {"GET", "/api/orgs/{org}/hooks/{hook}"}});
  const bj::object& paths = doc.at("paths").as_object();
  const bj::object& hook = paths.at("/api/orgs/{org}/hooks/{hookName}").as_object();
  EXPECT_TRUE(hook.contains("get"));
  EXPECT_TRUE(hook.contains("patch"));
  EXPECT_EQ(hook.at("get").at("operationId"), "getOrgsHooksByHookName");
  EXPECT_EQ(paths.at("/api/stacks/{org}/{project}/{stack}/hooks/{hookName}").at("get").at(
                "operationId"),
            "getStacksHooksByHookName");
  EXPECT_EQ(paths.at("/api/orgs/{org}/hooks/{hook}").at("get").at("operationId"),
            "getOrgsHooksByHook");
  // Same literal segments and parameter name: numbered.
  bj::object twice = Document({{"GET", "/api/orgs/{org}/x/{id}"}, {"GET", "/api/{a}/orgs/x/{id}"}});
  EXPECT_EQ(twice.at("paths").at("/api/orgs/{org}/x/{id}").at("get").at("operationId"),
            "getOrgsXById");
  EXPECT_EQ(twice.at("paths").at("/api/{a}/orgs/x/{id}").at("get").at("operationId"),
            "getOrgsXById2");
}

TEST(OpenApiDocumentTest, SameInputSameText) {
  std::vector<std::pair<std::string, std::string>> routes = {{"GET", "/api/user"},
                                                             {"POST", "/api/user/tokens"}};
  EXPECT_EQ(OpenApiDocument(routes), OpenApiDocument(routes));
}

}  // namespace
}  // namespace statehouse::api
