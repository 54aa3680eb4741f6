#include <gtest/gtest.h>

#include <string>

#include "test/integration/harness.h"

namespace statehouse::testing {
namespace {

namespace json = boost::json;

class TeamsTest : public IntegrationTest {
 protected:
  void SetUp() override {
    IntegrationTest::SetUp();
    if (HasFatalFailure()) return;
    admin_ = std::make_unique<HttpClient>(AdminClient());
    alice_login_ = UniqueName("alice");
    bob_login_ = UniqueName("bob");
    carol_login_ = UniqueName("carol");
    alice_ = std::make_unique<HttpClient>(Client(CreateUser(*admin_, alice_login_)));
    bob_ = std::make_unique<HttpClient>(Client(CreateUser(*admin_, bob_login_)));
    carol_ = std::make_unique<HttpClient>(Client(CreateUser(*admin_, carol_login_)));
    org_ = UniqueName("acme");
    CreateOrg(*admin_, org_, alice_login_);
    AddMember(*alice_, org_, bob_login_);
    AddMember(*alice_, org_, carol_login_);
    ASSERT_EQ(CreateStack(*alice_, org_, "web", "prod").status, 200);
  }

  std::string Teams() const { return "/api/orgs/" + org_ + "/teams"; }
  std::string Team(std::string_view name) const { return Teams() + "/" + std::string(name); }

  HttpResponse CreateTeam(HttpClient& client, std::string_view name,
                          std::string_view display_name = "Display") {
    return client.Post(Teams() + "/pulumi",
                       Json({{"name", name}, {"displayName", display_name}, {"description", "d"}}));
  }
  HttpResponse Member(HttpClient& client, std::string_view team, std::string_view action,
                      std::string_view login) {
    return client.Patch(Team(team), Json({{"memberAction", action}, {"member", login}}));
  }
  HttpResponse Grant(HttpClient& client, std::string_view team, std::string_view key,
                     std::string_view project, std::string_view stack, int64_t permission) {
    return client.Patch(Team(team), Json({{key, {{"projectName", project},
                                                 {"stackName", stack},
                                                 {"permission", permission}}}}));
  }

