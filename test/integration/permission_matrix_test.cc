// Every stack endpoint against every way of holding (or lacking) access, per
// stack permission level: read = GET + list; write = + tags; admin = + rename,
// transfer, delete. No access at all is 404; too little is 403.

#include <gtest/gtest.h>

#include <string>

#include "test/integration/harness.h"

namespace statehouse::testing {
namespace {

namespace json = boost::json;

enum class Actor {
  kOrgAdmin,
  kMemberWithoutGrant,
  kTeamRead,
  kTeamWrite,
  kTeamAdmin,
  kDefaultRead,
  kDefaultWrite,
  kOutsider,
};

struct Row {
  Actor actor;
  const char* name;
  long get;  // also decides whether the stack is listed
  long write;
  long admin_ok;  // status for rename (200) when allowed; transfer/delete map 200 -> 204
};

constexpr long kOk = 200;

std::ostream& operator<<(std::ostream& os, const Row& row) { return os << row.name; }

bool Listed(HttpClient& client, std::string_view org, std::string_view project,
            std::string_view stack) {
  HttpResponse r = client.Get("/api/user/stacks?organization=" + std::string(org) +
                              "&project=" + std::string(project));
  EXPECT_EQ(r.status, 200) << r;
  if (r.status != 200) return false;
  json::value body = ParseJson(r.body);
  for (const json::value& s : body.at("stacks").as_array()) {
    if (GetString(s, "stackName") == stack) return true;
  }
  return false;
}

class PermissionMatrixTest : public IntegrationTest, public ::testing::WithParamInterface<Row> {};

TEST_P(PermissionMatrixTest, StackEndpoints) {
  const Row& row = GetParam();
  HttpClient admin = AdminClient();
  const std::string owner_login = UniqueName("alice");
  const std::string actor_login = UniqueName("bob");
  HttpClient owner = Client(CreateUser(admin, owner_login));
  HttpClient actor = Client(CreateUser(admin, actor_login));
  const std::string org = UniqueName("acme");
  const std::string project = "web";
  CreateOrg(admin, org, owner_login);
  for (const char* stack : {"main", "to-rename", "to-transfer", "to-delete"}) {
    ASSERT_EQ(CreateStack(owner, org, project, stack).status, 200) << stack;
  }
  ASSERT_EQ(owner.Post(StackPath(org, project, "main") + "/tags",
                       R"({"name":"owner","value":"platform"})")
                .status,
            204);

  const std::string teams = "/api/orgs/" + org + "/teams";
  auto grant_team = [&](int permission) {
    ASSERT_EQ(owner.Post(teams + "/pulumi", R"({"name":"ops","displayName":"","description":""})")
                  .status,
              201);
    ASSERT_EQ(owner.Patch(teams + "/ops", Json({{"memberAction", "add"}, {"member", actor_login}}))
                  .status,
              204);
    for (const char* stack : {"main", "to-rename", "to-transfer", "to-delete"}) {
      ASSERT_EQ(owner.Patch(teams + "/ops", Json({{"addStackPermission",
                                                    {{"projectName", project},
                                                     {"stackName", stack},
                                                     {"permission", permission}}}}))
                    .status,
                204);
    }
  };
  auto set_default = [&](int permission) {
    ASSERT_EQ(owner.Patch("/api/orgs/" + org, Json({{"setDefaultStackPermission", permission}}))
                  .status,
              200);
  };
  switch (row.actor) {
    case Actor::kOrgAdmin:
      ASSERT_EQ(owner.Post("/api/orgs/" + org + "/members/" + actor_login, R"({"role":"admin"})")
                    .status,
                200);
      break;
    case Actor::kOutsider:
      break;
    default:
      AddMember(owner, org, actor_login);
      break;
  }
  if (row.actor == Actor::kTeamRead) grant_team(101);
  if (row.actor == Actor::kTeamWrite) grant_team(102);
  if (row.actor == Actor::kTeamAdmin) grant_team(103);
  if (row.actor == Actor::kDefaultRead) set_default(101);
  if (row.actor == Actor::kDefaultWrite) set_default(102);
  if (HasFatalFailure()) return;

  const std::string main = StackPath(org, project, "main");
  auto expect_status = [&](const HttpResponse& r, long expected, std::string_view what) {
    SCOPED_TRACE(std::string(what));
    if (expected == kOk) {
      EXPECT_TRUE(r.status == 200 || r.status == 204) << r;
    } else {
      ExpectJsonError(r, expected);
    }
  };

  expect_status(actor.Get(main), row.get, "GET stack");
  EXPECT_EQ(Listed(actor, org, project, "main"), row.get == kOk) << "list";
  expect_status(actor.Patch(main + "/tags", Json({{"pulumi:project", project},
                                                  {"pulumi:runtime", "nodejs"},
                                                  {"owner", "platform"},
                                                  {"env", "prod"}})),
                row.write, "PATCH tags");
  expect_status(actor.Post(main + "/tags", R"({"name":"cost-center","value":"42"})"), row.write,
                "POST tag");
  expect_status(actor.Delete(main + "/tags/owner"), row.write, "DELETE tag");
  expect_status(actor.Post(StackPath(org, project, "to-rename") + "/rename",
                           Json({{"newName", "renamed"}, {"newProject", project}})),
                row.admin_ok, "rename");
  expect_status(actor.Post(StackPath(org, project, "to-transfer") + "/transfer",
                           Json({{"toOrg", actor_login}})),
                row.admin_ok, "transfer");
  expect_status(actor.Delete(StackPath(org, project, "to-delete")), row.admin_ok, "DELETE stack");

  // What actually happened, seen by the org's admin.
  json::value tags = ParseJson(owner.Get(main).body).at("tags");
  EXPECT_EQ(tags.as_object().contains("cost-center"), row.write == kOk);
  EXPECT_EQ(tags.as_object().contains("owner"), row.write != kOk);
  const bool admin_allowed = row.admin_ok == kOk;
  EXPECT_EQ(owner.Get(StackPath(org, project, "renamed")).status, admin_allowed ? 200 : 404);
  EXPECT_EQ(owner.Get(StackPath(org, project, "to-rename")).status, admin_allowed ? 404 : 200);
  EXPECT_EQ(owner.Get(StackPath(org, project, "to-transfer")).status, admin_allowed ? 404 : 200);
  EXPECT_EQ(owner.Get(StackPath(org, project, "to-delete")).status, admin_allowed ? 404 : 200);
  if (admin_allowed) {
    EXPECT_EQ(actor.Get(StackPath(actor_login, project, "to-transfer")).status, 200);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Matrix, PermissionMatrixTest,
    ::testing::Values(Row{Actor::kOrgAdmin, "OrgAdmin", kOk, kOk, kOk},
                      Row{Actor::kMemberWithoutGrant, "MemberWithoutGrant", 404, 404, 404},
                      Row{Actor::kTeamRead, "TeamRead", kOk, 403, 403},
                      Row{Actor::kTeamWrite, "TeamWrite", kOk, kOk, 403},
                      Row{Actor::kTeamAdmin, "TeamAdmin", kOk, kOk, kOk},
                      Row{Actor::kDefaultRead, "OrgDefaultRead", kOk, 403, 403},
                      Row{Actor::kDefaultWrite, "OrgDefaultWrite", kOk, kOk, 403},
                      Row{Actor::kOutsider, "Outsider", 404, 404, 404}),
    [](const ::testing::TestParamInfo<Row>& info) { return std::string(info.param.name); });

// The issue's acceptance scenario.
class TeamAccessAcceptanceTest : public IntegrationTest {};

TEST_F(TeamAccessAcceptanceTest, ReadGrantThroughATeam) {
  HttpClient admin = AdminClient();
  const std::string org = UniqueName("acme");
  const std::string project = UniqueName("web");
  CreateOrg(admin, org, "admin");
  ASSERT_EQ(CreateStack(admin, org, project, "prod").status, 200);
  ASSERT_EQ(CreateStack(admin, org, project, "staging").status, 200);

  // A second user created through the site-admin endpoint.
  const std::string bob_login = UniqueName("bob");
  HttpClient bob = Client(CreateUser(admin, bob_login));
  AddMember(admin, org, bob_login);
  const std::string team = "/api/orgs/" + org + "/teams/readers";
  ASSERT_EQ(admin.Post("/api/orgs/" + org + "/teams/pulumi",
                       R"({"name":"readers","displayName":"Readers","description":""})")
                .status,
            201);
  ASSERT_EQ(admin.Patch(team, Json({{"memberAction", "add"}, {"member", bob_login}})).status, 204);
  ASSERT_EQ(admin.Patch(team, Json({{"addStackPermission",
                                     {{"projectName", project},
                                      {"stackName", "prod"},
                                      {"permission", 101}}}}))
                .status,
            204);

  const std::string prod = StackPath(org, project, "prod");
  HttpResponse r = bob.Get(prod);
  ASSERT_EQ(r.status, 200) << r;
  EXPECT_EQ(GetString(ParseJson(r.body), "stackName"), "prod");
  EXPECT_TRUE(Listed(bob, org, project, "prod"));
  EXPECT_FALSE(Listed(bob, org, project, "staging"));
  HttpResponse history = bob.Get(prod + "/updates");
  EXPECT_EQ(history.status, 200) << history;
  EXPECT_TRUE(ParseJson(history.body).at("updates").as_array().empty()) << history;
  ExpectJsonError(bob.Post(prod + "/update", "{}"), 403);
  ExpectJsonError(bob.Patch(prod + "/tags", Json({{"pulumi:project", project}})), 403);
  ExpectJsonError(bob.Delete(prod), 403);
  ExpectJsonError(bob.Get(StackPath(org, project, "staging")), 404);
  EXPECT_EQ(admin.Get(prod).status, 200);

  // Leaving the team (or the org) takes the access away.
  ASSERT_EQ(admin.Patch(team, Json({{"memberAction", "remove"}, {"member", bob_login}})).status,
            204);
  ExpectJsonError(bob.Get(prod), 404);
}

}  // namespace
}  // namespace statehouse::testing
