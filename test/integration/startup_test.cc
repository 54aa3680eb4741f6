#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <string>

#include "test/integration/harness.h"

namespace statehouse::testing {
namespace {

namespace json = boost::json;

int CountMatches(const std::string& text, const std::regex& re) {
  return static_cast<int>(
      std::distance(std::sregex_iterator(text.begin(), text.end(), re), std::sregex_iterator()));
}

json::value GetUser(HttpClient& client) {
  HttpResponse r = client.Get("/api/user");
  EXPECT_EQ(r.status, 200) << r;
  return r.status == 200 ? ParseJson(r.body) : json::value();
}

TEST(StartupTest, PrintsListeningLine) {
  ServerProcess server;
  ASSERT_TRUE(server.Start());
  EXPECT_NE(server.Log().find("listening on http://127.0.0.1:" + std::to_string(server.port())),
            std::string::npos)
      << server.Log();
}

TEST(StartupTest, BootstrapTokenCreatesSiteAdmin) {
  ServerProcess server;
  ASSERT_TRUE(server.Start());
  HttpClient admin(server, server.bootstrap_token());
  json::value user = GetUser(admin);
  EXPECT_EQ(GetString(user, "githubLogin"), "admin");
  const json::value* site_admin =
      user.is_object() ? user.as_object().if_contains("siteAdmin") : nullptr;
  ASSERT_NE(site_admin, nullptr);
  EXPECT_TRUE(site_admin->is_bool() && site_admin->as_bool());
  EXPECT_EQ(server.Log().find(server.bootstrap_token()), std::string::npos)
      << "a given bootstrap token must not be echoed to the log";

  CreateUser(admin, "carol");
  HttpResponse added = admin.Post("/api/orgs/admin/members/carol", R"({"role":"member"})");
  EXPECT_EQ(added.status, 200) << "bootstrap user must be admin of org 'admin': " << added;
  HttpResponse stack = CreateStack(admin, "admin", "proj", "dev");
  EXPECT_EQ(stack.status, 200) << stack;
}

TEST(StartupTest, BootstrapUserFlagNamesTheAdmin) {
  ServerConfig config;
  config.extra_args = {"--bootstrap-user", "root-1"};
  ServerProcess server(config);
  ASSERT_TRUE(server.Start());
  HttpClient root(server, server.bootstrap_token());
  json::value user = GetUser(root);
  EXPECT_EQ(GetString(user, "githubLogin"), "root-1");
  bool has_org = false;
  if (const json::value* orgs = user.as_object().if_contains("organizations")) {
    for (const json::value& o : orgs->as_array())
      has_org |= GetString(o, "githubLogin") == "root-1";
  }
  EXPECT_TRUE(has_org) << json::serialize(user);
  HttpResponse org = root.Get("/api/user/organizations/default");
  EXPECT_EQ(GetString(ParseJson(org.body), "GitHubLogin"), "root-1") << org;
  CreateUser(root, "dave");
  EXPECT_EQ(root.Post("/api/orgs/root-1/members/dave", R"({"role":"member"})").status, 200);
  ExpectJsonError(root.Get("/api/stacks/admin/proj/dev"), 404);
}

TEST(StartupTest, EnvironmentVariablesConfigureBootstrap) {
  std::string token = RandomToken();
  ServerConfig config;
  config.pass_bootstrap_token = false;
  config.bootstrap_token = token;
  config.env = {{"STATEHOUSE_BOOTSTRAP_TOKEN", token}, {"STATEHOUSE_BOOTSTRAP_USER", "envadmin"}};
  ServerProcess server(config);
  ASSERT_TRUE(server.Start());
  HttpClient admin(server, token);
  EXPECT_EQ(GetString(GetUser(admin), "githubLogin"), "envadmin");
}

TEST(StartupTest, RandomTokenIsPrintedOnceWhenNoneGiven) {
  ServerConfig config;
  config.pass_bootstrap_token = false;
  ServerProcess server(config);
  ASSERT_TRUE(server.Start());
  const std::string& token = server.bootstrap_token();
  ASSERT_TRUE(IsTokenValue(token)) << "no pul-<40 hex> token on stderr:\n" << server.Log();
  static const std::regex kToken(R"(pul-[0-9a-f]{40})");
  EXPECT_EQ(CountMatches(server.Log(), std::regex(token)), 1) << server.Log();

  HttpClient admin(server, token);
  EXPECT_EQ(GetString(GetUser(admin), "githubLogin"), "admin");

  ASSERT_TRUE(server.Restart());
  EXPECT_EQ(CountMatches(server.Log(), kToken), 0)
      << "no token may be printed on a non-empty database:\n"
      << server.Log();
  HttpClient again(server, token);
  EXPECT_EQ(again.Get("/api/user").status, 200);
}

TEST(StartupTest, BootstrapFlagsChangeNothingOnNonEmptyDatabase) {
  ServerProcess server;
  ASSERT_TRUE(server.Start());
  std::string first = server.bootstrap_token();
  std::string second = RandomToken();
  server.config().bootstrap_token = second;
  server.config().extra_args = {"--bootstrap-user", "intruder"};
  ASSERT_TRUE(server.Restart());

  HttpClient old_client(server, first);
  HttpResponse me = old_client.Get("/api/user");
  ASSERT_EQ(me.status, 200) << me;
  EXPECT_EQ(GetString(ParseJson(me.body), "githubLogin"), "admin");
  HttpClient new_client(server, second);
  ExpectJsonError(new_client.Get("/api/user"), 401);
  HttpResponse created = old_client.Post(
      "/api/admin/users", R"({"login":"intruder","name":"I","email":"i@example.com"})");
  EXPECT_EQ(created.status, 201) << "restart must not have created the user: " << created;
}

TEST(StartupTest, MasterKeyFileIsCreatedPrivate) {
  ServerProcess server;
  ASSERT_TRUE(server.Start());
  struct stat st {};
  std::string path = server.data_dir() + "/master.key";
  ASSERT_EQ(::stat(path.c_str(), &st), 0) << path;
  EXPECT_EQ(st.st_mode & 0777, 0600);
}

TEST(StartupTest, UnusableDataDirFailsFast) {
  ServerProcess server;
  std::filesystem::remove(server.data_dir());
  std::ofstream(server.data_dir()) << "not a directory";
  auto started = server.Start();
  EXPECT_FALSE(started);
  EXPECT_FALSE(server.running());
}

}  // namespace
}  // namespace statehouse::testing
