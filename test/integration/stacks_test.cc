#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <string>
#include <tuple>
#include <vector>

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
  ExpectJsonError(admin.Post(path + "/transfer", Json({{"toOrg", UniqueName("nosuchorg")}})), 404);
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

TEST_F(StacksTest, RenameIntoAnotherProjectKeepsTagsUsable) {
  HttpClient admin = AdminClient();
  std::string project = UniqueName("proj");
  std::string target = UniqueName("proj");
  ASSERT_EQ(CreateStack(admin, "admin", project, "dev").status, 200);

  HttpResponse renamed = admin.Post(StackPath("admin", project, "dev") + "/rename",
                                    Json({{"newName", "prod"}, {"newProject", target}}));
  ASSERT_GE(renamed.status, 200) << renamed;
  ASSERT_LT(renamed.status, 300) << renamed;
  ExpectJsonError(admin.Get(StackPath("admin", project, "dev")), 404);
  std::string path = StackPath("admin", target, "prod");
  HttpResponse r = admin.Get(path);
  ASSERT_EQ(r.status, 200) << r;
  json::value stack = ParseJson(r.body);
  EXPECT_EQ(GetString(stack, "projectName"), target);
  EXPECT_EQ(admin.Head("/api/stacks/admin/" + target).status, 200);

  json::object tags = TagsOf(admin, path);
  EXPECT_EQ(GetString(json::value(tags), "pulumi:project"), target)
      << "rename into another project must move the pulumi:project tag";
  tags["owner"] = "alice";
  HttpResponse patched = admin.Patch(path + "/tags", Json(tags));
  EXPECT_EQ(patched.status, 204) << "CLI `stack tag set` after a rename re-sends GET's tags: "
                                 << patched;
}

TEST_F(StacksTest, RenameRejectsInvalidNames) {
  HttpClient admin = AdminClient();
  std::string project = UniqueName("proj");
  ASSERT_EQ(CreateStack(admin, "admin", project, "dev").status, 200);
  std::string path = StackPath("admin", project, "dev") + "/rename";
  for (const std::string& bad :
       {std::string("a/b"), std::string(""), std::string(300, 's'), std::string("my stack")}) {
    SCOPED_TRACE("newName '" + bad + "'");
    ExpectJsonError(admin.Post(path, Json({{"newName", bad}, {"newProject", project}})), 400);
  }
  ExpectJsonError(admin.Post(path, Json({{"newName", "prod"}, {"newProject", "a/b"}})), 400);
  ExpectJsonError(admin.Post(path, R"({"newName":5})"), 400);
  EXPECT_EQ(admin.Get(StackPath("admin", project, "dev")).status, 200);
}

TEST_F(StacksTest, StateWithoutResourcesDeletesWithoutForce) {
  HttpClient admin = AdminClient();
  std::string project = UniqueName("proj");
  json::value state = DeploymentWithOneResource(project, "dev");
  state.as_object()["deployment"].as_object()["resources"] = json::array{};
  ASSERT_EQ(CreateStack(admin, "admin", project, "dev", {{"state", state}}).status, 200);
  HttpResponse r = admin.Delete(StackPath("admin", project, "dev") + "?force=false");
  EXPECT_EQ(r.status, 204) << r;
}

TEST_F(StacksTest, InvalidInitialStateIs400) {
  HttpClient admin = AdminClient();
  std::string project = UniqueName("proj");
  ExpectJsonError(CreateStack(admin, "admin", project, "dev", {{"state", 5}}), 400);
  ExpectJsonError(CreateStack(admin, "admin", project, "dev",
                              {{"state", {{"version", 3}, {"deployment", "nope"}}}}),
                  400);
  ExpectJsonError(admin.Get(StackPath("admin", project, "dev")), 404);
}

TEST_F(StacksTest, RecreatedStackStartsFresh) {
  HttpClient admin = AdminClient();
  std::string project = UniqueName("proj");
  std::string path = StackPath("admin", project, "dev");
  ASSERT_EQ(CreateStack(admin, "admin", project, "dev",
                        {{"state", DeploymentWithOneResource(project, "dev")}})
                .status,
            200);
  ASSERT_EQ(admin.Post(path + "/tags", R"({"name":"owner","value":"alice"})").status, 204);
  ASSERT_EQ(admin.Delete(path + "?force=true").status, 204);
  ASSERT_EQ(CreateStack(admin, "admin", project, "dev").status, 200);
  EXPECT_FALSE(TagsOf(admin, path).contains("owner"));
  HttpResponse r = admin.Delete(path + "?force=false");
  EXPECT_EQ(r.status, 204) << "recreated stack must not inherit resources: " << r;
}

