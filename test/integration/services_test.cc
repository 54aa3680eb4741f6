#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "test/integration/harness.h"

namespace statehouse::testing {
namespace {

namespace json = boost::json;

// One org per test: "acme-N" administered by the bootstrap admin ("admin"),
// with members bob and carol (plain members; the org's default stack
// permission is none, so they cannot read stacks others created).
class ServicesTest : public IntegrationTest {
 protected:
  void SetUp() override {
    IntegrationTest::SetUp();
    admin_ = std::make_unique<HttpClient>(AdminClient());
    org_ = UniqueName("acme");
    CreateOrg(*admin_, org_, "admin");
    bob_login_ = UniqueName("bob");
    carol_login_ = UniqueName("carol");
    bob_ = std::make_unique<HttpClient>(Client(CreateUser(*admin_, bob_login_)));
    carol_ = std::make_unique<HttpClient>(Client(CreateUser(*admin_, carol_login_)));
    AddMember(*admin_, org_, bob_login_);
    AddMember(*admin_, org_, carol_login_);
  }

  std::string Base() const { return "/api/orgs/" + org_ + "/services"; }
  std::string Path(std::string_view owner, std::string_view name,
                   std::string_view owner_type = "user") const {
    return Base() + "/" + std::string(owner_type) + "/" + std::string(owner) + "/" +
           std::string(name);
  }

  HttpResponse Create(HttpClient& client, std::string_view owner, std::string_view name,
                      const json::object& extra = {}) {
    json::object body{{"ownerType", "user"}, {"ownerName", owner}, {"name", name}};
    for (const auto& [key, value] : extra) body[key] = value;
    return client.Post(Base(), Json(body));
  }

  static json::array Items(std::initializer_list<std::pair<const char*, std::string>> items) {
    json::array out;
    for (const auto& [type, name] : items) out.push_back(json::object{{"type", type}, {"name", name}});
    return out;
  }

  // itemCountSummary of a Service object.
  static json::object Counts(const json::value& service) {
    const json::object* counts = FindObject(service, "itemCountSummary");
    return counts != nullptr ? *counts : json::object{{"missing", true}};
  }

