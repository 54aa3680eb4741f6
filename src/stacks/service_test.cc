#include "stacks/service.h"

#include <set>

#include <gtest/gtest.h>

#include "crypto/crypto.h"
#include "test/fakes/failing_sink.h"
#include "test/fakes/fake_clock.h"
#include "test/fakes/temp_dir.h"
#include "test/fakes/test_store.h"

namespace statehouse::stacks {
namespace {

class StackServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = testing::OpenTestStore(dir_.path());
    authorizer_ = std::make_unique<auth::Authorizer>(*store_, clock_);
    service_ = std::make_unique<StackService>(*store_, clock_, random_, *authorizer_, sink_);
    alice_ = AddUser("alice");
    bob_ = AddUser("bob");
  }

  auth::Principal AddUser(const std::string& login) {
    return auth::Principal{testing::CreateTestUser(*store_, random_, clock_, login).user, ""};
  }

  auth::Access OrgAccess(const auth::Principal& who, const std::string& org) {
    auto access = authorizer_->Authorize(who, auth::Need::kOrgMember, org, "", "");
    EXPECT_TRUE(access.has_value());
    return *access;
  }

  auth::Access StackAccess(const auth::Principal& who, const std::string& org,
                           const std::string& project, const std::string& stack) {
    auto access = authorizer_->Authorize(who, auth::Need::kStackAdmin, org, project, stack);
    EXPECT_TRUE(access.has_value());
    return *access;
  }

  // The events published so far, in order.
  std::vector<events::DomainEvent> Events() const { return recorded_.Events(); }

  testing::TempDir dir_;
  testing::FakeClock clock_;
  crypto::OpenSslRandom random_;
  events::RecordingSink recorded_;
  testing::SwitchableSink sink_{recorded_};
  storage::StorePtr store_;
  std::unique_ptr<auth::Authorizer> authorizer_;
  std::unique_ptr<StackService> service_;
  auth::Principal alice_, bob_;
};