  std::unique_ptr<HttpClient> admin_, alice_, bob_, carol_;
  std::string alice_login_, bob_login_, carol_login_, org_;
};

TEST_F(TeamsTest, CreateReturnsTheTeamWithItsCreator) {
  HttpResponse r = CreateTeam(*alice_, "ops", "Operations");
  ASSERT_EQ(r.status, 201) << r;
  json::value team = ParseJson(r.body);
  EXPECT_EQ(GetString(team, "kind"), "pulumi");
  EXPECT_EQ(GetString(team, "name"), "ops");
  EXPECT_EQ(GetString(team, "displayName"), "Operations");
  EXPECT_EQ(GetString(team, "description"), "d");
  EXPECT_EQ(GetString(team, "userRole"), "admin");
  const json::array& members = team.at("members").as_array();
  ASSERT_EQ(members.size(), 1u);
  EXPECT_EQ(GetString(members[0], "githubLogin"), alice_login_);
  EXPECT_EQ(GetString(members[0], "role"), "admin");
  EXPECT_TRUE(team.at("stacks").as_array().empty());
}

TEST_F(TeamsTest, CreateErrors) {
  ASSERT_EQ(CreateTeam(*alice_, "ops").status, 201);
  ExpectJsonError(CreateTeam(*alice_, "OPS"), 409);
  ExpectJsonError(CreateTeam(*alice_, "bad name"), 400);
  ExpectJsonError(CreateTeam(*alice_, ""), 400);
  ExpectJsonError(CreateTeam(*alice_, "dev", std::string(101, 'x')), 400);
  ExpectJsonError(alice_->Post(Teams() + "/pulumi", "{"), 400);
  ExpectJsonError(CreateTeam(*bob_, "dev"), 403);
  HttpClient anonymous = Client();
  ExpectJsonError(CreateTeam(anonymous, "x"), 401);
  HttpClient outsider = Client(CreateUser(*admin_, UniqueName("mallory")));
  ExpectJsonError(CreateTeam(outsider, "x"), 404);
  HttpResponse github = alice_->Post(Teams() + "/github", R"({"githubTeamID":7})");
  ExpectJsonError(github, 400);
  EXPECT_NE(ErrorMessage(github).find("GitHub teams are not supported"), std::string::npos);
}

TEST_F(TeamsTest, ListAndGetForMembers) {
  ASSERT_EQ(CreateTeam(*alice_, "ops").status, 201);
  ASSERT_EQ(CreateTeam(*alice_, "dev").status, 201);
  HttpResponse r = bob_->Get(Teams());
  ASSERT_EQ(r.status, 200) << r;
  json::value body = ParseJson(r.body);
  const json::array& teams = body.at("teams").as_array();
  ASSERT_EQ(teams.size(), 2u);
  EXPECT_EQ(GetString(teams[0], "name"), "dev");
  EXPECT_EQ(GetString(teams[1], "name"), "ops");
  EXPECT_EQ(GetString(teams[1], "userRole"), "none");

  r = bob_->Get(Team("OPS"));
  ASSERT_EQ(r.status, 200) << r;
  EXPECT_EQ(GetString(ParseJson(r.body), "name"), "ops");
  ExpectJsonError(bob_->Get(Team("missing")), 404);
  HttpClient outsider = Client(CreateUser(*admin_, UniqueName("mallory")));
  ExpectJsonError(outsider.Get(Teams()), 404);
  ExpectJsonError(outsider.Get(Team("ops")), 404);
}

TEST_F(TeamsTest, DeleteTeam) {
  ASSERT_EQ(CreateTeam(*alice_, "ops").status, 201);
  ExpectJsonError(bob_->Delete(Team("ops")), 403);
  EXPECT_EQ(alice_->Delete(Team("ops")).status, 204);
  ExpectJsonError(alice_->Delete(Team("ops")), 404);
  ExpectJsonError(alice_->Get(Team("ops")), 404);
  EXPECT_EQ(CreateTeam(*alice_, "ops").status, 201);
}

TEST_F(TeamsTest, MembershipActions) {
  ASSERT_EQ(CreateTeam(*alice_, "ops").status, 201);
  ExpectJsonError(Member(*bob_, "ops", "add", carol_login_), 403);
  EXPECT_EQ(Member(*alice_, "ops", "add", bob_login_).status, 204);
  ExpectJsonError(Member(*alice_, "ops", "add", bob_login_), 409);
  ExpectJsonError(Member(*bob_, "ops", "add", carol_login_), 403);  // plain team member
  EXPECT_EQ(Member(*alice_, "ops", "promote", bob_login_).status, 204);
  EXPECT_EQ(Member(*bob_, "ops", "add", carol_login_).status, 204);  // team admin
  EXPECT_EQ(Member(*bob_, "ops", "promote", carol_login_).status, 204);
  EXPECT_EQ(Member(*bob_, "ops", "demote", carol_login_).status, 204);
  EXPECT_EQ(Member(*bob_, "ops", "remove", carol_login_).status, 204);
  ExpectJsonError(Member(*bob_, "ops", "remove", carol_login_), 404);
  ExpectJsonError(Member(*bob_, "ops", "demote", carol_login_), 404);
  ExpectJsonError(Member(*alice_, "ops", "invite", carol_login_), 400);
  ExpectJsonError(alice_->Patch(Team("ops"), R"({"memberAction":"add"})"), 400);
  ExpectJsonError(Member(*alice_, "missing", "add", carol_login_), 404);
  std::string outsider = UniqueName("mallory");
  CreateUser(*admin_, outsider);
  ExpectJsonError(Member(*alice_, "ops", "add", outsider), 404);
  ExpectJsonError(Member(*alice_, "ops", "add", "nobody-" + outsider), 404);

  HttpResponse r = carol_->Get(Team("ops"));
  ASSERT_EQ(r.status, 200) << r;
  json::value team = ParseJson(r.body);
  EXPECT_EQ(GetString(team, "userRole"), "none");
  std::map<std::string, std::string> roles;
  for (const json::value& m : team.at("members").as_array()) {
    roles[GetString(m, "githubLogin")] = GetString(m, "role");
    EXPECT_TRUE(m.as_object().contains("avatarUrl"));
    EXPECT_FALSE(GetString(m, "name").empty());
  }
  EXPECT_EQ(roles, (std::map<std::string, std::string>{{alice_login_, "admin"},
                                                       {bob_login_, "admin"}}));
}

TEST_F(TeamsTest, StackPermissions) {
  ASSERT_EQ(CreateTeam(*alice_, "ops").status, 201);
  ASSERT_EQ(Member(*alice_, "ops", "add", bob_login_).status, 204);
  ASSERT_EQ(Member(*alice_, "ops", "promote", bob_login_).status, 204);
  ExpectJsonError(Grant(*bob_, "ops", "addStackPermission", "web", "prod", 101), 403);
  ExpectJsonError(Grant(*alice_, "ops", "addStackPermission", "web", "prod", 104), 400);
  ExpectJsonError(Grant(*alice_, "ops", "addStackPermission", "web", "prod", 0), 400);
  ExpectJsonError(Grant(*alice_, "ops", "addStackPermission", "web", "missing", 101), 404);
  ExpectJsonError(Grant(*alice_, "ops", "editStackPermission", "web", "prod", 102), 404);
  ExpectJsonError(Grant(*alice_, "missing", "addStackPermission", "web", "prod", 101), 404);
  EXPECT_EQ(Grant(*alice_, "ops", "addStackPermission", "web", "prod", 101).status, 204);
  EXPECT_EQ(Grant(*alice_, "ops", "editStackPermission", "WEB", "PROD", 102).status, 204);

  HttpResponse r = bob_->Get(Team("ops"));
  ASSERT_EQ(r.status, 200) << r;
  json::value team = ParseJson(r.body);
  const json::array& stacks = team.at("stacks").as_array();
  ASSERT_EQ(stacks.size(), 1u);
  EXPECT_EQ(GetString(stacks[0], "projectName"), "web");
  EXPECT_EQ(GetString(stacks[0], "stackName"), "prod");
  EXPECT_EQ(GetInt(stacks[0], "permission"), 102);

  json::value remove = {{"removeStack", {{"projectName", "web"}, {"stackName", "prod"}}}};
  ExpectJsonError(bob_->Patch(Team("ops"), Json(remove)), 403);
  EXPECT_EQ(alice_->Patch(Team("ops"), Json(remove)).status, 204);
  ExpectJsonError(alice_->Patch(Team("ops"), Json(remove)), 404);
  EXPECT_TRUE(ParseJson(bob_->Get(Team("ops")).body).at("stacks").as_array().empty());
}

TEST_F(TeamsTest, DisplayNameDescriptionAndBadRequests) {
  ASSERT_EQ(CreateTeam(*alice_, "ops").status, 201);
  ExpectJsonError(bob_->Patch(Team("ops"), R"({"newDisplayName":"Ops"})"), 403);
  ExpectJsonError(alice_->Patch(Team("ops"), Json({{"newDisplayName", std::string(101, 'x')}})),
                  400);
  EXPECT_EQ(alice_->Patch(Team("ops"), R"({"newDisplayName":"Ops","newDescription":"runs"})").status,
            204);
  json::value team = ParseJson(alice_->Get(Team("ops")).body);
  EXPECT_EQ(GetString(team, "displayName"), "Ops");
  EXPECT_EQ(GetString(team, "description"), "runs");

  ExpectJsonError(alice_->Patch(Team("ops"), R"({})"), 400);
  ExpectJsonError(alice_->Patch(Team("ops"), Json({{"memberAction", "add"},
                                                    {"member", bob_login_},
                                                    {"newDisplayName", "x"}})),
                  400);
  ExpectJsonError(alice_->Patch(Team("ops"), R"({"addStackPermission":"web/prod"})"), 400);
  ExpectJsonError(alice_->Patch(Team("ops"), R"({"removeEnvironment":{"projectName":"p","envName":"e"}})"),
                  400);
  ExpectJsonError(Client(CreateUser(*admin_, UniqueName("mallory"))).Patch(Team("ops"), R"({})"),
                  404);
}

}  // namespace
}  // namespace statehouse::testing
