#include <gtest/gtest.h>

#include <string>

#include "test/integration/harness.h"

namespace statehouse::testing {
namespace {

namespace json = boost::json;

class MembersTest : public IntegrationTest {
 protected:
  void SetUp() override {
    IntegrationTest::SetUp();
    if (HasFatalFailure()) return;
    admin_ = std::make_unique<HttpClient>(AdminClient());
    alice_login_ = UniqueName("alice");
    bob_login_ = UniqueName("bob");
    alice_ = std::make_unique<HttpClient>(Client(CreateUser(*admin_, alice_login_)));
    bob_ = std::make_unique<HttpClient>(Client(CreateUser(*admin_, bob_login_)));
    org_ = UniqueName("acme");
    CreateOrg(*admin_, org_, alice_login_);
    AddMember(*alice_, org_, bob_login_);
  }

  std::string MembersPath() const { return "/api/orgs/" + org_ + "/members"; }
  std::string MemberPath(std::string_view login) const { return MembersPath() + "/" + std::string(login); }

  // login -> role from GET …/members.
  std::map<std::string, std::string> Roles(HttpClient& client) {
    std::map<std::string, std::string> roles;
    HttpResponse r = client.Get(MembersPath());
    EXPECT_EQ(r.status, 200) << r;
    if (r.status != 200) return roles;
    json::value body = ParseJson(r.body);
    for (const json::value& m : body.at("members").as_array()) {
      roles[GetString(m.at("user"), "githubLogin")] = GetString(m, "role");
    }
    return roles;
  }

