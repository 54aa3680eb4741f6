#include <gtest/gtest.h>

#include <string>

#include "test/integration/harness.h"

namespace statehouse::testing {
namespace {

namespace json = boost::json;

bool ListedBy(HttpClient& client, std::string_view org, std::string_view project,
              std::string_view stack) {
  std::string query;
  for (int guard = 0; guard < 100; ++guard) {
    HttpResponse r = client.Get("/api/user/stacks" + query);
    EXPECT_EQ(r.status, 200) << r;
    if (r.status != 200) return false;
    json::value body = ParseJson(r.body);
    const json::value* stacks = body.is_object() ? body.as_object().if_contains("stacks") : nullptr;
    if (stacks == nullptr || !stacks->is_array()) return false;
    for (const json::value& s : stacks->as_array()) {
      if (GetString(s, "orgName") == org && GetString(s, "projectName") == project &&
          GetString(s, "stackName") == stack) {
        return true;
      }
    }
    std::string token = GetString(body, "continuationToken");
    if (token.empty()) return false;
    query = "?continuationToken=" + UrlEncode(token);
  }
  return false;
}

class PermissionsTest : public IntegrationTest {
 protected:
  void SetUp() override {
    IntegrationTest::SetUp();
    if (HasFatalFailure()) return;
    admin_ = std::make_unique<HttpClient>(AdminClient());
    alice_login_ = UniqueName("alice");
    alice_ = std::make_unique<HttpClient>(Client(CreateUser(*admin_, alice_login_)));
    project_ = UniqueName("perm-proj");
    path_ = StackPath("admin", project_, "dev");
    ASSERT_EQ(CreateStack(*admin_, "admin", project_, "dev").status, 200);
  }

  void ExpectStackInvisibleTo(HttpClient& client) {
    ExpectJsonError(client.Get(path_), 404);
    ExpectJsonError(client.Delete(path_ + "?force=true"), 404);
    ExpectJsonError(client.Patch(path_ + "/tags", Json({{"pulumi:project", project_}})), 404);
    ExpectJsonError(client.Post(path_ + "/tags", R"({"name":"owner","value":"mallory"})"), 404);
    ExpectJsonError(
        client.Patch(path_ + "/tags/pulumi:runtime", R"({"name":"pulumi:runtime","value":"go"})"),
        404);
    ExpectJsonError(client.Delete(path_ + "/tags/pulumi:runtime"), 404);
    ExpectJsonError(
        client.Post(path_ + "/rename", Json({{"newName", "stolen"}, {"newProject", project_}})),
        404);
    ExpectJsonError(client.Post(path_ + "/transfer", Json({{"toOrg", alice_login_}})), 404);
    EXPECT_FALSE(ListedBy(client, "admin", project_, "dev"));
    HttpResponse still = admin_->Get(path_);
    ASSERT_EQ(still.status, 200) << still;
    json::value stack = ParseJson(still.body);
    EXPECT_EQ(GetString(stack, "stackName"), "dev");
    const json::object* tags = FindObject(stack, "tags");
    ASSERT_NE(tags, nullptr);
    EXPECT_EQ(GetString(json::value(*tags), "pulumi:runtime"), "nodejs");
    EXPECT_FALSE(tags->contains("owner"));
  }

