#include "services/service.h"

#include <gtest/gtest.h>

#include "crypto/crypto.h"
#include "test/fakes/failing_sink.h"
#include "test/fakes/fake_clock.h"
#include "test/fakes/temp_dir.h"
#include "test/fakes/test_store.h"

namespace statehouse::services {
namespace {

class ServiceCatalogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = testing::OpenTestStore(dir_.path());
    authorizer_ = std::make_unique<auth::Authorizer>(*store_, clock_);
    catalog_ =
        std::make_unique<ServiceCatalog>(*store_, clock_, random_, *authorizer_, sink_);
    alice_ = AddUser("alice");
    bob_ = AddUser("bob");
    carol_ = AddUser("carol");
    acme_ = storage::OrgRecord{random_.Uuid(), "acme", clock_.NowSeconds(), 0};
    ASSERT_TRUE(store_->CreateOrg(acme_, alice_.user.id).has_value());
    ASSERT_TRUE(store_->AddMember(acme_.id, bob_.user.id, storage::OrgRole::kMember, 0));
    ASSERT_TRUE(store_->AddMember(acme_.id, carol_.user.id, storage::OrgRole::kMember, 0));
  }

  auth::Principal AddUser(const std::string& login) {
    return auth::Principal{testing::CreateTestUser(*store_, random_, clock_, login).user, ""};
  }

  auth::Access OrgAccess(const auth::Principal& who, const std::string& org = "acme") {
    auto access = authorizer_->Authorize(who, auth::Need::kOrgMember, org, "", "");
    EXPECT_TRUE(access.has_value());
    return *access;
  }

  storage::StackRecord AddStack(const auth::Principal& creator, const std::string& project,
                                const std::string& name, int64_t resources = 0) {
    return testing::CreateTestStack(*store_, random_, clock_, acme_.name, project, name,
                                    creator.user.id, resources);
  }

  CreateServiceInput Input(const std::string& owner_type, const std::string& owner_name,
                           const std::string& name, std::vector<ItemRef> items = {}) {
    CreateServiceInput input;
    input.owner_type = owner_type;
    input.owner_name = owner_name;
    input.name = name;
    input.items = std::move(items);
    return input;
  }

  ServiceKey Key(const std::string& owner, const std::string& name) {
    return ServiceKey{"user", owner, name};
  }

  testing::TempDir dir_;
  testing::FakeClock clock_;
  crypto::OpenSslRandom random_;
  events::RecordingSink sink_;
  storage::StorePtr store_;
  std::unique_ptr<auth::Authorizer> authorizer_;
  std::unique_ptr<ServiceCatalog> catalog_;
  auth::Principal alice_, bob_, carol_;
  storage::OrgRecord acme_;
};