  std::unique_ptr<HttpClient> admin_, bob_, carol_;
  std::string org_, bob_login_, carol_login_;
};

TEST_F(ServicesTest, CreateHeadGetAndListAService) {
  std::string project = UniqueName("payments");
  ASSERT_EQ(CreateStack(*admin_, org_, project, "dev",
                        {{"state", DeploymentWithOneResource(project, "dev")}})
                .status,
            200);
  json::array properties{
      json::object{{"key", "runbook"}, {"value", "https://example.com/rb"}, {"type", "url"}, {"order", 2}},
      json::object{{"key", "slack"}, {"value", "#payments"}, {"type", "string"}, {"order", 1}}};
  HttpResponse created =
      Create(*admin_, "admin", "checkout",
             {{"description", "Checkout flow"},
              {"items", Items({{"stack", project + "/dev"}, {"environment", project + "/prod"}})},
              {"properties", properties}});
  ASSERT_EQ(created.status, 200) << created;
  json::value service = ParseJson(created.body);
  EXPECT_EQ(GetString(service, "organizationName"), org_);
  EXPECT_EQ(GetString(service, "name"), "checkout");
  EXPECT_EQ(GetString(service, "description"), "Checkout flow");
  EXPECT_EQ(json::value(*FindObject(service, "owner")),
            (json::value{{"type", "user"}, {"name", "admin"}, {"avatarUrl", ""}}));
  std::string when = GetString(service, "created");
  EXPECT_EQ(when.size(), 20u) << when;
  EXPECT_EQ(when.back(), 'Z') << when;
  EXPECT_EQ(service.at("members"),
            json::value(json::array{json::object{{"type", "user"}, {"name", "admin"}, {"avatarUrl", ""}}}));
  EXPECT_EQ(Counts(service), (json::object{{"environment", 1}, {"stack", 1}}));
  const json::array& props = service.at("properties").as_array();
  ASSERT_EQ(props.size(), 2u);
  EXPECT_EQ(GetString(props[0], "key"), "slack");  // sorted by order
  EXPECT_EQ(GetInt(props[0], "order"), 1);

  HttpResponse head = admin_->Head(Path("admin", "checkout"));
  EXPECT_EQ(head.status, 204) << head;
  EXPECT_TRUE(head.body.empty());
  HttpResponse missing = admin_->Head(Path("admin", "nosuch"));
  EXPECT_EQ(missing.status, 404) << missing;
  EXPECT_TRUE(missing.body.empty());
  EXPECT_EQ(bob_->Head(Path("admin", "checkout")).status, 204);

  HttpResponse got = bob_->Get(Path("ADMIN", "Checkout"));
  ASSERT_EQ(got.status, 200) << got;
  json::value detail = ParseJson(got.body);
  EXPECT_EQ(GetString(detail.at("service"), "name"), "checkout");
  EXPECT_FALSE(detail.as_object().contains("continuationToken"));

  got = admin_->Get(Path("admin", "checkout"));
  ASSERT_EQ(got.status, 200) << got;
  detail = ParseJson(got.body);
  const json::array& items = detail.at("items").as_array();
  ASSERT_EQ(items.size(), 2u) << got;
  EXPECT_EQ(GetString(items[0], "type"), "environment");
  EXPECT_EQ(GetString(items[0], "name"), project + "/prod");
  EXPECT_EQ(GetInt(items[0], "cloudCount"), 0);
  EXPECT_EQ(GetString(items[1], "type"), "stack");
  EXPECT_EQ(GetString(items[1], "name"), project + "/dev");
  EXPECT_EQ(GetString(items[1], "organizationName"), org_);
  EXPECT_EQ(GetInt(items[1], "cloudCount"), 1);
  EXPECT_EQ(GetString(items[1], "created").back(), 'Z');
  EXPECT_EQ(items[1].at("addedByUser"),
            (json::value{{"type", "user"}, {"name", "admin"}, {"avatarUrl", ""}}));

  HttpResponse listed = bob_->Get(Base());
  ASSERT_EQ(listed.status, 200) << listed;
  json::value list = ParseJson(listed.body);
  ASSERT_EQ(list.at("services").as_array().size(), 1u);
  EXPECT_EQ(GetString(list.at("services").as_array()[0], "name"), "checkout");
  EXPECT_FALSE(list.as_object().contains("continuationToken"));
}

TEST_F(ServicesTest, NullFieldsAreTreatedAsAbsent) {
  HttpResponse created = admin_->Post(
      Base(), R"({"ownerType":"user","ownerName":"admin","name":"bare",)"
              R"("description":null,"items":null,"properties":null,"unknownField":1})");
  ASSERT_EQ(created.status, 200) << created;
  json::value service = ParseJson(created.body);
  EXPECT_EQ(GetString(service, "description"), "");
  EXPECT_EQ(service.at("properties"), json::value(json::array{}));
  EXPECT_EQ(Counts(service), json::object{});
}

TEST_F(ServicesTest, CreateRejectsBadInputUnknownOwnersAndDuplicates) {
  ExpectJsonError(Create(*admin_, "admin", "bad/name"), 400);
  ExpectJsonError(Create(*admin_, "admin", ""), 400);
  ExpectJsonError(admin_->Post(Base(), R"({"ownerType":"robot","ownerName":"admin","name":"x"})"),
                  400);
  ExpectJsonError(admin_->Post(Base(), R"({"ownerName":"admin","name":"x"})"), 400);
  ExpectJsonError(admin_->Post(Base(), "{not json"), 400);
  ExpectJsonError(Create(*admin_, "admin", "x", {{"items", Items({{"bucket", "p/s"}})}}), 400);
  ExpectJsonError(Create(*admin_, "admin", "x", {{"items", Items({{"stack", "nosuch/stack"}})}}),
                  400);
  ExpectJsonError(Create(*admin_, "admin", "x", {{"items", Items({{"stack", "just-one-part"}})}}),
                  400);
  ExpectJsonError(Create(*admin_, "admin", "x", {{"items", "not-an-array"}}), 400);

  ExpectJsonError(Create(*admin_, UniqueName("nobody"), "x"), 404);
  std::string outsider = UniqueName("dave");
  CreateUser(*admin_, outsider);
  ExpectJsonError(Create(*admin_, outsider, "x"), 404);
  ExpectJsonError(admin_->Post(Base(), Json({{"ownerType", "team"},
                                             {"ownerName", UniqueName("noteam")},
                                             {"name", "x"}})),
                  404);

  ASSERT_EQ(Create(*admin_, "admin", "dup").status, 200);
  HttpResponse again = Create(*admin_, "admin", "DUP");
  ExpectJsonError(again, 409);
  EXPECT_NE(ErrorMessage(again).find("already exists"), std::string::npos) << again;
  EXPECT_EQ(Create(*admin_, bob_login_, "dup").status, 200);  // other owner, same name
}

TEST_F(ServicesTest, ListPagesWithContinuationTokens) {
  for (const char* name : {"svc-c", "svc-a", "svc-b"}) {
    ASSERT_EQ(Create(*admin_, "admin", name).status, 200);
  }
  HttpResponse first = admin_->Get(Base() + "?maxResults=2");
  ASSERT_EQ(first.status, 200) << first;
  json::value page = ParseJson(first.body);
  ASSERT_EQ(page.at("services").as_array().size(), 2u);
  EXPECT_EQ(GetString(page.at("services").as_array()[0], "name"), "svc-a");
  std::string token = GetString(page, "continuationToken");
  ASSERT_FALSE(token.empty()) << first;

  HttpResponse second =
      admin_->Get(Base() + "?maxResults=2&continuationToken=" + UrlEncode(token));
  ASSERT_EQ(second.status, 200) << second;
  page = ParseJson(second.body);
  ASSERT_EQ(page.at("services").as_array().size(), 1u);
  EXPECT_EQ(GetString(page.at("services").as_array()[0], "name"), "svc-c");
  EXPECT_FALSE(page.as_object().contains("continuationToken"));

  ExpectJsonError(admin_->Get(Base() + "?maxResults=0"), 400);
  ExpectJsonError(admin_->Get(Base() + "?maxResults=1001"), 400);
  ExpectJsonError(admin_->Get(Base() + "?maxResults=ten"), 400);
  ExpectJsonError(admin_->Get(Base() + "?continuationToken=zz"), 400);
  EXPECT_EQ(admin_->Get(Base() + "?maxResults=1000").status, 200);
}

TEST_F(ServicesTest, GetPagesItems) {
  std::string project = UniqueName("proj");
  json::array items;
  for (const char* stack : {"a", "b", "c"}) {
    ASSERT_EQ(CreateStack(*admin_, org_, project, stack).status, 200);
    items.push_back(json::object{{"type", "stack"}, {"name", project + "/" + stack}});
  }
  ASSERT_EQ(Create(*admin_, "admin", "paged", {{"items", items}}).status, 200);
  std::vector<std::string> seen;
  std::string token;
  for (int i = 0; i < 5; ++i) {
    std::string path = Path("admin", "paged") + "?maxResults=2";
    if (!token.empty()) path += "&continuationToken=" + UrlEncode(token);
    HttpResponse r = admin_->Get(path);
    ASSERT_EQ(r.status, 200) << r;
    json::value detail = ParseJson(r.body);
    for (const auto& item : detail.at("items").as_array()) seen.push_back(GetString(item, "name"));
    token = GetString(detail, "continuationToken");
    if (token.empty()) break;
  }
  EXPECT_EQ(seen, (std::vector<std::string>{project + "/a", project + "/b", project + "/c"}));
  ExpectJsonError(admin_->Get(Path("admin", "paged") + "?maxResults=0"), 400);
  ExpectJsonError(admin_->Get(Path("admin", "paged") + "?continuationToken=abc"), 400);
  ExpectJsonError(admin_->Get(Path("admin", "nosuch")), 404);
  ExpectJsonError(admin_->Get(Path("admin", "paged", "robot")), 404);
}

TEST_F(ServicesTest, PatchUpdatesMetadataAndRenames) {
  ASSERT_EQ(Create(*admin_, "admin", "one",
                   {{"properties", json::array{json::object{
                                       {"key", "k"}, {"value", "v"}, {"type", "string"}, {"order", 0}}}}})
                .status,
            200);
  ASSERT_EQ(Create(*admin_, "admin", "two").status, 200);

  HttpResponse described = admin_->Patch(Path("admin", "one"), R"({"description":"first"})");
  ASSERT_EQ(described.status, 200) << described;
  json::value service = ParseJson(described.body);
  EXPECT_EQ(GetString(service, "description"), "first");
  EXPECT_EQ(service.at("properties").as_array().size(), 1u);  // unchanged

  ExpectJsonError(admin_->Patch(Path("admin", "one"), R"({"name":"TWO"})"), 409);
  ExpectJsonError(admin_->Patch(Path("admin", "one"), R"({"name":"bad name"})"), 400);
  ExpectJsonError(admin_->Patch(Path("admin", "nosuch"), R"({"name":"x"})"), 404);

  HttpResponse renamed =
      admin_->Patch(Path("admin", "one"), R"({"name":"uno","properties":[]})");
  ASSERT_EQ(renamed.status, 200) << renamed;
  service = ParseJson(renamed.body);
  EXPECT_EQ(GetString(service, "name"), "uno");
  EXPECT_EQ(GetString(service, "description"), "first");
  EXPECT_EQ(service.at("properties"), json::value(json::array{}));
  EXPECT_EQ(admin_->Head(Path("admin", "one")).status, 404);
  EXPECT_EQ(admin_->Head(Path("admin", "uno")).status, 204);
}

TEST_F(ServicesTest, DeleteNeedsForceWhenOthersAddedItems) {
  ASSERT_EQ(Create(*bob_, bob_login_, "solo").status, 200);
  EXPECT_EQ(bob_->Delete(Path(bob_login_, "solo")).status, 204);
  ExpectJsonError(bob_->Delete(Path(bob_login_, "solo")), 404);
  EXPECT_EQ(bob_->Head(Path(bob_login_, "solo")).status, 404);

  // The org admin adds a stack to bob's service: the admin becomes a member.
  std::string project = UniqueName("proj");
  ASSERT_EQ(CreateStack(*admin_, org_, project, "dev").status, 200);
  ASSERT_EQ(Create(*bob_, bob_login_, "shared").status, 200);
  HttpResponse added = admin_->Post(Path(bob_login_, "shared") + "/v2/items",
                                    Json({{"items", Items({{"stack", project + "/dev"}})}}));
  ASSERT_EQ(added.status, 204) << added;
  HttpResponse got = bob_->Get(Path(bob_login_, "shared"));
  ASSERT_EQ(got.status, 200);
  EXPECT_EQ(ParseJson(got.body).at("service").at("members").as_array().size(), 2u) << got;

  ExpectJsonError(bob_->Delete(Path(bob_login_, "shared")), 412);
  ExpectJsonError(bob_->Delete(Path(bob_login_, "shared") + "?force=false"), 412);
  ExpectJsonError(bob_->Delete(Path(bob_login_, "shared") + "?force=maybe"), 400);
  EXPECT_EQ(bob_->Delete(Path(bob_login_, "shared") + "?force=true").status, 204);
  ExpectJsonError(bob_->Get(Path(bob_login_, "shared")), 404);
}

TEST_F(ServicesTest, AddAndRemoveItemsV1AndV2) {
  std::string project = UniqueName("proj");
  ASSERT_EQ(CreateStack(*admin_, org_, project, "dev").status, 200);
  ASSERT_EQ(CreateStack(*admin_, org_, project, "prod").status, 200);
  ASSERT_EQ(Create(*admin_, "admin", "svc").status, 200);
  std::string path = Path("admin", "svc");

  HttpResponse v1 = admin_->Post(path + "/items?maxResults=1",
                                 Json({{"items", Items({{"stack", project + "/dev"},
                                                        {"stack", org_ + "/" + project + "/prod"}})}}));
  ASSERT_EQ(v1.status, 200) << v1;
  json::value detail = ParseJson(v1.body);
  EXPECT_EQ(GetString(detail.at("service"), "name"), "svc");
  EXPECT_EQ(Counts(detail.at("service")), (json::object{{"stack", 2}}));
  EXPECT_EQ(detail.at("items").as_array().size(), 1u);
  EXPECT_FALSE(GetString(detail, "continuationToken").empty()) << v1;

  // Present items are a no-op; v2 answers 204.
  HttpResponse v2 = admin_->Post(path + "/v2/items",
                                 Json({{"items", Items({{"stack", project + "/dev"},
                                                        {"environment", project + "/env"}})}}));
  EXPECT_EQ(v2.status, 204) << v2;
  EXPECT_TRUE(v2.body.empty());
  detail = ParseJson(admin_->Get(path).body);
  EXPECT_EQ(Counts(detail.at("service")), (json::object{{"environment", 1}, {"stack", 2}}));

  ExpectJsonError(admin_->Post(path + "/items", R"({"items":[{"type":"bucket","name":"a/b"}]})"), 400);
  ExpectJsonError(admin_->Post(path + "/v2/items", R"({"items":[{"type":"stack","name":"a/b"}]})"),
                  400);
  ExpectJsonError(admin_->Post(path + "/v2/items", R"({})"), 400);
  ExpectJsonError(admin_->Post(Path("admin", "nosuch") + "/v2/items",
                               Json({{"items", Items({{"stack", project + "/dev"}})}})),
                  404);

  // v1 remove: the name spans segments, or arrives as one %2F-encoded segment.
  HttpResponse removed = admin_->Delete(path + "/items/stack/" + project + "/dev");
  ASSERT_EQ(removed.status, 200) << removed;
  detail = ParseJson(removed.body);
  EXPECT_EQ(Counts(detail.at("service")), (json::object{{"environment", 1}, {"stack", 1}}));
  removed = admin_->Delete(path + "/items/stack/" + project + "%2Fprod");
  ASSERT_EQ(removed.status, 200) << removed;
  EXPECT_EQ(Counts(ParseJson(removed.body).at("service")), (json::object{{"environment", 1}}));
  ExpectJsonError(admin_->Delete(path + "/items/stack/" + project + "/prod"), 404);
  ExpectJsonError(admin_->Delete(path + "/items/bucket/" + project + "/prod"), 400);
  ExpectJsonError(admin_->Delete(path + "/items/stack/" + project), 400);

  // v2 remove is idempotent.
  EXPECT_EQ(admin_->Delete(path + "/v2/items/environment/" + project + "/env").status, 204);
  EXPECT_EQ(admin_->Delete(path + "/v2/items/environment/" + project + "/env").status, 204);
  EXPECT_EQ(admin_->Delete(path + "/v2/items/stack/" + project + "/ghost").status, 204);
  ExpectJsonError(admin_->Delete(path + "/v2/items/bucket/" + project + "/env"), 400);
  detail = ParseJson(admin_->Get(path).body);
  EXPECT_EQ(Counts(detail.at("service")), json::object{});
  EXPECT_EQ(detail.at("items"), json::value(json::array{}));
}

TEST_F(ServicesTest, DeletingAStackRemovesItFromServices) {
  std::string project = UniqueName("proj");
  ASSERT_EQ(CreateStack(*admin_, org_, project, "dev").status, 200);
  ASSERT_EQ(Create(*admin_, "admin", "svc", {{"items", Items({{"stack", project + "/dev"}})}}).status,
            200);
  ASSERT_EQ(admin_->Delete(StackPath(org_, project, "dev")).status, 204);
  HttpResponse got = admin_->Get(Path("admin", "svc"));
  ASSERT_EQ(got.status, 200) << got;
  json::value detail = ParseJson(got.body);
  EXPECT_EQ(detail.at("items"), json::value(json::array{}));
  EXPECT_EQ(Counts(detail.at("service")), json::object{});
  // A new stack of the same name is not silently part of the service.
  ASSERT_EQ(CreateStack(*admin_, org_, project, "dev").status, 200);
  EXPECT_EQ(ParseJson(admin_->Get(Path("admin", "svc")).body).at("items"), json::value(json::array{}));
}

TEST_F(ServicesTest, MembersSeeOnlyWhatTheyCanReadAndMutateOnlyTheirOwn) {
  std::string project = UniqueName("proj");
  ASSERT_EQ(CreateStack(*admin_, org_, project, "secret").status, 200);
  ASSERT_EQ(CreateStack(*bob_, org_, project, "bobs").status, 200);
  ASSERT_EQ(Create(*admin_, "admin", "ops",
                   {{"items", Items({{"stack", project + "/secret"}, {"stack", project + "/bobs"}})}})
                .status,
            200);

  // bob cannot read the admin's stack: it is neither counted nor listed for him.
  HttpResponse as_bob = bob_->Get(Path("admin", "ops"));
  ASSERT_EQ(as_bob.status, 200) << as_bob;
  json::value detail = ParseJson(as_bob.body);
  EXPECT_EQ(Counts(detail.at("service")), (json::object{{"stack", 1}}));
  ASSERT_EQ(detail.at("items").as_array().size(), 1u);
  EXPECT_EQ(GetString(detail.at("items").as_array()[0], "name"), project + "/bobs");
  json::value listed = ParseJson(carol_->Get(Base()).body);
  ASSERT_EQ(listed.at("services").as_array().size(), 1u);
  EXPECT_EQ(Counts(listed.at("services").as_array()[0]), json::object{});
  EXPECT_EQ(Counts(ParseJson(admin_->Get(Path("admin", "ops")).body).at("service")),
            (json::object{{"stack", 2}}));

  // Not the owner, not an org admin: 403 on every mutation.
  ExpectJsonError(bob_->Patch(Path("admin", "ops"), R"({"description":"mine"})"), 403);
  ExpectJsonError(bob_->Delete(Path("admin", "ops") + "?force=true"), 403);
  ExpectJsonError(bob_->Post(Path("admin", "ops") + "/v2/items",
                             Json({{"items", Items({{"stack", project + "/bobs"}})}})),
                  403);
  ExpectJsonError(bob_->Delete(Path("admin", "ops") + "/v2/items/stack/" + project + "/bobs"), 403);
  ExpectJsonError(Create(*bob_, carol_login_, "for-carol"), 403);

  // bob manages his own service, but cannot add a stack he cannot read.
  ASSERT_EQ(Create(*bob_, bob_login_, "mine").status, 200);
  ExpectJsonError(bob_->Post(Path(bob_login_, "mine") + "/v2/items",
                             Json({{"items", Items({{"stack", project + "/secret"}})}})),
                  400);
  HttpResponse patched = bob_->Patch(Path(bob_login_, "mine"), R"({"description":"mine"})");
  EXPECT_EQ(patched.status, 200) << patched;
  // The org admin may change any service.
  EXPECT_EQ(admin_->Patch(Path(bob_login_, "mine"), R"({"description":"reviewed"})").status, 200);
}

TEST_F(ServicesTest, TeamOwnedServicesAreManagedByTheTeam) {
  std::string team = UniqueName("platform");
  ASSERT_EQ(admin_->Post("/api/orgs/" + org_ + "/teams/pulumi",
                         Json({{"name", team}, {"displayName", "Platform"}}))
                .status,
            201);
  ASSERT_EQ(admin_->Patch("/api/orgs/" + org_ + "/teams/" + team,
                          Json({{"memberAction", "add"}, {"member", bob_login_}}))
                .status,
            204);
  json::object body{{"ownerType", "team"}, {"ownerName", team}, {"name", "svc"}};
  ExpectJsonError(carol_->Post(Base(), Json(body)), 403);
  HttpResponse created = bob_->Post(Base(), Json(body));
  ASSERT_EQ(created.status, 200) << created;
  EXPECT_EQ(ParseJson(created.body).at("owner"),
            (json::value{{"type", "team"}, {"name", team}, {"avatarUrl", ""}}));
  std::string path = Path(team, "svc", "team");
  EXPECT_EQ(carol_->Head(path).status, 204);
  ExpectJsonError(carol_->Patch(path, R"({"description":"x"})"), 403);
  EXPECT_EQ(bob_->Patch(path, R"({"description":"x"})").status, 200);
  ExpectJsonError(bob_->Get(Path(team, "svc")), 404);  // the owner type is part of the key
  EXPECT_EQ(bob_->Delete(path).status, 204);
}

TEST_F(ServicesTest, NonMembersGet404) {
  ASSERT_EQ(Create(*admin_, "admin", "svc").status, 200);
  std::string outsider_login = UniqueName("eve");
  HttpClient outsider = Client(CreateUser(*admin_, outsider_login));
  ExpectJsonError(outsider.Get(Base()), 404);
  ExpectJsonError(outsider.Get(Path("admin", "svc")), 404);
  EXPECT_EQ(outsider.Head(Path("admin", "svc")).status, 404);
  ExpectJsonError(outsider.Patch(Path("admin", "svc"), R"({"description":"x"})"), 404);
  ExpectJsonError(outsider.Delete(Path("admin", "svc")), 404);
  ExpectJsonError(outsider.Post(Base(), Json({{"ownerType", "user"},
                                              {"ownerName", outsider_login},
                                              {"name", "x"}})),
                  404);
  ExpectJsonError(admin_->Get("/api/orgs/" + UniqueName("nosuchorg") + "/services"), 404);
  ExpectJsonError(Client().Get(Base()), 401);
}

}  // namespace
}  // namespace statehouse::testing