  std::unique_ptr<HttpClient> admin_;
  std::unique_ptr<HttpClient> alice_;
  std::string alice_login_;
  std::string project_;
  std::string path_;
};

TEST_F(PermissionsTest, NonMemberSeesNothingInForeignOrg) {
  ExpectStackInvisibleTo(*alice_);
  HttpResponse head = alice_->Head("/api/stacks/admin/" + project_);
  EXPECT_EQ(head.status, 404) << head;
  ExpectJsonError(CreateStack(*alice_, "admin", UniqueName("perm-proj"), "dev"), 404);
  ExpectJsonError(CreateStack(*alice_, "admin", project_, "other"), 404);
}

TEST_F(PermissionsTest, AddMemberByOrgAdmin) {
  HttpResponse r = admin_->Post("/api/orgs/admin/members/" + alice_login_, R"({"role":"member"})");
  ASSERT_EQ(r.status, 200) << r;
  json::value member = ParseJson(r.body);
  ASSERT_TRUE(member.is_object()) << r;
  EXPECT_EQ(GetString(member, "role"), "member") << r;
  const json::object* user = FindObject(member, "user");
  ASSERT_NE(user, nullptr) << r;
  EXPECT_EQ(GetString(json::value(*user), "githubLogin"), alice_login_) << r;

  ExpectJsonError(admin_->Post("/api/orgs/admin/members/" + alice_login_, R"({"role":"member"})"),
                  409);
  ExpectJsonError(admin_->Post("/api/orgs/admin/members/nosuchuser", R"({"role":"member"})"), 404);

  HttpResponse me = alice_->Get("/api/user");
  ASSERT_EQ(me.status, 200);
  bool in_admin_org = false;
  json::value user_body = ParseJson(me.body);
  if (const json::value* orgs = user_body.as_object().if_contains("organizations")) {
    for (const json::value& o : orgs->as_array()) {
      if (GetString(o, "githubLogin") == "admin") in_admin_org = true;
    }
  }
  EXPECT_TRUE(in_admin_org) << me;
}

TEST_F(PermissionsTest, PlainMemberCannotAddMembers) {
  std::string bob = UniqueName("bob");
  CreateUser(*admin_, bob);
  ExpectJsonErrorIn(alice_->Post("/api/orgs/admin/members/" + bob, R"({"role":"member"})"),
                    {403, 404});
  AddMember(*admin_, "admin", alice_login_);
  ExpectJsonError(alice_->Post("/api/orgs/admin/members/" + bob, R"({"role":"member"})"), 403);
  ExpectJsonError(alice_->Post("/api/orgs/admin/members/" + bob, R"({"role":"admin"})"), 403);
}

TEST_F(PermissionsTest, MemberWithDefaultPermissionNoneCannotSeeOthersStacks) {
  AddMember(*admin_, "admin", alice_login_);
  ExpectStackInvisibleTo(*alice_);
}

TEST_F(PermissionsTest, MemberAdministersTheStacksSheCreates) {
  AddMember(*admin_, "admin", alice_login_);
  std::string project = UniqueName("alice-proj");
  HttpResponse created = CreateStack(*alice_, "admin", project, "dev");
  ASSERT_EQ(created.status, 200) << created;
  std::string path = StackPath("admin", project, "dev");

  EXPECT_EQ(alice_->Get(path).status, 200);
  EXPECT_TRUE(ListedBy(*alice_, "admin", project, "dev"));
  EXPECT_FALSE(ListedBy(*alice_, "admin", project_, "dev"));
  EXPECT_EQ(alice_->Post(path + "/tags", R"({"name":"owner","value":"alice"})").status, 204);
  EXPECT_EQ(alice_
                ->Patch(path + "/tags", Json({{"pulumi:project", project},
                                              {"pulumi:runtime", "nodejs"},
                                              {"owner", "alice"},
                                              {"team", "blue"}}))
                .status,
            204);

  std::string bob_login = UniqueName("bob");
  HttpClient bob = Client(CreateUser(*admin_, bob_login));
  AddMember(*admin_, "admin", bob_login);
  ExpectJsonError(bob.Get(path), 404);

  EXPECT_EQ(admin_->Get(path).status, 200);
  EXPECT_TRUE(ListedBy(*admin_, "admin", project, "dev"));

  HttpResponse renamed =
      alice_->Post(path + "/rename", Json({{"newName", "prod"}, {"newProject", project}}));
  EXPECT_GE(renamed.status, 200) << renamed;
  EXPECT_LT(renamed.status, 300) << renamed;
  std::string new_path = StackPath("admin", project, "prod");
  EXPECT_EQ(alice_->Get(new_path).status, 200);
  HttpResponse deleted = alice_->Delete(new_path + "?force=false");
  EXPECT_EQ(deleted.status, 204) << deleted;
  ExpectJsonError(alice_->Get(new_path), 404);
}

TEST_F(PermissionsTest, OrgAdminSeesMembersStacks) {
  AddMember(*admin_, "admin", alice_login_);
  std::string project = UniqueName("alice-proj");
  ASSERT_EQ(CreateStack(*alice_, "admin", project, "dev").status, 200);
  std::string path = StackPath("admin", project, "dev");
  EXPECT_EQ(admin_->Post(path + "/tags", R"({"name":"reviewed","value":"yes"})").status, 204);
  EXPECT_EQ(admin_->Delete(path + "?force=false").status, 204);
  ExpectJsonError(alice_->Get(path), 404);
}

TEST_F(PermissionsTest, OtherUsersCannotTouchPersonalStacks) {
  std::string project = UniqueName("alice-proj");
  ASSERT_EQ(CreateStack(*alice_, alice_login_, project, "dev").status, 200);
  std::string bob_login = UniqueName("bob");
  HttpClient bob = Client(CreateUser(*admin_, bob_login));
  std::string path = StackPath(alice_login_, project, "dev");
  ExpectJsonError(bob.Get(path), 404);
  ExpectJsonError(bob.Delete(path + "?force=true"), 404);
  ExpectJsonError(CreateStack(bob, alice_login_, project, "sneaky"), 404);
  ExpectJsonErrorIn(
      bob.Post("/api/orgs/" + alice_login_ + "/members/" + bob_login, R"({"role":"admin"})"),
      {403, 404});
  EXPECT_EQ(alice_->Get(path).status, 200);
}

}  // namespace
}  // namespace statehouse::testing