TEST_F(StacksTest, ResourcesFollowRenameAndTransfer) {
  HttpClient admin = AdminClient();
  std::string org = UniqueName("acme");
  CreateOrg(admin, org, "admin");
  std::string project = UniqueName("proj");
  ASSERT_EQ(CreateStack(admin, "admin", project, "dev",
                        {{"state", DeploymentWithOneResource(project, "dev")}})
                .status,
            200);
  HttpResponse renamed = admin.Post(StackPath("admin", project, "dev") + "/rename",
                                    Json({{"newName", "prod"}, {"newProject", project}}));
  ASSERT_LT(renamed.status, 300) << renamed;
  HttpResponse moved =
      admin.Post(StackPath("admin", project, "prod") + "/transfer", Json({{"toOrg", org}}));
  ASSERT_EQ(moved.status, 204) << moved;
  HttpResponse refused = admin.Delete(StackPath(org, project, "prod") + "?force=false");
  ExpectJsonError(refused, 400);
  EXPECT_EQ(ErrorMessage(refused), "Bad Request: Stack still contains resources.");
  EXPECT_EQ(admin.Delete(StackPath(org, project, "prod") + "?force=true").status, 204);
}

TEST_F(StacksTest, TransferNeedsTargetOrg) {
  HttpClient admin = AdminClient();
  std::string project = UniqueName("proj");
  ASSERT_EQ(CreateStack(admin, "admin", project, "dev").status, 200);
  ExpectJsonError(admin.Post(StackPath("admin", project, "dev") + "/transfer", "{}"), 400);
  ExpectJsonError(admin.Post(StackPath("admin", project, "dev") + "/transfer", R"({"toOrg":5})"),
                  400);
  EXPECT_EQ(admin.Get(StackPath("admin", project, "dev")).status, 200);
}

TEST_F(StacksTest, GetStackEchoesThePathEvenWithOtherCase) {
  HttpClient admin = AdminClient();
  std::string project = UniqueName("CaseProj");
  ASSERT_EQ(CreateStack(admin, "admin", project, "Dev").status, 200);
  std::string lower_project = project;
  std::transform(lower_project.begin(), lower_project.end(), lower_project.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (const auto& [org, proj, stack] :
       std::vector<std::tuple<std::string, std::string, std::string>>{
           {"ADMIN", project, "Dev"}, {"admin", lower_project, "Dev"}, {"admin", project, "dev"}}) {
    SCOPED_TRACE(org + "/" + proj + "/" + stack);
    HttpResponse r = admin.Get(StackPath(org, proj, stack));
    if (r.status == 404) {
      ExpectJsonError(r, 404);
      continue;
    }
    ASSERT_EQ(r.status, 200) << r;
    json::value body = ParseJson(r.body);
    EXPECT_EQ(GetString(body, "orgName"), org) << r;
    EXPECT_EQ(GetString(body, "projectName"), proj) << r;
    EXPECT_EQ(GetString(body, "stackName"), stack) << r;
  }
}

TEST_F(StacksTest, NullOptionalFieldsAreLikeAbsent) {
  HttpClient admin = AdminClient();
  std::string project = UniqueName("proj");
  HttpResponse r = admin.Post(
      "/api/stacks/admin/" + project,
      R"({"stackName":"dev","tags":null,"teams":null,"state":null,"config":null,"extra":1})");
  ASSERT_EQ(r.status, 200) << r;
  HttpResponse got = admin.Get(StackPath("admin", project, "dev"));
  ASSERT_EQ(got.status, 200) << got;
  json::value stack = ParseJson(got.body);
  ASSERT_TRUE(stack.is_object());
  const json::value* config = stack.as_object().if_contains("config");
  EXPECT_TRUE(config == nullptr || config->is_null()) << got;
  EXPECT_EQ(admin.Delete(StackPath("admin", project, "dev") + "?force=false").status, 204);
}

}  // namespace
}  // namespace statehouse::testing