TEST_F(ServiceCatalogTest, CreateValidatesInputAndOwner) {
  auto admin = OrgAccess(alice_);
  EXPECT_EQ(catalog_->Create(admin, Input("robot", "alice", "svc")).error().code,
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(catalog_->Create(admin, Input("user", "alice", "bad/name")).error().code,
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(catalog_->Create(admin, Input("user", "", "svc")).error().code,
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(catalog_->Create(admin, Input("user", "alice", "svc", {{"bucket", "p/s"}}))
                .error()
                .code,
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(catalog_->Create(admin, Input("user", "alice", "svc", {{"stack", "p/nosuch"}}))
                .error()
                .code,
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(catalog_->Create(admin, Input("user", "nobody", "svc")).error().code,
            ErrorCode::kNotFound);
  AddUser("dave");  // exists, but not in acme
  EXPECT_EQ(catalog_->Create(admin, Input("user", "dave", "svc")).error().code,
            ErrorCode::kNotFound);
  EXPECT_EQ(catalog_->Create(admin, Input("team", "nosuchteam", "svc")).error().code,
            ErrorCode::kNotFound);
  EXPECT_TRUE(sink_.Events().empty());
}

TEST_F(ServiceCatalogTest, CreateReturnsViewAndRejectsDuplicates) {
  auto admin = OrgAccess(alice_);
  auto stack = AddStack(alice_, "payments", "dev", 7);
  auto input = Input("user", "ALICE", "checkout", {{"stack", "payments/dev"},
                                                   {"stack", "acme/payments/dev"},
                                                   {"environment", "payments/prod-env"}});
  input.description = "Checkout flow";
  input.properties = {{"runbook", "https://example.com", "url", 2}, {"slack", "#pay", "string", 1}};
  auto created = catalog_->Create(admin, input);
  ASSERT_TRUE(created.has_value()) << created.error().message;
  EXPECT_EQ(created->org_name, "acme");
  EXPECT_EQ(created->owner.name, "alice");  // canonical spelling
  EXPECT_EQ(created->description, "Checkout flow");
  ASSERT_EQ(created->members.size(), 1u);
  EXPECT_EQ(created->members[0].name, "alice");
  EXPECT_EQ(created->item_counts, (std::map<std::string, int64_t>{{"environment", 1}, {"stack", 1}}));
  ASSERT_EQ(created->properties.size(), 2u);
  EXPECT_EQ(created->properties[0].key, "slack");  // sorted by order

  auto dup = catalog_->Create(admin, Input("user", "alice", "CHECKOUT"));
  ASSERT_FALSE(dup.has_value());
  EXPECT_EQ(dup.error().code, ErrorCode::kAlreadyExists);
  EXPECT_NE(dup.error().message.find("already exists"), std::string::npos);
  // Another owner may use the same name.
  EXPECT_TRUE(catalog_->Create(admin, Input("user", "bob", "checkout")).has_value());

  auto events = sink_.Events();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].kind, "service-created");
  EXPECT_EQ(events[0].org_name, "acme");
  EXPECT_EQ(events[0].actor.login, "alice");
  EXPECT_EQ(events[0].target, "user/alice/checkout");
  EXPECT_EQ(events[0].time, clock_.NowSeconds());
}

TEST_F(ServiceCatalogTest, MembersMayOnlyCreateForThemselves) {
  auto bob = OrgAccess(bob_);
  EXPECT_EQ(catalog_->Create(bob, Input("user", "carol", "svc")).error().code,
            ErrorCode::kPermissionDenied);
  EXPECT_TRUE(catalog_->Create(bob, Input("user", "bob", "svc")).has_value());
}

TEST_F(ServiceCatalogTest, ItemsTheCallerCannotReadAreNeitherAddedNorCounted) {
  auto admin = OrgAccess(alice_);
  auto bob = OrgAccess(bob_);
  AddStack(alice_, "payments", "secret");
  AddStack(bob_, "payments", "bobs");
  // Bob cannot read alice's stack (org default permission is none).
  EXPECT_EQ(catalog_->Create(bob, Input("user", "bob", "svc", {{"stack", "payments/secret"}}))
                .error()
                .code,
            ErrorCode::kInvalidArgument);
  ASSERT_TRUE(catalog_->Create(bob, Input("user", "bob", "svc", {{"stack", "payments/bobs"}})));
  ASSERT_TRUE(catalog_->AddItems(admin, Key("bob", "svc"), {{"stack", "payments/secret"}}));

  auto as_admin = catalog_->Get(admin, Key("bob", "svc"), std::nullopt, 100);
  ASSERT_TRUE(as_admin.has_value());
  EXPECT_EQ(as_admin->service.item_counts.at("stack"), 2);
  EXPECT_EQ(as_admin->items.size(), 2u);
  auto as_bob = catalog_->Get(bob, Key("bob", "svc"), std::nullopt, 100);
  ASSERT_TRUE(as_bob.has_value());
  EXPECT_EQ(as_bob->service.item_counts.at("stack"), 1);
  ASSERT_EQ(as_bob->items.size(), 1u);
  EXPECT_EQ(as_bob->items[0].name, "payments/bobs");
  EXPECT_EQ(as_bob->items[0].added_by, "bob");
}

TEST_F(ServiceCatalogTest, GetPagesItemsAndListPagesServices) {
  auto admin = OrgAccess(alice_);
  std::vector<ItemRef> items;
  for (int i = 0; i < 5; ++i) {
    AddStack(alice_, "proj", "s" + std::to_string(i), i);
    items.push_back({"stack", "proj/s" + std::to_string(i)});
  }
  ASSERT_TRUE(catalog_->Create(admin, Input("user", "alice", "big", items)));
  std::vector<std::string> seen;
  std::optional<std::string> token;
  for (int page = 0; page < 10; ++page) {
    auto detail = catalog_->Get(admin, Key("alice", "big"), token, 2);
    ASSERT_TRUE(detail.has_value()) << detail.error().message;
    for (const auto& item : detail->items) seen.push_back(item.name);
    token = detail->continuation_token;
    if (!token) break;
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"proj/s0", "proj/s1", "proj/s2", "proj/s3", "proj/s4"}));

  for (const char* name : {"b", "a", "c"}) {
    ASSERT_TRUE(catalog_->Create(admin, Input("user", "alice", name)));
  }
  auto first = catalog_->List(admin, std::nullopt, 3);
  ASSERT_TRUE(first.has_value());
  ASSERT_EQ(first->services.size(), 3u);
  EXPECT_EQ(first->services[0].name, "a");
  EXPECT_EQ(first->services[1].name, "b");
  EXPECT_EQ(first->services[2].name, "big");
  ASSERT_TRUE(first->continuation_token);
  auto second = catalog_->List(admin, first->continuation_token, 3);
  ASSERT_TRUE(second.has_value());
  ASSERT_EQ(second->services.size(), 1u);
  EXPECT_EQ(second->services[0].name, "c");
  EXPECT_FALSE(second->continuation_token);

  EXPECT_EQ(catalog_->List(admin, std::nullopt, 0).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(catalog_->List(admin, std::nullopt, 1001).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(catalog_->List(admin, std::string("zz"), 10).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(catalog_->Get(admin, Key("alice", "big"), std::string("0g"), 10).error().code,
            ErrorCode::kInvalidArgument);
}

TEST_F(ServiceCatalogTest, UpdateRenamesAndChecksPermission) {
  auto admin = OrgAccess(alice_);
  auto bob = OrgAccess(bob_);
  auto carol = OrgAccess(carol_);
  ASSERT_TRUE(catalog_->Create(bob, Input("user", "bob", "one")));
  ASSERT_TRUE(catalog_->Create(bob, Input("user", "bob", "two")));

  UpdateServiceInput rename;
  rename.name = "two";
  EXPECT_EQ(catalog_->Update(bob, Key("bob", "one"), rename).error().code,
            ErrorCode::kAlreadyExists);
  EXPECT_EQ(catalog_->Update(carol, Key("bob", "one"), rename).error().code,
            ErrorCode::kPermissionDenied);
  EXPECT_EQ(catalog_->Update(bob, Key("bob", "nosuch"), rename).error().code,
            ErrorCode::kNotFound);

  UpdateServiceInput change;
  change.name = "uno";
  change.description = "first";
  change.properties = std::vector<storage::ServicePropertyRecord>{{"k", "v", "string", 0}};
  auto updated = catalog_->Update(admin, Key("bob", "one"), change);
  ASSERT_TRUE(updated.has_value()) << updated.error().message;
  EXPECT_EQ(updated->name, "uno");
  EXPECT_EQ(updated->description, "first");
  ASSERT_EQ(updated->properties.size(), 1u);
  EXPECT_FALSE(catalog_->Exists(bob, Key("bob", "one")).value());
  EXPECT_TRUE(catalog_->Exists(bob, Key("bob", "uno")).value());

  auto events = sink_.Events();
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[2].kind, "service-updated");
  EXPECT_EQ(events[2].target, "user/bob/uno");
  EXPECT_EQ(events[2].fields.at("previousName"), "one");
}

TEST_F(ServiceCatalogTest, DeleteNeedsForceWhenOthersAddedItems) {
  auto admin = OrgAccess(alice_);
  auto bob = OrgAccess(bob_);
  auto carol = OrgAccess(carol_);
  AddStack(alice_, "proj", "dev");
  ASSERT_TRUE(catalog_->Create(bob, Input("user", "bob", "svc")));
  ASSERT_TRUE(catalog_->AddItems(admin, Key("bob", "svc"), {{"stack", "proj/dev"}}));
  auto view = catalog_->Get(bob, Key("bob", "svc"), std::nullopt, 10);
  ASSERT_TRUE(view.has_value());
  ASSERT_EQ(view->service.members.size(), 2u);
  EXPECT_EQ(view->service.members[1].name, "alice");

  EXPECT_EQ(catalog_->Delete(carol, Key("bob", "svc"), true).error().code,
            ErrorCode::kPermissionDenied);
  EXPECT_EQ(catalog_->Delete(bob, Key("bob", "svc"), false).error().code,
            ErrorCode::kPreconditionFailed);
  ASSERT_TRUE(catalog_->Delete(bob, Key("bob", "svc"), true));
  EXPECT_EQ(catalog_->Delete(bob, Key("bob", "svc"), true).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(sink_.Events().back().kind, "service-deleted");

  ASSERT_TRUE(catalog_->Create(bob, Input("user", "bob", "solo")));
  EXPECT_TRUE(catalog_->Delete(bob, Key("bob", "solo"), false).has_value());
}

TEST_F(ServiceCatalogTest, ItemsAddAndRemoveIdempotently) {
  auto admin = OrgAccess(alice_);
  AddStack(alice_, "proj", "dev");
  ASSERT_TRUE(catalog_->Create(admin, Input("user", "alice", "svc")));
  ASSERT_TRUE(catalog_->AddItems(admin, Key("alice", "svc"), {{"stack", "proj/dev"}}));
  const size_t after_first_add = sink_.Events().size();
  ASSERT_TRUE(catalog_->AddItems(admin, Key("alice", "svc"), {{"stack", "PROJ/DEV"}}));
  EXPECT_EQ(sink_.Events().size(), after_first_add);  // no-op publishes nothing

  EXPECT_EQ(catalog_->RemoveItem(admin, Key("alice", "svc"), {"bucket", "proj/dev"}, false)
                .error()
                .code,
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(catalog_->RemoveItem(admin, Key("alice", "svc"), {"stack", "proj"}, false).error().code,
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(catalog_->RemoveItem(admin, Key("alice", "svc"), {"stack", "other/proj/dev"}, false)
                .error()
                .code,
            ErrorCode::kInvalidArgument);
  ASSERT_TRUE(catalog_->RemoveItem(admin, Key("alice", "svc"), {"stack", "acme/proj/dev"}, true));
  EXPECT_EQ(sink_.Events().back().fields.at("change"), "item-removed");
  EXPECT_EQ(catalog_->RemoveItem(admin, Key("alice", "svc"), {"stack", "proj/dev"}, true)
                .error()
                .code,
            ErrorCode::kNotFound);
  EXPECT_TRUE(catalog_->RemoveItem(admin, Key("alice", "svc"), {"stack", "proj/dev"}, false));
  EXPECT_TRUE(catalog_->RemoveItem(admin, Key("alice", "svc"), {"environment", "p/e"}, false));
}

TEST_F(ServiceCatalogTest, DeletedStacksLeaveTheirServices) {
  auto admin = OrgAccess(alice_);
  auto stack = AddStack(alice_, "proj", "dev");
  ASSERT_TRUE(catalog_->Create(admin, Input("user", "alice", "svc", {{"stack", "proj/dev"}})));
  ASSERT_TRUE(store_->DeleteStack(stack.id));
  auto detail = catalog_->Get(admin, Key("alice", "svc"), std::nullopt, 10);
  ASSERT_TRUE(detail.has_value());
  EXPECT_TRUE(detail->items.empty());
  EXPECT_TRUE(detail->service.item_counts.empty());
}

TEST_F(ServiceCatalogTest, TeamOwnedServicesAreManagedByTeamMembers) {
  storage::TeamRecord team{random_.Uuid(), acme_.id, "platform", "Platform", "", 0};
  ASSERT_TRUE(store_->CreateTeam(team, bob_.user.id));
  auto admin = OrgAccess(alice_);
  auto bob = OrgAccess(bob_);
  auto carol = OrgAccess(carol_);
  EXPECT_EQ(catalog_->Create(carol, Input("team", "platform", "svc")).error().code,
            ErrorCode::kPermissionDenied);
  auto created = catalog_->Create(bob, Input("team", "PLATFORM", "svc"));
  ASSERT_TRUE(created.has_value()) << created.error().message;
  EXPECT_EQ(created->owner.type, "team");
  EXPECT_EQ(created->owner.name, "platform");
  ServiceKey key{"team", "platform", "svc"};
  UpdateServiceInput change;
  change.description = "d";
  EXPECT_EQ(catalog_->Update(carol, key, change).error().code, ErrorCode::kPermissionDenied);
  EXPECT_TRUE(catalog_->Update(bob, key, change).has_value());
  EXPECT_TRUE(catalog_->Update(admin, key, change).has_value());
}

TEST_F(ServiceCatalogTest, AFailingEventSinkRollsEveryChangeBack) {
  auto admin = OrgAccess(alice_);
  AddStack(alice_, "payments", "dev");
  AddStack(alice_, "payments", "prod");
  ASSERT_TRUE(
      catalog_->Create(admin, Input("user", "alice", "checkout", {{"stack", "payments/dev"}}))
          .has_value());
  testing::FailingSink failing;
  ServiceCatalog catalog(*store_, clock_, random_, *authorizer_, failing);

  auto created = catalog.Create(admin, Input("user", "alice", "other"));
  ASSERT_FALSE(created.has_value());
  EXPECT_EQ(created.error().code, ErrorCode::kInternal);
  EXPECT_FALSE(catalog_->Exists(admin, Key("alice", "other")).value());
  UpdateServiceInput update;
  update.name = "renamed";
  EXPECT_FALSE(catalog.Update(admin, Key("alice", "checkout"), update).has_value());
  EXPECT_FALSE(
      catalog.AddItems(admin, Key("alice", "checkout"), {{"stack", "payments/prod"}}).has_value());
  EXPECT_FALSE(catalog.RemoveItem(admin, Key("alice", "checkout"), {"stack", "payments/dev"}, true)
                   .has_value());
  EXPECT_FALSE(catalog.Delete(admin, Key("alice", "checkout"), true).has_value());

  auto kept = catalog_->Get(admin, Key("alice", "checkout"), std::nullopt, 10);
  ASSERT_TRUE(kept.has_value());
  ASSERT_EQ(kept->items.size(), 1u);
  EXPECT_EQ(kept->items[0].name, "payments/dev");
  EXPECT_FALSE(catalog_->Exists(admin, Key("alice", "renamed")).value());
  EXPECT_EQ(failing.attempts(), 5);
}

}  // namespace
}  // namespace statehouse::services