  std::unique_ptr<HttpClient> admin_, alice_, bob_;
  std::string alice_login_, bob_login_, org_;
};

TEST_F(MembersTest, ListShowsEveryMemberToAnyMember) {
  HttpResponse r = bob_->Get(MembersPath());
  ASSERT_EQ(r.status, 200) << r;
  json::value body = ParseJson(r.body);
  const json::array& members = body.at("members").as_array();
  ASSERT_EQ(members.size(), 2u);
  EXPECT_FALSE(body.as_object().contains("continuationToken"));
  for (const json::value& m : members) {
    const json::value& user = m.at("user");
    EXPECT_FALSE(GetString(user, "githubLogin").empty());
    EXPECT_EQ(GetString(user, "name"), GetString(user, "githubLogin") + " Example");
    EXPECT_EQ(GetString(user, "email"), GetString(user, "githubLogin") + "@example.com");
    EXPECT_TRUE(user.as_object().contains("avatarUrl"));
    EXPECT_EQ(GetString(m, "created").size(), 20u) << GetString(m, "created");
    EXPECT_EQ(m.at("knownToPulumi"), json::value(true));
    EXPECT_EQ(m.at("virtualAdmin"), json::value(false));
  }
  auto roles = Roles(*bob_);
  EXPECT_EQ(roles[alice_login_], "admin");
  EXPECT_EQ(roles[bob_login_], "member");

  EXPECT_EQ(bob_->Get(MembersPath() + "?type=frontend").status, 200);
  EXPECT_EQ(bob_->Get(MembersPath() + "?type=backend").status, 200);
  ExpectJsonError(bob_->Get(MembersPath() + "?type=robots"), 400);
  ExpectJsonError(Client(CreateUser(*admin_, UniqueName("mallory"))).Get(MembersPath()), 404);
  ExpectJsonError(Client().Get(MembersPath()), 401);
}

TEST_F(MembersTest, AddMemberErrors) {
  std::string carol = UniqueName("carol");
  CreateUser(*admin_, carol);
  ExpectJsonError(bob_->Post(MemberPath(carol), R"({"role":"member"})"), 403);
  ExpectJsonError(alice_->Post(MemberPath(carol), R"({"role":"owner"})"), 400);
  ExpectJsonError(alice_->Post(MemberPath("nobody-" + carol), R"({"role":"member"})"), 404);
  ExpectJsonError(alice_->Post(MemberPath(bob_login_), R"({"role":"member"})"), 409);
  HttpResponse r = alice_->Post(MemberPath(carol), R"({"role":"admin"})");
  ASSERT_EQ(r.status, 200) << r;
  EXPECT_EQ(GetString(ParseJson(r.body), "role"), "admin");
  EXPECT_EQ(Roles(*alice_)[carol], "admin");
}

TEST_F(MembersTest, UpdateRole) {
  ExpectJsonError(bob_->Patch(MemberPath(bob_login_), R"({"role":"admin"})"), 403);
  ExpectJsonError(alice_->Patch(MemberPath(bob_login_), R"({"role":"owner"})"), 400);
  ExpectJsonError(alice_->Patch(MemberPath(bob_login_), R"({})"), 400);
  ExpectJsonError(alice_->Patch(MemberPath(bob_login_), "not json"), 400);
  ExpectJsonError(alice_->Patch(MemberPath("nobody-x"), R"({"role":"admin"})"), 404);
  ExpectJsonError(alice_->Patch(MemberPath(alice_login_), R"({"role":"member"})"), 400);

  HttpResponse r = alice_->Patch(MemberPath(bob_login_), R"({"role":"admin"})");
  EXPECT_EQ(r.status, 204) << r;
  EXPECT_EQ(Roles(*alice_)[bob_login_], "admin");
  // Bob is an admin now and may demote alice; then bob is the last admin.
  EXPECT_EQ(bob_->Patch(MemberPath(alice_login_), R"({"role":"member"})").status, 204);
  ExpectJsonError(bob_->Patch(MemberPath(bob_login_), R"({"role":"member"})"), 400);
  ExpectJsonError(alice_->Patch(MemberPath(bob_login_), R"({"role":"member"})"), 403);
  EXPECT_EQ(Roles(*bob_)[alice_login_], "member");
}

TEST_F(MembersTest, RemoveMember) {
  ExpectJsonError(bob_->Delete(MemberPath(alice_login_)), 403);
  ExpectJsonError(alice_->Delete(MemberPath(alice_login_)), 400);
  ExpectJsonError(alice_->Delete(MemberPath("nobody-x")), 404);
  std::string outsider = UniqueName("dave");
  CreateUser(*admin_, outsider);
  ExpectJsonError(alice_->Delete(MemberPath(outsider)), 404);

  HttpResponse r = alice_->Delete(MemberPath(bob_login_));
  EXPECT_EQ(r.status, 204) << r;
  EXPECT_EQ(Roles(*alice_).count(bob_login_), 0u);
  ExpectJsonError(bob_->Get(MembersPath()), 404);
  ExpectJsonError(alice_->Delete(MemberPath(bob_login_)), 404);
}

TEST_F(MembersTest, TheLastAdminCannotBeRemoved) {
  std::string carol = UniqueName("carol");
  HttpClient carol_client = Client(CreateUser(*admin_, carol));
  ASSERT_EQ(alice_->Post(MemberPath(carol), R"({"role":"admin"})").status, 200);
  EXPECT_EQ(carol_client.Delete(MemberPath(alice_login_)).status, 204);
  // Carol is now the only admin; she cannot remove herself (400) and nobody else can.
  ExpectJsonError(carol_client.Delete(MemberPath(carol)), 400);
  ASSERT_EQ(carol_client.Patch(MemberPath(bob_login_), R"({"role":"admin"})").status, 204);
  EXPECT_EQ(bob_->Delete(MemberPath(carol)).status, 204);
  ExpectJsonError(bob_->Patch(MemberPath(bob_login_), R"({"role":"member"})"), 400);
}

TEST_F(MembersTest, RemovingAMemberRemovesThemFromTeams) {
  std::string teams = "/api/orgs/" + org_ + "/teams";
  ASSERT_EQ(alice_->Post(teams + "/pulumi", R"({"name":"ops","displayName":"Ops","description":""})")
                .status,
            201);
  ASSERT_EQ(alice_->Patch(teams + "/ops", Json({{"memberAction", "add"}, {"member", bob_login_}}))
                .status,
            204);
  ASSERT_EQ(alice_->Delete(MemberPath(bob_login_)).status, 204);
  AddMember(*alice_, org_, bob_login_);
  HttpResponse r = alice_->Get(teams + "/ops");
  ASSERT_EQ(r.status, 200) << r;
  json::value team = ParseJson(r.body);
  for (const json::value& m : team.at("members").as_array()) {
    EXPECT_NE(GetString(m, "githubLogin"), bob_login_);
  }
}

TEST_F(MembersTest, OrgSettingsDefaultStackPermission) {
  std::string path = "/api/orgs/" + org_;
  HttpResponse r = bob_->Get(path);
  ASSERT_EQ(r.status, 200) << r;
  json::value org = ParseJson(r.body);
  EXPECT_EQ(GetString(org, "name"), org_);
  EXPECT_EQ(GetInt(org, "defaultStackPermission"), 0);
  EXPECT_EQ(GetString(org, "userRole"), "member");

  ExpectJsonError(bob_->Patch(path, R"({"setDefaultStackPermission":101})"), 403);
  ExpectJsonError(alice_->Patch(path, R"({"setDefaultStackPermission":103})"), 400);
  ExpectJsonError(alice_->Patch(path, R"({"setDefaultStackPermission":"read"})"), 400);
  ExpectJsonError(alice_->Patch(path, R"({})"), 400);
  r = alice_->Patch(path, R"({"setDefaultStackPermission":101})");
  ASSERT_EQ(r.status, 200) << r;
  EXPECT_EQ(GetInt(ParseJson(r.body), "defaultStackPermission"), 101);
  EXPECT_EQ(GetInt(ParseJson(bob_->Get(path).body), "defaultStackPermission"), 101);
  ExpectJsonError(Client(CreateUser(*admin_, UniqueName("eve"))).Get(path), 404);
}

}  // namespace
}  // namespace statehouse::testing
