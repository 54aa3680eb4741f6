#include <gtest/gtest.h>

#include <string>

#include "test/integration/harness.h"

namespace statehouse::testing {
namespace {

namespace json = boost::json;

std::string UserBody(std::string_view login) {
  return Json(
      {{"login", login}, {"name", "Someone"}, {"email", std::string(login) + "@example.com"}});
}

bool HasOrganization(const json::value& user, std::string_view org) {
  const json::value* orgs =
      user.is_object() ? user.as_object().if_contains("organizations") : nullptr;
  if (orgs == nullptr || !orgs->is_array()) return false;
  for (const json::value& o : orgs->as_array()) {
    if (GetString(o, "githubLogin") == org) return true;
  }
  return false;
}

class AdminTest : public IntegrationTest {};

TEST_F(AdminTest, CreateUserReturnsAWorkingToken) {
  HttpClient admin = AdminClient();
  HttpResponse r = admin.Post("/api/admin/users",
                              R"({"login":"alice","name":"Alice","email":"alice@example.com"})");
  ASSERT_EQ(r.status, 201) << r;
  json::value created = ParseJson(r.body);
  EXPECT_EQ(GetString(created, "login"), "alice");
  EXPECT_EQ(GetString(created, "name"), "Alice");
  EXPECT_EQ(GetString(created, "email"), "alice@example.com");
  std::string token = GetString(created, "token");
  EXPECT_TRUE(IsTokenValue(token)) << token;

  HttpClient alice = Client(token);
  HttpResponse me = alice.Get("/api/user");
  ASSERT_EQ(me.status, 200) << me;
  json::value user = ParseJson(me.body);
  EXPECT_EQ(GetString(user, "githubLogin"), "alice");
  EXPECT_TRUE(HasOrganization(user, "alice")) << me;
  EXPECT_FALSE(HasOrganization(user, "admin")) << me;
  const json::value* site_admin = user.as_object().if_contains("siteAdmin");
  EXPECT_TRUE(site_admin == nullptr || (site_admin->is_bool() && !site_admin->as_bool())) << me;

  HttpResponse org = alice.Get("/api/user/organizations/default");
  ASSERT_EQ(org.status, 200) << org;
  EXPECT_EQ(GetString(ParseJson(org.body), "GitHubLogin"), "alice");
  EXPECT_EQ(CreateStack(alice, "alice", "proj", "dev").status, 200);

  ExpectJsonError(admin.Post("/api/admin/users", UserBody("alice")), 409);
}

TEST_F(AdminTest, LoginValidation) {
  HttpClient admin = AdminClient();
  for (const std::string& login :
       {std::string("-bad"), std::string("a b"), std::string(40, 'x'), std::string(""),
        std::string(".dot"), std::string("slash/y"), std::string("caf\xc3\xa9")}) {
    SCOPED_TRACE("login '" + login + "'");
    ExpectJsonError(admin.Post("/api/admin/users", UserBody(login)), 400);
  }
  std::string longest = "z" + std::string(38, 'y');
  HttpResponse ok = admin.Post("/api/admin/users", UserBody(longest));
  EXPECT_EQ(ok.status, 201) << ok;
  HttpResponse punct = admin.Post("/api/admin/users", UserBody("a1_b.c-d"));
  EXPECT_EQ(punct.status, 201) << punct;
}

TEST_F(AdminTest, NamesOfConsoleRoutesAreRefused) {
  HttpClient admin = AdminClient();
  for (const std::string name : {"api", "assets", "cli-login", "User"}) {
    SCOPED_TRACE(name);
    ExpectJsonError(admin.Post("/api/admin/orgs", Json({{"name", name}, {"admin", "admin"}})), 400);
    ExpectJsonError(admin.Post("/api/admin/users", UserBody(name)), 400);
  }
}

TEST_F(AdminTest, CreateUserRequiresFields) {
  HttpClient admin = AdminClient();
  ExpectJsonError(admin.Post("/api/admin/users", R"({"name":"X","email":"x@example.com"})"), 400);
  ExpectJsonError(admin.Post("/api/admin/users", R"({"login":5})"), 400);
  ExpectJsonError(admin.Post("/api/admin/users", "{"), 400);
}

TEST_F(AdminTest, OnlySiteAdminsMayCreateUsersAndOrgs) {
  HttpClient admin = AdminClient();
  HttpClient bob = Client(CreateUser(admin, UniqueName("bob")));
  ExpectJsonError(bob.Post("/api/admin/users", UserBody(UniqueName("carol"))), 403);
  ExpectJsonError(
      bob.Post("/api/admin/orgs", Json({{"name", UniqueName("org")}, {"admin", "admin"}})), 403);
}

TEST_F(AdminTest, CreateOrg) {
  HttpClient admin = AdminClient();
  std::string owner = UniqueName("dana");
  HttpClient dana = Client(CreateUser(admin, owner));
  std::string org = UniqueName("acme");

  HttpResponse r = admin.Post("/api/admin/orgs", Json({{"name", org}, {"admin", owner}}));
  ASSERT_EQ(r.status, 201) << r;
  EXPECT_EQ(GetString(ParseJson(r.body), "name"), org);

  HttpResponse me = dana.Get("/api/user");
  ASSERT_EQ(me.status, 200);
  EXPECT_TRUE(HasOrganization(ParseJson(me.body), org)) << me;
  EXPECT_EQ(CreateStack(dana, org, "proj", "dev").status, 200);
  std::string member = UniqueName("erin");
  CreateUser(admin, member);
  AddMember(dana, org, member);

  ExpectJsonError(admin.Post("/api/admin/orgs", Json({{"name", org}, {"admin", owner}})), 409);
  ExpectJsonError(admin.Post("/api/admin/orgs", Json({{"name", owner}, {"admin", owner}})), 409);
  ExpectJsonErrorIn(
      admin.Post("/api/admin/orgs", Json({{"name", UniqueName("org")}, {"admin", "nosuchuser"}})),
      {400, 404});
  ExpectJsonError(admin.Post("/api/admin/orgs", Json({{"name", "-bad"}, {"admin", owner}})), 400);
}

TEST_F(AdminTest, UserLoginCannotTakeAnExistingOrgName) {
  HttpClient admin = AdminClient();
  std::string org = UniqueName("globex");
  CreateOrg(admin, org, "admin");
  ExpectJsonErrorIn(admin.Post("/api/admin/users", UserBody(org)), {400, 409});
}

}  // namespace
}  // namespace statehouse::testing