TEST_F(StackServiceTest, CreateValidatesNamesTagsAndState) {
  auto access = OrgAccess(alice_, "alice");
  EXPECT_EQ(service_->Create(access, {"proj", "..", {}, {}}).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(service_->Create(access, {"pr/oj", "dev", {}, {}}).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(service_->Create(access, {"proj", "dev", {{"bad name", "x"}}, {}}).error().code,
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(service_->Create(access, {"proj", "dev", {}, std::string("{\"version\":3}")}).error().code,
            ErrorCode::kInvalidArgument);
  ASSERT_TRUE(service_->Create(access, {"proj", "dev", {{"owner", "alice"}}, {}}).has_value());
  auto dup = service_->Create(access, {"proj", "DEV", {}, {}});
  ASSERT_FALSE(dup.has_value());
  EXPECT_EQ(dup.error().code, ErrorCode::kAlreadyExists);
  EXPECT_NE(dup.error().message.find("already exists"), std::string::npos);
}

TEST_F(StackServiceTest, DeleteRefusesStacksWithResourcesUnlessForced) {
  auto access = OrgAccess(alice_, "alice");
  const std::string state =
      R"({"version":3,"deployment":{"resources":[{"urn":"urn:pulumi:dev::proj::pulumi:pulumi:Stack::proj-dev"}]}})";
  ASSERT_TRUE(service_->Create(access, {"proj", "dev", {}, state}).has_value());
  auto stack = StackAccess(alice_, "alice", "proj", "dev");
  auto refused = service_->Delete(stack, false);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().message, "Bad Request: Stack still contains resources.");
  EXPECT_TRUE(service_->Delete(stack, true).has_value());
}

TEST_F(StackServiceTest, RenameRewritesStoredStateAndRefusesCollisions) {
  auto access = OrgAccess(alice_, "alice");
  const std::string state =
      R"({"version":3,"deployment":{"resources":[{"urn":"urn:pulumi:dev::proj::pulumi:pulumi:Stack::proj-dev"}]}})";
  ASSERT_TRUE(service_->Create(access, {"proj", "dev", {}, state}).has_value());
  ASSERT_TRUE(service_->Create(access, {"proj", "taken", {}, {}}).has_value());
  auto stack = StackAccess(alice_, "alice", "proj", "dev");
  EXPECT_EQ(service_->Rename(stack, "proj", "taken").error().code, ErrorCode::kAlreadyExists);
  EXPECT_EQ(service_->Rename(stack, "proj", "dev").error().code, ErrorCode::kInvalidArgument);
  auto update_id = service_->Rename(stack, "proj", "prod");
  ASSERT_TRUE(update_id.has_value());
  auto renamed = StackAccess(alice_, "alice", "proj", "prod");
  const std::string expected =
      R"({"version":3,"deployment":{"resources":[{"urn":"urn:pulumi:prod::proj::pulumi:pulumi:Stack::proj-prod"}]}})";
  auto stored = store_->GetCurrentState(renamed.stack->id);
  ASSERT_TRUE(stored.has_value() && stored->has_value());
  EXPECT_EQ(**stored, expected);
  // The rename is the stack's next version, of kind "rename".
  EXPECT_EQ(renamed.stack->version, 1);
  auto entry = store_->GetHistoryEntry(renamed.stack->id, 1);
  ASSERT_TRUE(entry.has_value());
  EXPECT_EQ(entry->id, *update_id);
  EXPECT_EQ(entry->kind, "rename");
  EXPECT_EQ(entry->status, storage::UpdateStatus::kSucceeded);
  EXPECT_EQ(*store_->GetStateAtVersion(renamed.stack->id, 1).value(), expected);
}

TEST_F(StackServiceTest, RenameAndTransferWaitForTheRunningUpdate) {
  auto access = OrgAccess(alice_, "alice");
  ASSERT_TRUE(service_->Create(access, {"proj", "dev", {}, {}}).has_value());
  ASSERT_TRUE(
      store_->AddMember(store_->GetOrgByName("bob")->id, alice_.user.id, storage::OrgRole::kMember, 1)
          .has_value());
  auto stack = StackAccess(alice_, "alice", "proj", "dev");
  storage::UpdateRecord update;
  update.id = "up-1";
  update.stack_id = stack.stack->id;
  update.kind = "update";
  update.created = clock_.NowSeconds();
  ASSERT_TRUE(store_->CreateUpdate(update).has_value());
  ASSERT_TRUE(
      store_->StartUpdate("up-1", "lease", clock_.NowSeconds() + 300, clock_.NowSeconds()).has_value());
  stack = StackAccess(alice_, "alice", "proj", "dev");
  EXPECT_EQ(service_->Rename(stack, "proj", "prod").error().code, ErrorCode::kConflict);
  EXPECT_EQ(service_->Transfer(stack, "bob").error().code, ErrorCode::kConflict);
  EXPECT_TRUE(store_->GetStack("alice", "proj", "dev").has_value());
  // Once its lease lapses the stack is free again.
  clock_.Advance(301);
  EXPECT_TRUE(service_->Transfer(stack, "bob").has_value());
}

TEST_F(StackServiceTest, TransferPointsTheServiceSecretsProviderAtTheNewOrg) {
  auto access = OrgAccess(alice_, "alice");
  const std::string state =
      R"({"version":3,"deployment":{"secrets_providers":{"type":"service","state":)"
      R"({"url":"https://x","owner":"alice","project":"proj","stack":"dev"}}}})";
  ASSERT_TRUE(service_->Create(access, {"proj", "dev", {}, state}).has_value());
  ASSERT_TRUE(
      store_->AddMember(store_->GetOrgByName("bob")->id, alice_.user.id, storage::OrgRole::kMember, 1)
          .has_value());
  auto stack = StackAccess(alice_, "alice", "proj", "dev");
  ASSERT_TRUE(service_->Transfer(stack, "bob").has_value());
  auto stored = store_->GetCurrentState(stack.stack->id);
  ASSERT_TRUE(stored.has_value() && stored->has_value());
  EXPECT_EQ(**stored,
            R"({"version":3,"deployment":{"secrets_providers":{"type":"service","state":)"
            R"({"url":"https://x","owner":"bob","project":"proj","stack":"dev"}}}})");
}

TEST_F(StackServiceTest, ListPagesOnlyOverReadableStacks) {
  auto alice_org = OrgAccess(alice_, "alice");
  auto bob_org = OrgAccess(bob_, "bob");
  for (int i = 0; i < 7; ++i) {
    ASSERT_TRUE(service_->Create(alice_org, {"proj", "s" + std::to_string(i), {}, {}}).has_value());
    ASSERT_TRUE(service_->Create(bob_org, {"proj", "b" + std::to_string(i), {}, {}}).has_value());
  }
  std::set<std::string> seen;
  ListStacksInput input;
  input.max_results = 3;
  std::vector<size_t> sizes;
  while (true) {
    auto page = service_->List(alice_, input);
    ASSERT_TRUE(page.has_value());
    sizes.push_back(page->stacks.size());
    for (const auto& s : page->stacks) {
      EXPECT_EQ(s.org_name, "alice");
      EXPECT_TRUE(seen.insert(s.name).second) << "duplicate " << s.name;
    }
    if (!page->continuation_token) break;
    input.continuation_token = page->continuation_token;
  }
  EXPECT_EQ(seen.size(), 7u);
  EXPECT_EQ(sizes, (std::vector<size_t>{3, 3, 1}));

  input = {};
  input.continuation_token = "zz";
  EXPECT_EQ(service_->List(alice_, input).error().code, ErrorCode::kInvalidArgument);
  input = {};
  input.organization = "bob";
  auto other = service_->List(alice_, input);
  ASSERT_TRUE(other.has_value());
  EXPECT_TRUE(other->stacks.empty());
}

TEST_F(StackServiceTest, TagRules) {
  auto access = OrgAccess(alice_, "alice");
  ASSERT_TRUE(service_->Create(access, {"proj", "dev", {{"pulumi:project", "proj"}}, {}}).has_value());
  auto stack = StackAccess(alice_, "alice", "proj", "dev");
  EXPECT_EQ(service_->ReplaceTags(stack, {{"pulumi:project", "other"}}).error().code,
            ErrorCode::kInvalidArgument);
  EXPECT_TRUE(service_->ReplaceTags(stack, {{"pulumi:project", "proj"}, {"a", "1"}}).has_value());
  EXPECT_EQ(service_->AddTag(stack, "pulumi:runtime", "go").error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(service_->AddTag(stack, "a", "2").error().code, ErrorCode::kInvalidArgument);
  EXPECT_TRUE(service_->AddTag(stack, "b", "2").has_value());
  EXPECT_EQ(service_->UpdateTag(stack, "missing", "x").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(service_->UpdateTag(stack, "vcs:repo", "x").error().code, ErrorCode::kInvalidArgument);
  EXPECT_TRUE(service_->UpdateTag(stack, "b", "3").has_value());
  EXPECT_EQ(service_->DeleteTag(stack, "pulumi:project").error().code, ErrorCode::kInvalidArgument);
  EXPECT_TRUE(service_->DeleteTag(stack, "b").has_value());
  EXPECT_EQ(service_->DeleteTag(stack, "b").error().code, ErrorCode::kNotFound);
  auto reread = StackAccess(alice_, "alice", "proj", "dev");
  EXPECT_EQ(reread.stack->tags, (std::map<std::string, std::string>{{"pulumi:project", "proj"}, {"a", "1"}}));
}

TEST_F(StackServiceTest, TransferNeedsMembershipOfTheTargetOrg) {
  auto access = OrgAccess(alice_, "alice");
  ASSERT_TRUE(service_->Create(access, {"proj", "dev", {}, {}}).has_value());
  auto stack = StackAccess(alice_, "alice", "proj", "dev");
  EXPECT_EQ(service_->Transfer(stack, "bob").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(service_->Transfer(stack, "nobody").error().code, ErrorCode::kNotFound);
  auto bob_org = store_->GetOrgByName("bob");
  ASSERT_TRUE(store_->AddMember(bob_org->id, alice_.user.id, storage::OrgRole::kMember, 1).has_value());
  ASSERT_TRUE(service_->Transfer(stack, "bob").has_value());
  EXPECT_TRUE(store_->GetStack("bob", "proj", "dev").has_value());
  EXPECT_FALSE(store_->GetStack("alice", "proj", "dev").has_value());
}

TEST_F(StackServiceTest, CreateAndDeletePublishStackEvents) {
  auto access = OrgAccess(alice_, "alice");
  access.source_ip = "192.0.2.7";
  auto created = service_->Create(access, {"proj", "dev", {}, {}});
  ASSERT_TRUE(created.has_value());
  auto stack = StackAccess(alice_, "alice", "proj", "dev");
  stack.source_ip = "192.0.2.8";
  ASSERT_TRUE(service_->Delete(stack, false).has_value());

  auto events = Events();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].kind, "stack-created");
  EXPECT_EQ(events[0].org_id, access.org->id);
  EXPECT_EQ(events[0].org_name, "alice");
  EXPECT_EQ(events[0].target, "proj/dev");
  EXPECT_EQ(events[0].stack_id, created->id);
  EXPECT_EQ(events[0].project, "proj");
  EXPECT_EQ(events[0].stack_name, "dev");
  EXPECT_EQ(events[0].actor.login, "alice");
  EXPECT_EQ(events[0].actor.source_ip, "192.0.2.7");
  EXPECT_EQ(events[0].time, clock_.NowSeconds());
  EXPECT_TRUE(events[0].fields.empty());
  EXPECT_EQ(events[1].kind, "stack-deleted");
  EXPECT_EQ(events[1].stack_id, created->id);
  EXPECT_EQ(events[1].target, "proj/dev");
  EXPECT_EQ(events[1].actor.source_ip, "192.0.2.8");
}

TEST_F(StackServiceTest, RenamePublishesOldAndNewNames) {
  auto access = OrgAccess(alice_, "alice");
  ASSERT_TRUE(service_->Create(access, {"proj", "dev", {}, {}}).has_value());
  auto stack = StackAccess(alice_, "alice", "proj", "dev");
  ASSERT_TRUE(service_->Rename(stack, "other", "prod").has_value());
  auto events = Events();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].kind, "stack-renamed");
  EXPECT_EQ(events[1].org_name, "alice");
  EXPECT_EQ(events[1].target, "other/prod");
  EXPECT_EQ(events[1].project, "other");
  EXPECT_EQ(events[1].stack_name, "prod");
  EXPECT_EQ(events[1].stack_id, stack.stack->id);
  EXPECT_EQ(events[1].fields.at("from"), "proj/dev");
  EXPECT_EQ(events[1].fields.at("to"), "other/prod");
}

TEST_F(StackServiceTest, TransferPublishesInBothOrganizations) {
  auto access = OrgAccess(alice_, "alice");
  ASSERT_TRUE(service_->Create(access, {"proj", "dev", {}, {}}).has_value());
  auto bob_org = store_->GetOrgByName("bob");
  ASSERT_TRUE(
      store_->AddMember(bob_org->id, alice_.user.id, storage::OrgRole::kMember, 1).has_value());
  auto stack = StackAccess(alice_, "alice", "proj", "dev");
  ASSERT_TRUE(service_->Transfer(stack, "bob").has_value());
  auto events = Events();
  ASSERT_EQ(events.size(), 3u);
  for (size_t i : {1u, 2u}) {
    EXPECT_EQ(events[i].kind, "stack-transferred-to-organization");
    EXPECT_EQ(events[i].target, "proj/dev");
    EXPECT_EQ(events[i].stack_id, stack.stack->id);
    EXPECT_EQ(events[i].fields.at("fromOrg"), "alice");
    EXPECT_EQ(events[i].fields.at("toOrg"), "bob");
  }
  EXPECT_EQ(events[1].org_name, "alice");
  EXPECT_EQ(events[1].org_id, access.org->id);
  EXPECT_EQ(events[2].org_name, "bob");
  EXPECT_EQ(events[2].org_id, bob_org->id);
}

TEST_F(StackServiceTest, TagChangesPublishTheirActionAndTag) {
  auto access = OrgAccess(alice_, "alice");
  ASSERT_TRUE(service_->Create(access, {"proj", "dev", {}, {}}).has_value());
  auto stack = StackAccess(alice_, "alice", "proj", "dev");
  ASSERT_TRUE(service_->ReplaceTags(stack, {{"a", "1"}}).has_value());
  ASSERT_TRUE(service_->AddTag(stack, "b", "2").has_value());
  ASSERT_TRUE(service_->UpdateTag(stack, "b", "3").has_value());
  ASSERT_TRUE(service_->DeleteTag(stack, "a").has_value());
  ASSERT_FALSE(service_->DeleteTag(stack, "a").has_value());  // refused: no event

  std::vector<std::string> seen;
  for (const auto& e : Events()) {
    if (e.kind != "stack-tags-updated") continue;
    EXPECT_EQ(e.target, "proj/dev");
    EXPECT_EQ(e.stack_id, stack.stack->id);
    auto tag = e.fields.find("tag");
    seen.push_back(e.fields.at("action") + ":" + (tag == e.fields.end() ? "-" : tag->second));
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"set:-", "add:b", "update:b", "delete:a"}));
}

