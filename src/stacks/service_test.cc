#include "stacks/service.h"

#include <set>

#include <gtest/gtest.h>

#include "crypto/crypto.h"
#include "test/fakes/fake_clock.h"
#include "test/fakes/temp_dir.h"
#include "test/fakes/test_store.h"

namespace statehouse::stacks {
namespace {

TEST(RewriteStackUrnsTest, RewritesEveryPrefixAndNothingElse) {
  const std::string text =
      R"({"resources":[{"urn":"urn:pulumi:dev::proj::pulumi:pulumi:Stack::proj-dev",)"
      R"("parent":"urn:pulumi:dev::proj::a:b:C::x","note":"urn:pulumi:dev::other::k::v",)"
      R"("dependencies":["urn:pulumi:dev::proj::a:b:C::y"]}]})";
  const std::string out = RewriteStackUrns(text, "dev", "proj", "prod", "proj2");
  EXPECT_EQ(out,
            R"({"resources":[{"urn":"urn:pulumi:prod::proj2::pulumi:pulumi:Stack::proj-dev",)"
            R"("parent":"urn:pulumi:prod::proj2::a:b:C::x","note":"urn:pulumi:dev::other::k::v",)"
            R"("dependencies":["urn:pulumi:prod::proj2::a:b:C::y"]}]})");
  EXPECT_EQ(RewriteStackUrns("no urns", "dev", "proj", "prod", "proj"), "no urns");
}

class StackServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = testing::OpenTestStore(dir_.path());
    authorizer_ = std::make_unique<auth::Authorizer>(*store_, clock_);
    service_ = std::make_unique<StackService>(*store_, clock_, random_, *authorizer_);
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

  testing::TempDir dir_;
  testing::FakeClock clock_;
  crypto::OpenSslRandom random_;
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
  ASSERT_TRUE(service_->Rename(stack, "proj", "prod").has_value());
  auto renamed = StackAccess(alice_, "alice", "proj", "prod");
  auto stored = store_->GetCurrentState(renamed.stack->id);
  ASSERT_TRUE(stored.has_value() && stored->has_value());
  EXPECT_EQ(**stored,
            R"({"version":3,"deployment":{"resources":[{"urn":"urn:pulumi:prod::proj::pulumi:pulumi:Stack::proj-dev"}]}})");
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

}  // namespace
}  // namespace statehouse::stacks
