#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "test/integration/harness.h"

namespace statehouse::testing {
namespace {

namespace json = boost::json;

class LoginTest : public IntegrationTest {};

TEST_F(LoginTest, HealthzNeedsNoAuth) {
  HttpClient anonymous = Client();
  HttpResponse r = anonymous.Get("/healthz");
  ASSERT_EQ(r.status, 200) << r;
  json::value body = ParseJson(r.body);
  EXPECT_EQ(GetString(body, "status"), "ok") << r;
}

TEST_F(LoginTest, MetricsNeedsNoAuthAndCountsRequests) {
  HttpClient anonymous = Client();
  ASSERT_EQ(anonymous.Get("/healthz").status, 200);
  HttpResponse r = anonymous.Get("/metrics");
  ASSERT_EQ(r.status, 200) << r;
  EXPECT_NE(r.body.find("statehouse_http_requests_total"), std::string::npos) << r;
}

TEST_F(LoginTest, ApiRoutesWithoutAuthorizationAre401) {
  HttpClient anonymous = Client();
  const std::vector<std::pair<std::string, std::string>> routes = {
      {"GET", "/api/user"},
      {"GET", "/api/capabilities"},
      {"GET", "/api/user/organizations/default"},
      {"GET", "/api/user/stacks"},
      {"GET", "/api/user/tokens"},
      {"GET", "/api/stacks/admin/proj/dev"},
      {"HEAD", "/api/stacks/admin/proj"},
      {"DELETE", "/api/stacks/admin/proj/dev?force=false"},
  };
  for (const auto& [method, path] : routes) {
    SCOPED_TRACE(method + " " + path);
    HttpResponse r = anonymous.Request(method, path);
    if (method == "HEAD") {
      EXPECT_EQ(r.status, 401) << r;
    } else {
      ExpectJsonError(r, 401);
    }
  }
  const std::vector<std::pair<std::string, std::string>> posts = {
      {"/api/stacks/admin/proj", R"({"stackName":"dev"})"},
      {"/api/user/tokens", R"({"description":"x","expires":0})"},
      {"/api/admin/users", R"({"login":"mallory","name":"M","email":"m@example.com"})"},
      {"/api/admin/orgs", R"({"name":"evilcorp","admin":"admin"})"},
  };
  for (const auto& [path, body] : posts) {
    SCOPED_TRACE("POST " + path);
    ExpectJsonError(anonymous.Post(path, body), 401);
  }
}

TEST_F(LoginTest, GarbageTokensAre401) {
  for (const std::string& token :
       std::vector<std::string>{"garbage", "pul-0000000000000000000000000000000000000000",
                                AdminToken() + "0", AdminToken().substr(0, 20)}) {
    SCOPED_TRACE(token);
    HttpClient client = Client(token);
    ExpectJsonError(client.Get("/api/user"), 401);
    ExpectJsonError(client.Get("/api/user/stacks"), 401);
  }
}

TEST_F(LoginTest, NonTokenAuthorizationSchemesAre401) {
  HttpClient client = Client();
  for (const std::string& value :
       std::vector<std::string>{"Bearer x", "Basic YWRtaW46YWRtaW4=", "token", "token ",
                                "update-token " + AdminToken()}) {
    SCOPED_TRACE(value);
    ExpectJsonError(client.Get("/api/user", {{"Authorization", value}}), 401);
  }
}

TEST_F(LoginTest, GetUserDescribesTheBootstrapAdmin) {
  HttpClient admin = AdminClient();
  HttpResponse r = admin.Get("/api/user");
  ASSERT_EQ(r.status, 200) << r;
  json::value user = ParseJson(r.body);
  ASSERT_TRUE(user.is_object()) << r;
  EXPECT_EQ(GetString(user, "githubLogin"), "admin");
  const json::value* site_admin = user.as_object().if_contains("siteAdmin");
  ASSERT_NE(site_admin, nullptr) << r;
  EXPECT_TRUE(site_admin->is_bool() && site_admin->as_bool()) << r;
  const json::value* orgs = user.as_object().if_contains("organizations");
  ASSERT_NE(orgs, nullptr) << r;
  ASSERT_TRUE(orgs->is_array()) << r;
  bool found_personal = false;
  for (const json::value& org : orgs->as_array()) {
    ASSERT_TRUE(org.is_object()) << r;
    std::string login = GetString(org, "githubLogin");
    EXPECT_FALSE(login.empty()) << r;
    if (login == "admin") found_personal = true;
  }
  EXPECT_TRUE(found_personal) << "personal org missing: " << r;
}

TEST_F(LoginTest, CapabilitiesAdvertiseDeploymentSchemaVersion4) {
  HttpClient admin = AdminClient();
  HttpResponse r = admin.Get("/api/capabilities");
  ASSERT_EQ(r.status, 200) << r;
  json::value body = ParseJson(r.body);
  ASSERT_TRUE(body.is_object()) << r;
  const json::value* caps = body.as_object().if_contains("capabilities");
  ASSERT_NE(caps, nullptr) << r;
  ASSERT_TRUE(caps->is_array()) << r;
  bool found = false;
  for (const json::value& cap : caps->as_array()) {
    ASSERT_TRUE(cap.is_object()) << r;
    const json::value* name = cap.as_object().if_contains("capability");
    ASSERT_NE(name, nullptr) << r;
    ASSERT_TRUE(name->is_string()) << r;
    if (name->as_string() != "deployment-schema-version") continue;
    found = true;
    EXPECT_EQ(GetInt(cap, "version"), 1) << r;
    const json::object* config = FindObject(cap, "configuration");
    ASSERT_NE(config, nullptr) << r;
    EXPECT_EQ(GetInt(json::value(*config), "version"), 4) << r;
  }
  EXPECT_TRUE(found) << r;
}

TEST_F(LoginTest, DefaultOrganizationIsThePersonalOrg) {
  HttpClient admin = AdminClient();
  HttpResponse r = admin.Get("/api/user/organizations/default");
  ASSERT_EQ(r.status, 200) << r;
  EXPECT_EQ(GetString(ParseJson(r.body), "GitHubLogin"), "admin") << r;
}

TEST_F(LoginTest, CliLoginSequenceOnOneConnection) {
  HttpClient cli = AdminClient();
  HttpResponse user = cli.Get("/api/user");
  ASSERT_EQ(user.status, 200) << user;
  std::string login = GetString(ParseJson(user.body), "githubLogin");
  ASSERT_FALSE(login.empty());
  HttpResponse caps = cli.Get("/api/capabilities");
  ASSERT_EQ(caps.status, 200) << caps;
  HttpResponse org = cli.Get("/api/user/organizations/default");
  ASSERT_EQ(org.status, 200) << org;
  EXPECT_EQ(GetString(ParseJson(org.body), "GitHubLogin"), login);
  std::string stack_path = StackPath(login, UniqueName("login-proj"), "dev");
  ExpectJsonError(cli.Get(stack_path), 404);
}

TEST_F(LoginTest, AcceptHeaderVariantsAreAccepted) {
  HttpClient admin = AdminClient();
  for (const std::string accept : {"application/vnd.pulumi+8", "application/json", "*/*", ""}) {
    SCOPED_TRACE("Accept: " + accept);
    HttpResponse r = admin.Get("/api/user", {{"Accept", accept}});
    EXPECT_EQ(r.status, 200) << r;
  }
}

TEST_F(LoginTest, ResponsesAreGzippedOnlyWhenAsked) {
  HttpClient admin = AdminClient();
  for (int i = 0; i < 5; ++i) ASSERT_EQ(admin.Get("/api/user").status, 200);

  HttpResponse plain = admin.Get("/metrics");
  ASSERT_EQ(plain.status, 200) << plain;
  EXPECT_FALSE(plain.HasHeader("content-encoding")) << plain.Header("content-encoding");
  EXPECT_NE(plain.body.find("statehouse_http_requests_total"), std::string::npos);

  HttpResponse raw = admin.Get("/metrics", {{"Accept-Encoding", "gzip"}});
  ASSERT_EQ(raw.status, 200) << raw;
  std::string encoding = raw.Header("content-encoding");
  EXPECT_TRUE(encoding.empty() || encoding == "gzip" || encoding == "x-gzip") << encoding;
  std::string text = raw.body;
  if (!encoding.empty()) {
    auto inflated = Gunzip(raw.body);
    ASSERT_TRUE(inflated.has_value()) << "response claims gzip but does not inflate";
    text = *inflated;
  }
  EXPECT_NE(text.find("statehouse_http_requests_total"), std::string::npos);

  admin.set_accept_gzip(true);
  HttpResponse user = admin.Get("/api/user");
  ASSERT_EQ(user.status, 200) << user;
  EXPECT_EQ(GetString(ParseJson(user.body), "githubLogin"), "admin");
}

TEST_F(LoginTest, ErrorResponsesAreJsonWithCode) {
  HttpClient admin = AdminClient();
  HttpResponse r = admin.Get("/api/stacks/admin/nosuchproject/nosuchstack");
  ExpectJsonError(r, 404);
  EXPECT_NE(r.Header("content-type").find("json"), std::string::npos) << r.Header("content-type");
}

TEST_F(LoginTest, HeaderNamesAreCaseInsensitive) {
  HttpClient client = Client();
  HttpResponse r = client.Get("/api/user", {{"authorization", "token " + AdminToken()}});
  EXPECT_EQ(r.status, 200) << r;
  r = client.Get("/api/user", {{"AUTHORIZATION", "token " + AdminToken()}});
  EXPECT_EQ(r.status, 200) << r;
}

double SumCounter(const std::string& metrics, const std::string& name) {
  double sum = 0;
  std::istringstream lines(metrics);
  std::string line;
  while (std::getline(lines, line)) {
    if (!line.starts_with(name)) continue;
    if (line.size() > name.size() && line[name.size()] != '{' && line[name.size()] != ' ') continue;
    sum += std::stod(line.substr(line.rfind(' ') + 1));
  }
  return sum;
}

TEST_F(LoginTest, MetricsCountRequests) {
  HttpClient admin = AdminClient();
  double before = SumCounter(admin.Get("/metrics").body, "statehouse_http_requests_total");
  for (int i = 0; i < 5; ++i) ASSERT_EQ(admin.Get("/api/user").status, 200);
  ASSERT_EQ(admin.Get("/api/user/stacks/nope/nope").status, 404);
  double after = SumCounter(admin.Get("/metrics").body, "statehouse_http_requests_total");
  EXPECT_GE(after - before, 6) << "before " << before << " after " << after;
}

}  // namespace
}  // namespace statehouse::testing