TEST_F(StackServiceTest, AFailingEventSinkRollsEveryChangeBack) {
  auto access = OrgAccess(alice_, "alice");
  ASSERT_TRUE(service_->Create(access, {"proj", "dev", {{"a", "1"}}, {}}).has_value());
  auto bob_org = store_->GetOrgByName("bob");
  ASSERT_TRUE(
      store_->AddMember(bob_org->id, alice_.user.id, storage::OrgRole::kMember, 1).has_value());
  auto stack = StackAccess(alice_, "alice", "proj", "dev");
  sink_.SetFailing(true);

  auto created = service_->Create(access, {"proj", "new", {}, {}});
  ASSERT_FALSE(created.has_value());
  EXPECT_EQ(created.error().code, ErrorCode::kInternal);
  EXPECT_EQ(store_->GetStack("alice", "proj", "new").error().code, ErrorCode::kNotFound);

  EXPECT_FALSE(service_->Delete(stack, true).has_value());
  EXPECT_FALSE(service_->Rename(stack, "proj", "prod").has_value());
  EXPECT_FALSE(service_->Transfer(stack, "bob").has_value());
  EXPECT_FALSE(service_->ReplaceTags(stack, {}).has_value());
  EXPECT_FALSE(service_->AddTag(stack, "b", "2").has_value());
  EXPECT_FALSE(service_->UpdateTag(stack, "a", "2").has_value());
  EXPECT_FALSE(service_->DeleteTag(stack, "a").has_value());

  auto unchanged = store_->GetStack("alice", "proj", "dev");
  ASSERT_TRUE(unchanged.has_value());
  EXPECT_EQ(unchanged->id, stack.stack->id);
  EXPECT_EQ(unchanged->tags, (std::map<std::string, std::string>{{"a", "1"}}));
  EXPECT_FALSE(store_->GetStack("alice", "proj", "prod").has_value());
  EXPECT_FALSE(store_->GetStack("bob", "proj", "dev").has_value());
  EXPECT_EQ(Events().size(), 1u);  // only the first creation
}

}  // namespace
}  // namespace statehouse::stacks
