#include <gtest/gtest.h>

#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "test/integration/harness.h"

namespace statehouse::testing {
namespace {

namespace json = boost::json;

using StackId = std::tuple<std::string, std::string, std::string>;

struct Page {
  long status = 0;
  std::vector<StackId> stacks;
  std::optional<std::string> continuation;
  HttpResponse response;
};

Page ListPage(HttpClient& client, const std::string& query) {
  Page page;
  page.response = client.Get("/api/user/stacks" + query);
  page.status = page.response.status;
  if (page.status != 200) return page;
  json::value body = ParseJson(page.response.body);
  EXPECT_TRUE(body.is_object()) << page.response;
  if (!body.is_object()) return page;
  const json::value* stacks = body.as_object().if_contains("stacks");
  EXPECT_TRUE(stacks != nullptr && stacks->is_array()) << page.response;
  if (stacks == nullptr || !stacks->is_array()) return page;
  for (const json::value& s : stacks->as_array()) {
    EXPECT_FALSE(GetString(s, "id").empty()) << json::serialize(s);
    EXPECT_FALSE(GetString(s, "orgName").empty()) << json::serialize(s);
    EXPECT_FALSE(GetString(s, "projectName").empty()) << json::serialize(s);
    EXPECT_FALSE(GetString(s, "stackName").empty()) << json::serialize(s);
    page.stacks.emplace_back(GetString(s, "orgName"), GetString(s, "projectName"),
                             GetString(s, "stackName"));
  }
  const json::value* token = body.as_object().if_contains("continuationToken");
  if (token != nullptr && !token->is_null()) {
    EXPECT_TRUE(token->is_string() && !token->as_string().empty())
        << "continuationToken must be a non-empty string or absent: " << page.response;
    if (token->is_string()) page.continuation = std::string(token->as_string());
  }
  return page;
}

std::set<StackId> ListAll(HttpClient& client, const std::string& filters) {
  std::set<StackId> all;
  std::string query = filters;
  for (int guard = 0; guard < 100; ++guard) {
    Page page = ListPage(client, query);
    EXPECT_EQ(page.status, 200) << page.response;
    if (page.status != 200) break;
    all.insert(page.stacks.begin(), page.stacks.end());
    if (!page.continuation) break;
    query = filters + (filters.empty() ? "?" : "&") +
            "continuationToken=" + UrlEncode(*page.continuation);
  }
  return all;
}

class ListStacksTest : public IntegrationTest {};

TEST_F(ListStacksTest, ListsCreatedStacksWithIdentity) {
  HttpClient admin = AdminClient();
  std::string project = UniqueName("list-proj");
  ASSERT_EQ(CreateStack(admin, "admin", project, "dev").status, 200);
  ASSERT_EQ(CreateStack(admin, "admin", project, "prod").status, 200);

  std::set<StackId> all = ListAll(admin, "");
  EXPECT_TRUE(all.contains({"admin", project, "dev"}));
  EXPECT_TRUE(all.contains({"admin", project, "prod"}));
}

TEST_F(ListStacksTest, FilterByProject) {
  HttpClient admin = AdminClient();
  std::string project = UniqueName("list-proj");
  std::string other = UniqueName("list-proj");
  ASSERT_EQ(CreateStack(admin, "admin", project, "dev").status, 200);
  ASSERT_EQ(CreateStack(admin, "admin", project, "prod").status, 200);
  ASSERT_EQ(CreateStack(admin, "admin", other, "dev").status, 200);

  std::set<StackId> want = {{"admin", project, "dev"}, {"admin", project, "prod"}};
  EXPECT_EQ(ListAll(admin, "?project=" + project), want);
}

TEST_F(ListStacksTest, FilterByOrganization) {
  HttpClient admin = AdminClient();
  std::string org = UniqueName("acme");
  CreateOrg(admin, org, "admin");
  std::string project = UniqueName("list-proj");
  ASSERT_EQ(CreateStack(admin, org, project, "dev").status, 200);
  ASSERT_EQ(CreateStack(admin, org, project, "prod").status, 200);
  ASSERT_EQ(CreateStack(admin, "admin", project, "dev").status, 200);

  std::set<StackId> want = {{org, project, "dev"}, {org, project, "prod"}};
  EXPECT_EQ(ListAll(admin, "?organization=" + org), want);
  std::set<StackId> admin_org = ListAll(admin, "?organization=admin");
  EXPECT_TRUE(admin_org.contains({"admin", project, "dev"}));
  for (const auto& id : admin_org) EXPECT_EQ(std::get<0>(id), "admin");
  EXPECT_EQ(ListAll(admin, "?organization=" + org + "&project=" + project), want);
}

TEST_F(ListStacksTest, FilterByTagNameAndValue) {
  HttpClient admin = AdminClient();
  std::string project = UniqueName("list-proj");
  std::string tag = UniqueName("team");
  auto tags = [&](std::string_view value) {
    return json::object{{"tags", {{"pulumi:project", project}, {tag, value}}}};
  };
  ASSERT_EQ(CreateStack(admin, "admin", project, "blue1", tags("blue")).status, 200);
  ASSERT_EQ(CreateStack(admin, "admin", project, "blue2", tags("blue")).status, 200);
  ASSERT_EQ(CreateStack(admin, "admin", project, "red", tags("red")).status, 200);
  ASSERT_EQ(CreateStack(admin, "admin", project, "untagged").status, 200);

  std::set<StackId> tagged = {
      {"admin", project, "blue1"}, {"admin", project, "blue2"}, {"admin", project, "red"}};
  EXPECT_EQ(ListAll(admin, "?tagName=" + tag), tagged);
  std::set<StackId> blue = {{"admin", project, "blue1"}, {"admin", project, "blue2"}};
  EXPECT_EQ(ListAll(admin, "?tagName=" + tag + "&tagValue=blue"), blue);
  EXPECT_EQ(ListAll(admin, "?tagName=" + tag + "&tagValue=green"), std::set<StackId>{});
  EXPECT_EQ(ListAll(admin, "?tagName=pulumi:project&tagValue=" + project).size(), 4u);
}

TEST_F(ListStacksTest, GarbageContinuationTokenIs400) {
  HttpClient admin = AdminClient();
  for (const std::string token : {"garbage", "%00%01", "-1"}) {
    SCOPED_TRACE(token);
    ExpectJsonError(admin.Get("/api/user/stacks?continuationToken=" + token), 400);
  }
}

TEST_F(ListStacksTest, StacksOfForeignOrgsNeverAppear) {
  HttpClient admin = AdminClient();
  std::string bob_login = UniqueName("bob");
  std::string alice_login = UniqueName("alice");
  HttpClient bob = Client(CreateUser(admin, bob_login));
  HttpClient alice = Client(CreateUser(admin, alice_login));
  std::string project = UniqueName("list-proj");
  ASSERT_EQ(CreateStack(bob, bob_login, project, "dev").status, 200);
  ASSERT_EQ(CreateStack(admin, "admin", project, "dev").status, 200);
  ASSERT_EQ(CreateStack(alice, alice_login, project, "dev").status, 200);

  std::set<StackId> seen_by_alice = ListAll(alice, "");
  EXPECT_EQ(seen_by_alice, (std::set<StackId>{{alice_login, project, "dev"}}));
  EXPECT_EQ(ListAll(alice, "?organization=" + bob_login), std::set<StackId>{});
  EXPECT_EQ(ListAll(alice, "?organization=admin"), std::set<StackId>{});
  EXPECT_EQ(ListAll(alice, "?project=" + project),
            (std::set<StackId>{{alice_login, project, "dev"}}));

  std::set<StackId> seen_by_admin = ListAll(admin, "?project=" + project);
  EXPECT_EQ(seen_by_admin, (std::set<StackId>{{"admin", project, "dev"}}));
}

TEST(ListStacksPagingTest, PagesFollowContinuationTokens) {
  ServerProcess server;
  ASSERT_TRUE(server.Start());
  HttpClient admin(server, server.bootstrap_token());
  std::set<StackId> created;
  for (int i = 0; i < 7; ++i) {
    std::string stack = "s" + std::to_string(i);
    HttpResponse r = CreateStack(admin, "admin", "paged", stack);
    ASSERT_EQ(r.status, 200) << r;
    created.insert({"admin", "paged", stack});
  }

  std::vector<size_t> sizes;
  std::vector<StackId> seen;
  std::string query = "?maxResults=3";
  for (int guard = 0; guard < 10; ++guard) {
    Page page = ListPage(admin, query);
    ASSERT_EQ(page.status, 200) << page.response;
    sizes.push_back(page.stacks.size());
    seen.insert(seen.end(), page.stacks.begin(), page.stacks.end());
    if (!page.continuation) break;
    query = "?maxResults=3&continuationToken=" + UrlEncode(*page.continuation);
  }
  EXPECT_EQ(sizes, (std::vector<size_t>{3, 3, 1}));
  std::set<StackId> unique(seen.begin(), seen.end());
  EXPECT_EQ(unique.size(), seen.size()) << "duplicates across pages";
  EXPECT_EQ(unique, created);

  Page everything = ListPage(admin, "");
  ASSERT_EQ(everything.status, 200);
  EXPECT_EQ(everything.stacks.size(), 7u);
  EXPECT_FALSE(everything.continuation.has_value());
}

}  // namespace
}  // namespace statehouse::testing
