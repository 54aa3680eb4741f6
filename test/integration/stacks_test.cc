#include <string>

#include <gtest/gtest.h>

#include "test/integration/harness.h"

namespace statehouse::testing {
namespace {

namespace json = boost::json;

class StacksTest : public IntegrationTest {
 protected:
  json::object TagsOf(HttpClient& client, const std::string& path) {
    HttpResponse r = client.Get(path);
    EXPECT_EQ(r.status, 200) << r;
    json::value stack = ParseJson(r.body);
    const json::object* tags = FindObject(stack, "tags");
    return tags != nullptr ? *tags : json::object{};
  }
};

TEST_F(StacksTest, CreateReturnsJsonObjectAndDuplicateIs409) {
  HttpClient admin = AdminClient();
  std::string project = UniqueName("proj");
  HttpResponse created = CreateStack(admin, "admin", project, "dev");
  ASSERT_EQ(created.status, 200) << created;
  auto body = TryParseJson(created.body);
  ASSERT_TRUE(body.has_value() && body->is_object()) << created;

  HttpResponse again = CreateStack(admin, "admin", project, "dev");
  ExpectJsonError(again, 409);
  EXPECT_NE(ErrorMessage(again).find("already exists"), std::string::npos) << again;
}

TEST_F(StacksTest, HeadProjectReportsExistence) {
  HttpClient admin = AdminClient();
  std::string project = UniqueName("proj");
  ASSERT_EQ(CreateStack(admin, "admin", project, "dev").status, 200);

  HttpResponse exists = admin.Head("/api/stacks/admin/" + project);
  EXPECT_EQ(exists.status, 200) << exists;
  HttpResponse missing = admin.Head("/api/stacks/admin/" + UniqueName("nosuchproj"));
  EXPECT_EQ(missing.status, 404) << missing;
  EXPECT_TRUE(missing.body.empty());
  HttpResponse other_org = admin.Head("/api/stacks/nosuchorg/" + project);
  EXPECT_EQ(other_org.status, 404) << other_org;
}

TEST_F(StacksTest, GetStackEchoesIdentityAndHasNoConfig) {
  HttpClient admin = AdminClient();
  std::string project = UniqueName("Proj.Mixed_Case");
  ASSERT_EQ(CreateStack(admin, "admin", project, "Dev-1").status, 200);

  HttpResponse r = admin.Get(StackPath("admin", project, "Dev-1"));
  ASSERT_EQ(r.status, 200) << r;
  json::value stack = ParseJson(r.body);
  ASSERT_TRUE(stack.is_object()) << r;
  EXPECT_EQ(GetString(stack, "orgName"), "admin");
  EXPECT_EQ(GetString(stack, "projectName"), project);
  EXPECT_EQ(GetString(stack, "stackName"), "Dev-1");
  const json::value* active = stack.as_object().if_contains("activeUpdate");
  ASSERT_NE(active, nullptr) << r;
  EXPECT_TRUE(active->is_string() && active->as_string().empty()) << r;
  EXPECT_EQ(GetInt(stack, "version"), 0) << r;
  EXPECT_FALSE(stack.as_object().contains("config")) << r;
  const json::object* tags = FindObject(stack, "tags");
  ASSERT_NE(tags, nullptr) << r;
  EXPECT_EQ(GetString(json::value(*tags), "pulumi:project"), project);
  EXPECT_EQ(GetString(json::value(*tags), "pulumi:runtime"), "nodejs");
}

TEST_F(StacksTest, UnknownStackProjectAndOrgAre404) {
  HttpClient admin = AdminClient();
  std::string project = UniqueName("proj");
  ASSERT_EQ(CreateStack(admin, "admin", project, "dev").status, 200);
  ExpectJsonError(admin.Get(StackPath("admin", project, "nosuchstack")), 404);
  ExpectJsonError(admin.Get(StackPath("admin", UniqueName("nosuchproj"), "dev")), 404);
  ExpectJsonError(admin.Get(StackPath("nosuchorg", project, "dev")), 404);
  ExpectJsonError(CreateStack(admin, "nosuchorg", project, "dev"), 404);
}

TEST_F(StacksTest, DeleteEmptyStack) {
  HttpClient admin = AdminClient();
  std::string project = UniqueName("proj");
  ASSERT_EQ(CreateStack(admin, "admin", project, "dev").status, 200);
  std::string path = StackPath("admin", project, "dev");

  HttpResponse deleted = admin.Delete(path + "?force=false");
  EXPECT_EQ(deleted.status, 204) << deleted;
  ExpectJsonError(admin.Get(path), 404);
  ExpectJsonError(admin.Delete(path + "?force=false"), 404);
  EXPECT_EQ(admin.Head("/api/stacks/admin/" + project).status, 404);

  HttpResponse recreated = CreateStack(admin, "admin", project, "dev");
  EXPECT_EQ(recreated.status, 200) << recreated;
}

TEST_F(StacksTest, DeleteStackWithResourcesNeedsForce) {
  HttpClient admin = AdminClient();
  std::string project = UniqueName("proj");
  HttpResponse created = CreateStack(admin, "admin", project, "dev",
                                     {{"state", DeploymentWithOneResource(project, "dev")}});
  ASSERT_EQ(created.status, 200) << created;
  std::string path = StackPath("admin", project, "dev");

  HttpResponse refused = admin.Delete(path + "?force=false");
  ExpectJsonError(refused, 400);
  EXPECT_EQ(ErrorMessage(refused), "Bad Request: Stack still contains resources.");
  EXPECT_EQ(admin.Get(path).status, 200);

  HttpResponse forced = admin.Delete(path + "?force=true");
  EXPECT_EQ(forced.status, 204) << forced;
  ExpectJsonError(admin.Get(path), 404);
}

TEST_F(StacksTest, RenameMovesTheStack) {
  HttpClient admin = AdminClient();
  std::string project = UniqueName("proj");
  ASSERT_EQ(CreateStack(admin, "admin", project, "dev").status, 200);

  HttpResponse renamed = admin.Post(StackPath("admin", project, "dev") + "/rename",
                                    Json({{"newName", "prod"}, {"newProject", project}}));
  EXPECT_GE(renamed.status, 200) << renamed;
  EXPECT_LT(renamed.status, 300) << renamed;

  ExpectJsonError(admin.Get(StackPath("admin", project, "dev")), 404);
  HttpResponse r = admin.Get(StackPath("admin", project, "prod"));
  ASSERT_EQ(r.status, 200) << r;
  json::value stack = ParseJson(r.body);
  EXPECT_EQ(GetString(stack, "stackName"), "prod");
  EXPECT_EQ(GetString(stack, "projectName"), project);
}

TEST_F(StacksTest, RenameOntoExistingStackIs409) {
  HttpClient admin = AdminClient();
  std::string project = UniqueName("proj");
  ASSERT_EQ(CreateStack(admin, "admin", project, "dev").status, 200);
  ASSERT_EQ(CreateStack(admin, "admin", project, "prod").status, 200);

  HttpResponse r = admin.Post(StackPath("admin", project, "dev") + "/rename",
                              Json({{"newName", "prod"}, {"newProject", project}}));
  ExpectJsonError(r, 409);
  EXPECT_EQ(admin.Get(StackPath("admin", project, "dev")).status, 200);
  EXPECT_EQ(admin.Get(StackPath("admin", project, "prod")).status, 200);
}

TEST_F(StacksTest, RenameOfUnknownStackIs404) {
  HttpClient admin = AdminClient();
  std::string project = UniqueName("proj");
  ExpectJsonError(admin.Post(StackPath("admin", project, "ghost") + "/rename",
                             Json({{"newName", "prod"}, {"newProject", project}})),
                  404);
}

TEST_F(StacksTest, TransferToAnotherOrgOfTheCaller) {
  HttpClient admin = AdminClient();
  std::string org = UniqueName("acme");
  CreateOrg(admin, org, "admin");
  std::string project = UniqueName("proj");
  ASSERT_EQ(CreateStack(admin, "admin", project, "dev").status, 200);

  HttpResponse moved =
      admin.Post(StackPath("admin", project, "dev") + "/transfer", Json({{"toOrg", org}}));
  EXPECT_EQ(moved.status, 204) << moved;

  ExpectJsonError(admin.Get(StackPath("admin", project, "dev")), 404);
  HttpResponse r = admin.Get(StackPath(org, project, "dev"));
  ASSERT_EQ(r.status, 200) << r;
  EXPECT_EQ(GetString(ParseJson(r.body), "orgName"), org);
  EXPECT_EQ(GetString(ParseJson(r.body), "stackName"), "dev");
}

TEST_F(StacksTest, TransferToForeignOrUnknownOrgIs404) {
  HttpClient admin = AdminClient();
  std::string outsider = UniqueName("bob");
  CreateUser(admin, outsider);
  std::string project = UniqueName("proj");
  ASSERT_EQ(CreateStack(admin, "admin", project, "dev").status, 200);
  std::string path = StackPath("admin", project, "dev");

  ExpectJsonError(admin.Post(path + "/transfer", Json({{"toOrg", outsider}})), 404);
  ExpectJsonError(admin.Post(path + "/transfer", Json({{"toOrg", UniqueName("nosuchorg")}})),
                  404);
  EXPECT_EQ(admin.Get(path).status, 200);
}

TEST_F(StacksTest, TransferOntoExistingStackIsRefused) {
  HttpClient admin = AdminClient();
  std::string org = UniqueName("acme");
  CreateOrg(admin, org, "admin");
  std::string project = UniqueName("proj");
  ASSERT_EQ(CreateStack(admin, "admin", project, "dev").status, 200);
  ASSERT_EQ(CreateStack(admin, org, project, "dev").status, 200);

  HttpResponse r =
      admin.Post(StackPath("admin", project, "dev") + "/transfer", Json({{"toOrg", org}}));
  ExpectJsonErrorIn(r, {400, 409});
  EXPECT_EQ(admin.Get(StackPath("admin", project, "dev")).status, 200);
}

TEST_F(StacksTest, SameStackNameInDifferentProjectsAndOrgsAreDistinct) {
  HttpClient admin = AdminClient();
  std::string org = UniqueName("acme");
  CreateOrg(admin, org, "admin");
  std::string p1 = UniqueName("proj");
  std::string p2 = UniqueName("proj");
  ASSERT_EQ(CreateStack(admin, "admin", p1, "dev").status, 200);
  ASSERT_EQ(CreateStack(admin, "admin", p2, "dev").status, 200);
  ASSERT_EQ(CreateStack(admin, org, p1, "dev").status, 200);

  ASSERT_EQ(admin.Delete(StackPath("admin", p1, "dev") + "?force=false").status, 204);
  EXPECT_EQ(admin.Get(StackPath("admin", p2, "dev")).status, 200);
  EXPECT_EQ(admin.Get(StackPath(org, p1, "dev")).status, 200);
}

}  // namespace
}  // namespace statehouse::testing
