// GET /api/openapi/pulumi-spec.json over the real binary: public, an OpenAPI
// 3.0 document whose every operation the server routes (none is the router's
// "Not Found" or "Method Not Allowed"), including routes Statehouse adds.

#include <gtest/gtest.h>

#include <string>

#include "test/integration/harness.h"

namespace statehouse::testing {
namespace {

namespace json = boost::json;

class OpenApiDocumentTest : public IntegrationTest {};

TEST_F(OpenApiDocumentTest, ListsExactlyTheRoutesTheServerAnswers) {
  HttpClient anonymous = Client();
  HttpResponse r = anonymous.Get("/api/openapi/pulumi-spec.json");
  ASSERT_EQ(r.status, 200) << r;
  const json::value doc = ParseJson(r.body);
  EXPECT_EQ(GetString(doc, "openapi"), "3.0.3");
  const json::object& paths = doc.at("paths").as_object();
  for (const char* path : {"/api/user", "/api/stacks/{org}/{project}/{stack}/rollback",
                           "/api/stacks/{org}/{project}/{stack}/update/{updateID}/journalentries",
                           "/api/orgs/{org}/auditlogs", "/api/openapi/pulumi-spec.json"}) {
    EXPECT_TRUE(paths.contains(path)) << path;
  }
  EXPECT_FALSE(paths.contains("/healthz"));

  HttpClient admin = AdminClient();
  size_t operations = 0;
  for (const auto& [path, item] : paths) {
    for (const auto& [method, operation] : item.as_object()) {
      ++operations;
      std::string concrete;
      for (size_t i = 0; i < path.size(); ++i) {
        if (path[i] == '{') {
          concrete += "x";
          i = path.find('}', i);
        } else {
          concrete += path[i];
        }
      }
      std::string upper;
      for (char c : method) upper.push_back(static_cast<char>(std::toupper(c)));
      HttpResponse answer = admin.Request(upper, concrete, upper == "GET" || upper == "HEAD" ||
                                                                   upper == "DELETE"
                                                               ? ""
                                                               : "{}");
      SCOPED_TRACE(upper + " " + concrete);
      EXPECT_NE(answer.status, 405) << answer;
      EXPECT_EQ(answer.body.find("\"Not Found: /api/"), std::string::npos) << answer;
    }
  }
  EXPECT_GE(operations, 90u);
}

}  // namespace
}  // namespace statehouse::testing
