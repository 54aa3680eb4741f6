// Conformance suite for storage::Store (users, orgs, tokens, stacks, teams,
// services, updates, secrets, engine events). Every backend in
// ConformanceBackends() runs it unchanged.

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <mutex>
#include <random>
#include <thread>

#include "storage/conformance_fixture.h"

namespace statehouse::storage {
namespace {

// ---------------------------------------------------------------------------
// Users and orgs

TEST_P(StoreConformanceTest, HasNoUsersUntilTheFirstUserIsCreated) {
  auto empty = store_->HasNoUsers();
  SH_ASSERT_OK(empty);
  EXPECT_TRUE(*empty);
  AddUser("alice");
  empty = store_->HasNoUsers();
  SH_ASSERT_OK(empty);
  EXPECT_FALSE(*empty);
}

TEST_P(StoreConformanceTest, CreateUserWithPersonalOrgWritesUserOrgMembershipAndToken) {
  UserRecord user = MakeUser("u-1", "Alice");
  user.site_admin = true;
  OrgRecord org = MakeOrg("o-1", "Alice");
  TokenRecord token = MakeToken("t-1", "u-1", kT0 + 2);
  SH_ASSERT_OK(store_->CreateUserWithPersonalOrg(user, org, token, "hash-1"));

  auto got = store_->GetUserByLogin("Alice");
  SH_ASSERT_OK(got);
  EXPECT_EQ(got->id, "u-1");
  EXPECT_EQ(got->login, "Alice");
  EXPECT_EQ(got->name, user.name);
  EXPECT_EQ(got->email, user.email);
  EXPECT_TRUE(got->site_admin);
  EXPECT_EQ(got->created, kT0);

  auto got_org = store_->GetOrgByName("Alice");
  SH_ASSERT_OK(got_org);
  EXPECT_EQ(got_org->id, "o-1");
  EXPECT_EQ(got_org->name, "Alice");
  EXPECT_EQ(got_org->created, kT0 + 1);
  EXPECT_EQ(got_org->default_stack_permission, 0);

  auto role = store_->GetRole("o-1", "u-1");
  SH_ASSERT_OK(role);
  EXPECT_EQ(*role, OrgRole::kAdmin);

  auto memberships = store_->ListMemberships("u-1");
  SH_ASSERT_OK(memberships);
  ASSERT_EQ(memberships->size(), 1u);
  EXPECT_EQ((*memberships)[0].org_id, "o-1");
  EXPECT_EQ((*memberships)[0].org_name, "Alice");
  EXPECT_EQ((*memberships)[0].user_id, "u-1");
  EXPECT_EQ((*memberships)[0].role, OrgRole::kAdmin);

  auto lookup = store_->FindTokenByHash("hash-1");
  SH_ASSERT_OK(lookup);
  ASSERT_TRUE(lookup->has_value());
  EXPECT_EQ((*lookup)->token.id, "t-1");
  EXPECT_EQ((*lookup)->token.user_id, "u-1");
  EXPECT_EQ((*lookup)->token.name, token.name);
  EXPECT_EQ((*lookup)->user.login, "Alice");
}

TEST_P(StoreConformanceTest, CreateUserWithoutTokenStoresNoToken) {
  SH_ASSERT_OK(store_->CreateUserWithPersonalOrg(MakeUser("u-1", "bob"), MakeOrg("o-1", "bob"),
                                                 std::nullopt, ""));
  auto tokens = store_->ListTokens("u-1", std::nullopt, 10);
  SH_ASSERT_OK(tokens);
  EXPECT_TRUE(tokens->empty());
}

TEST_P(StoreConformanceTest, CreateUserRejectsTakenLoginAndWritesNothing) {
  AddUser("alice");
  auto result =
      store_->CreateUserWithPersonalOrg(MakeUser("u-2", "ALICE"), MakeOrg("o-2", "fresh-org"),
                                        MakeToken("t-2", "u-2", kT0), "hash-2");
  SH_EXPECT_ERROR(result, ErrorCode::kAlreadyExists);
  EXPECT_NE(result.error().message.find("user"), std::string::npos) << result.error().message;
  EXPECT_NE(result.error().message.find("ALICE"), std::string::npos) << result.error().message;

  SH_EXPECT_ERROR(store_->GetOrgByName("fresh-org"), ErrorCode::kNotFound);
  auto lookup = store_->FindTokenByHash("hash-2");
  SH_ASSERT_OK(lookup);
  EXPECT_FALSE(lookup->has_value());
  auto user = store_->GetUserByLogin("alice");
  SH_ASSERT_OK(user);
  EXPECT_EQ(user->id, "u-alice");
}

TEST_P(StoreConformanceTest, CreateUserRejectsTakenOrgNameAndWritesNothing) {
  AddUser("alice");
  auto result = store_->CreateUserWithPersonalOrg(MakeUser("u-2", "bob"), MakeOrg("o-2", "Alice"),
                                                  std::nullopt, "");
  SH_EXPECT_ERROR(result, ErrorCode::kAlreadyExists);
  EXPECT_NE(result.error().message.find("organization"), std::string::npos)
      << result.error().message;
  EXPECT_NE(result.error().message.find("Alice"), std::string::npos) << result.error().message;
  SH_EXPECT_ERROR(store_->GetUserByLogin("bob"), ErrorCode::kNotFound);
}

TEST_P(StoreConformanceTest, GetUserByLoginIsCaseInsensitive) {
  AddUser("MixedCase");
  for (const char* login : {"MixedCase", "mixedcase", "MIXEDCASE"}) {
    auto user = store_->GetUserByLogin(login);
    SH_ASSERT_OK(user);
    EXPECT_EQ(user->login, "MixedCase");
  }
  SH_EXPECT_ERROR(store_->GetUserByLogin("nobody"), ErrorCode::kNotFound);
}

TEST_P(StoreConformanceTest, CreateOrgMakesTheUserAdminAndRejectsTakenNames) {
  AddUser("alice");
  AddUser("bob");
  OrgRecord org = MakeOrg("o-acme", "Acme");
  org.default_stack_permission = 101;
  SH_ASSERT_OK(store_->CreateOrg(org, "u-alice"));

  auto got = store_->GetOrgByName("aCME");
  SH_ASSERT_OK(got);
  EXPECT_EQ(got->id, "o-acme");
  EXPECT_EQ(got->name, "Acme");
  EXPECT_EQ(got->default_stack_permission, 101);

  auto role = store_->GetRole("o-acme", "u-alice");
  SH_ASSERT_OK(role);
  EXPECT_EQ(*role, OrgRole::kAdmin);
  role = store_->GetRole("o-acme", "u-bob");
  SH_ASSERT_OK(role);
  EXPECT_EQ(*role, OrgRole::kNone);
  role = store_->GetRole("o-missing", "u-alice");
  SH_ASSERT_OK(role);
  EXPECT_EQ(*role, OrgRole::kNone);

  auto duplicate = store_->CreateOrg(MakeOrg("o-other", "ACME"), "u-bob");
  SH_EXPECT_ERROR(duplicate, ErrorCode::kAlreadyExists);
  role = store_->GetRole("o-other", "u-bob");
  SH_ASSERT_OK(role);
  EXPECT_EQ(*role, OrgRole::kNone);

  SH_EXPECT_ERROR(store_->GetOrgByName("missing"), ErrorCode::kNotFound);
}

TEST_P(StoreConformanceTest, ListMembershipsIsOrderedByOrgNameIgnoringCase) {
  AddUser("carol");
  AddUser("dave");
  SH_ASSERT_OK(store_->CreateOrg(MakeOrg("o-b", "Banana"), "u-carol"));
  SH_ASSERT_OK(store_->CreateOrg(MakeOrg("o-a", "apple"), "u-carol"));
  SH_ASSERT_OK(store_->CreateOrg(MakeOrg("o-d", "Durian"), "u-dave"));

  auto memberships = store_->ListMemberships("u-carol");
  SH_ASSERT_OK(memberships);
  std::vector<std::string> names;
  for (const auto& m : *memberships) {
    names.push_back(m.org_name);
    EXPECT_EQ(m.user_id, "u-carol");
    EXPECT_EQ(m.role, OrgRole::kAdmin);
  }
  EXPECT_EQ(names, (std::vector<std::string>{"apple", "Banana", "carol"}));

  auto none = store_->ListMemberships("u-nobody");
  SH_ASSERT_OK(none);
  EXPECT_TRUE(none->empty());
}

TEST_P(StoreConformanceTest, AddMemberGrantsRoleOnce) {
  AddUser("alice");
  AddUser("bob");
  SH_ASSERT_OK(store_->CreateOrg(MakeOrg("o-acme", "acme"), "u-alice"));
  SH_ASSERT_OK(store_->AddMember("o-acme", "u-bob", OrgRole::kMember, kT0 + 3));

  auto role = store_->GetRole("o-acme", "u-bob");
  SH_ASSERT_OK(role);
  EXPECT_EQ(*role, OrgRole::kMember);
  auto memberships = store_->ListMemberships("u-bob");
  SH_ASSERT_OK(memberships);
  ASSERT_EQ(memberships->size(), 2u);
  EXPECT_EQ((*memberships)[0].org_name, "acme");
  EXPECT_EQ((*memberships)[0].role, OrgRole::kMember);
  EXPECT_EQ((*memberships)[0].created, kT0 + 3);

  SH_EXPECT_ERROR(store_->AddMember("o-acme", "u-bob", OrgRole::kAdmin, kT0),
                  ErrorCode::kAlreadyExists);
  role = store_->GetRole("o-acme", "u-bob");
  SH_ASSERT_OK(role);
  EXPECT_EQ(*role, OrgRole::kMember);
}

// ---------------------------------------------------------------------------
// Tokens

TEST_P(StoreConformanceTest, FindTokenByHashReturnsTokenAndOwner) {
  AddUser("alice");
  TokenRecord token = MakeToken("t-1", "u-alice", kT0 + 5);
  token.expires = kT0 - 100;
  SH_ASSERT_OK(store_->CreateToken(token, "hash-1"));

  auto lookup = store_->FindTokenByHash("hash-1");
  SH_ASSERT_OK(lookup);
  ASSERT_TRUE(lookup->has_value()) << "expired tokens are still found";
  const TokenLookup& found = **lookup;
  EXPECT_EQ(found.token.id, "t-1");
  EXPECT_EQ(found.token.user_id, "u-alice");
  EXPECT_EQ(found.token.name, token.name);
  EXPECT_EQ(found.token.description, token.description);
  EXPECT_EQ(found.token.created, kT0 + 5);
  EXPECT_EQ(found.token.last_used, 0);
  EXPECT_EQ(found.token.expires, kT0 - 100);
  EXPECT_EQ(found.user.id, "u-alice");
  EXPECT_EQ(found.user.login, "alice");
  EXPECT_EQ(found.user.email, "alice@example.com");

  auto missing = store_->FindTokenByHash("HASH-1");
  SH_ASSERT_OK(missing);
  EXPECT_FALSE(missing->has_value());
}

TEST_P(StoreConformanceTest, CreateTokenRejectsDuplicateHash) {
  AddUser("alice");
  SH_ASSERT_OK(store_->CreateToken(MakeToken("t-1", "u-alice", kT0), "hash-1"));
  SH_EXPECT_ERROR(store_->CreateToken(MakeToken("t-2", "u-alice", kT0), "hash-1"),
                  ErrorCode::kAlreadyExists);
}

TEST_P(StoreConformanceTest, SetTokenLastUsedIsVisible) {
  AddUser("alice");
  SH_ASSERT_OK(store_->CreateToken(MakeToken("t-1", "u-alice", kT0), "hash-1"));
  SH_ASSERT_OK(store_->SetTokenLastUsed("t-1", kT0 + 99));
  auto lookup = store_->FindTokenByHash("hash-1");
  SH_ASSERT_OK(lookup);
  ASSERT_TRUE(lookup->has_value());
  EXPECT_EQ((*lookup)->token.last_used, kT0 + 99);
  auto tokens = store_->ListTokens("u-alice", std::nullopt, 10);
  SH_ASSERT_OK(tokens);
  ASSERT_EQ(tokens->size(), 1u);
  EXPECT_EQ((*tokens)[0].last_used, kT0 + 99);
}

TEST_P(StoreConformanceTest, ListTokensOrdersByCreatedThenIdAndPages) {
  AddUser("alice");
  AddUser("bob");
  SH_ASSERT_OK(store_->CreateToken(MakeToken("tok-b", "u-alice", kT0 + 10), "h-b"));
  SH_ASSERT_OK(store_->CreateToken(MakeToken("tok-a", "u-alice", kT0 + 10), "h-a"));
  SH_ASSERT_OK(store_->CreateToken(MakeToken("tok-c", "u-alice", kT0 + 5), "h-c"));
  SH_ASSERT_OK(store_->CreateToken(MakeToken("tok-d", "u-alice", kT0 + 20), "h-d"));
  SH_ASSERT_OK(store_->CreateToken(MakeToken("tok-z", "u-bob", kT0 + 1), "h-z"));
  SH_ASSERT_OK(store_->DeleteToken("u-alice", "tok-d"));

  auto ids = [](const std::vector<TokenRecord>& tokens) {
    std::vector<std::string> out;
    for (const auto& t : tokens) out.push_back(t.id);
    return out;
  };
  auto all = store_->ListTokens("u-alice", std::nullopt, 100);
  SH_ASSERT_OK(all);
  EXPECT_EQ(ids(*all), (std::vector<std::string>{"tok-c", "tok-a", "tok-b"}));

  auto page1 = store_->ListTokens("u-alice", std::nullopt, 2);
  SH_ASSERT_OK(page1);
  EXPECT_EQ(ids(*page1), (std::vector<std::string>{"tok-c", "tok-a"}));
  auto page2 = store_->ListTokens("u-alice", std::string("tok-a"), 2);
  SH_ASSERT_OK(page2);
  EXPECT_EQ(ids(*page2), (std::vector<std::string>{"tok-b"}));
  auto page3 = store_->ListTokens("u-alice", std::string("tok-b"), 2);
  SH_ASSERT_OK(page3);
  EXPECT_TRUE(page3->empty());

  auto bob = store_->ListTokens("u-bob", std::nullopt, 100);
  SH_ASSERT_OK(bob);
  EXPECT_EQ(ids(*bob), (std::vector<std::string>{"tok-z"}));
}

TEST_P(StoreConformanceTest, DeleteTokenHidesItImmediately) {
  AddUser("alice");
  AddUser("bob");
  SH_ASSERT_OK(store_->CreateToken(MakeToken("t-1", "u-alice", kT0), "hash-1"));
  auto before = store_->FindTokenByHash("hash-1");
  SH_ASSERT_OK(before);
  ASSERT_TRUE(before->has_value());

  SH_EXPECT_ERROR(store_->DeleteToken("u-bob", "t-1"), ErrorCode::kNotFound);
  SH_ASSERT_OK(store_->DeleteToken("u-alice", "t-1"));

  auto after = store_->FindTokenByHash("hash-1");
  SH_ASSERT_OK(after);
  EXPECT_FALSE(after->has_value());
  auto listed = store_->ListTokens("u-alice", std::nullopt, 10);
  SH_ASSERT_OK(listed);
  EXPECT_TRUE(listed->empty());

  SH_EXPECT_ERROR(store_->DeleteToken("u-alice", "t-1"), ErrorCode::kNotFound);
  SH_EXPECT_ERROR(store_->DeleteToken("u-alice", "t-missing"), ErrorCode::kNotFound);
}

// ---------------------------------------------------------------------------
// Stacks

TEST_P(StoreConformanceTest, CreateAndGetStackCaseInsensitively) {
  OrgRecord org = AddUser("Alice");
  StackRecord stack = MakeStack("s-1", org, "MyProject", "Dev");
  stack.version = 7;
  stack.resource_count = 12;
  stack.last_update = kT0 + 50;
  stack.active_update = "upd-9";
  stack.tags = {{"env", "dev"}, {"owner", "alice"}};
  SH_ASSERT_OK(store_->CreateStack(stack, std::string("{\"v\":1}")));

  auto got = store_->GetStack("alice", "myproject", "DEV");
  SH_ASSERT_OK(got);
  EXPECT_EQ(got->id, "s-1");
  EXPECT_EQ(got->org_id, org.id);
  EXPECT_EQ(got->org_name, "Alice");
  EXPECT_EQ(got->project, "MyProject");
  EXPECT_EQ(got->name, "Dev");
  EXPECT_EQ(got->created_by, "u-owner");
  EXPECT_EQ(got->created, kT0 + 10);
  EXPECT_EQ(got->version, 7);
  EXPECT_EQ(got->resource_count, 12);
  EXPECT_EQ(got->last_update, kT0 + 50);
  EXPECT_EQ(got->active_update, "upd-9");
  EXPECT_EQ(got->tags, stack.tags);

  auto state = store_->GetCurrentState("s-1");
  SH_ASSERT_OK(state);
  ASSERT_TRUE(state->has_value());
  EXPECT_EQ(**state, "{\"v\":1}");

  SH_EXPECT_ERROR(store_->GetStack("alice", "myproject", "prod"), ErrorCode::kNotFound);
  SH_EXPECT_ERROR(store_->GetStack("nobody", "myproject", "dev"), ErrorCode::kNotFound);
}

TEST_P(StoreConformanceTest, CreateStackRejectsTakenNameCaseInsensitively) {
  OrgRecord alice = AddUser("alice");
  OrgRecord bob = AddUser("bob");
  SH_ASSERT_OK(store_->CreateStack(MakeStack("s-1", alice, "proj", "dev"), std::nullopt));

  StackRecord clash = MakeStack("s-2", alice, "PROJ", "Dev");
  clash.tags = {{"k", "v"}};
  SH_EXPECT_ERROR(store_->CreateStack(clash, std::string("{}")), ErrorCode::kAlreadyExists);

  SH_EXPECT_OK(store_->CreateStack(MakeStack("s-3", alice, "proj2", "dev"), std::nullopt));
  SH_EXPECT_OK(store_->CreateStack(MakeStack("s-4", bob, "proj", "dev"), std::nullopt));

  auto state = store_->GetCurrentState("s-2");
  SH_ASSERT_OK(state);
  EXPECT_FALSE(state->has_value());
  auto kept = store_->GetStack("alice", "proj", "dev");
  SH_ASSERT_OK(kept);
  EXPECT_EQ(kept->id, "s-1");
  EXPECT_TRUE(kept->tags.empty());
}

TEST_P(StoreConformanceTest, StateIsAbsentUntilGivenAndMayBeEmpty) {
  OrgRecord org = AddUser("alice");
  SH_ASSERT_OK(store_->CreateStack(MakeStack("s-none", org, "p", "none"), std::nullopt));
  SH_ASSERT_OK(store_->CreateStack(MakeStack("s-empty", org, "p", "empty"), std::string()));

  auto none = store_->GetCurrentState("s-none");
  SH_ASSERT_OK(none);
  EXPECT_FALSE(none->has_value());
  auto empty = store_->GetCurrentState("s-empty");
  SH_ASSERT_OK(empty);
  ASSERT_TRUE(empty->has_value());
  EXPECT_EQ(**empty, "");
  auto unknown = store_->GetCurrentState("s-unknown");
  SH_ASSERT_OK(unknown);
  EXPECT_FALSE(unknown->has_value());
}

TEST_P(StoreConformanceTest, ProjectExistsIsCaseInsensitiveAndPerOrg) {
  OrgRecord alice = AddUser("alice");
  OrgRecord bob = AddUser("bob");
  SH_ASSERT_OK(store_->CreateStack(MakeStack("s-1", alice, "Website", "dev"), std::nullopt));

  auto exists = store_->ProjectExists(alice.id, "website");
  SH_ASSERT_OK(exists);
  EXPECT_TRUE(*exists);
  exists = store_->ProjectExists(bob.id, "website");
  SH_ASSERT_OK(exists);
  EXPECT_FALSE(*exists);
  exists = store_->ProjectExists(alice.id, "other");
  SH_ASSERT_OK(exists);
  EXPECT_FALSE(*exists);

  SH_ASSERT_OK(store_->DeleteStack("s-1"));
  exists = store_->ProjectExists(alice.id, "Website");
  SH_ASSERT_OK(exists);
  EXPECT_FALSE(*exists);
}

TEST_P(StoreConformanceTest, TagsWithArbitraryCharactersRoundTrip) {
  OrgRecord org = AddUser("alice");
  StackRecord stack = MakeStack("s-1", org, "p", "dev");
  stack.tags = {
      {"plain", "value"},
      {"comma,separated=pairs", "a,b=c;d|e"},
      {"quotes\"and'apostrophes", "\"quoted\" 'single'"},
      {"new\nline\ttab", "line1\nline2\r\n"},
      {"unicode \xC3\xBC\xC3\x9F \xE6\x97\xA5\xE6\x9C\xAC", "\xF0\x9F\x9A\x80 \xE2\x82\xAC"},
      {"percent%_under", "%_\\backslash"},
      {"empty-value", ""},
      {"Case", "upper"},
      {"case", "lower"},
  };
  SH_ASSERT_OK(store_->CreateStack(stack, std::nullopt));

  auto got = store_->GetStack("alice", "p", "dev");
  SH_ASSERT_OK(got);
  EXPECT_EQ(got->tags, stack.tags);

  StackQuery query;
  query.org_ids = {org.id};
  auto listed = store_->ListStacks(query);
  SH_ASSERT_OK(listed);
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].tags, stack.tags);

  query.tag_name = "unicode \xC3\xBC\xC3\x9F \xE6\x97\xA5\xE6\x9C\xAC";
  query.tag_value = "\xF0\x9F\x9A\x80 \xE2\x82\xAC";
  listed = store_->ListStacks(query);
  SH_ASSERT_OK(listed);
  EXPECT_EQ(listed->size(), 1u);

  query.tag_name = "percent%_under";
  query.tag_value = "%_\\backslash";
  listed = store_->ListStacks(query);
  SH_ASSERT_OK(listed);
  EXPECT_EQ(listed->size(), 1u);

  query.tag_name = "percent__under";
  query.tag_value.reset();
  listed = store_->ListStacks(query);
  SH_ASSERT_OK(listed);
  EXPECT_TRUE(listed->empty()) << "tag names match exactly, not as patterns";
}

TEST_P(StoreConformanceTest, TagOperations) {
  OrgRecord org = AddUser("alice");
  StackRecord stack = MakeStack("s-1", org, "p", "dev");
  stack.tags = {{"a", "1"}, {"b", "2"}};
  SH_ASSERT_OK(store_->CreateStack(stack, std::nullopt));
  auto tags = [&] {
    auto got = store_->GetStack("alice", "p", "dev");
    EXPECT_TRUE(got.has_value()) << ErrorText(got);
    return got ? got->tags : std::map<std::string, std::string>{};
  };

  SH_ASSERT_OK(store_->ReplaceTags("s-1", {{"c", "3"}, {"d", "4"}}));
  EXPECT_EQ(tags(), (std::map<std::string, std::string>{{"c", "3"}, {"d", "4"}}));

  SH_ASSERT_OK(store_->AddTag("s-1", "e", "5"));
  SH_EXPECT_ERROR(store_->AddTag("s-1", "e", "other"), ErrorCode::kAlreadyExists);
  EXPECT_EQ(tags(), (std::map<std::string, std::string>{{"c", "3"}, {"d", "4"}, {"e", "5"}}));

  SH_ASSERT_OK(store_->UpdateTag("s-1", "c", "33"));
  SH_EXPECT_ERROR(store_->UpdateTag("s-1", "zzz", "1"), ErrorCode::kNotFound);
  SH_ASSERT_OK(store_->DeleteTag("s-1", "d"));
  SH_EXPECT_ERROR(store_->DeleteTag("s-1", "d"), ErrorCode::kNotFound);
  EXPECT_EQ(tags(), (std::map<std::string, std::string>{{"c", "33"}, {"e", "5"}}));

  SH_ASSERT_OK(store_->ReplaceTags("s-1", {}));
  EXPECT_TRUE(tags().empty());

  SH_EXPECT_ERROR(store_->AddTag("s-missing", "a", "1"), ErrorCode::kNotFound);
  SH_EXPECT_ERROR(store_->ReplaceTags("s-missing", {{"a", "1"}}), ErrorCode::kNotFound);
  SH_EXPECT_ERROR(store_->UpdateTag("s-missing", "a", "1"), ErrorCode::kNotFound);
  SH_EXPECT_ERROR(store_->DeleteTag("s-missing", "a"), ErrorCode::kNotFound);
}

TEST_P(StoreConformanceTest, ListStacksPagesByKeysetIgnoringCase) {
  OrgRecord zeta = AddUser("Zeta");
  OrgRecord alpha = AddUser("alpha");
  AddUser("gamma");
  std::vector<std::string> expected;
  const std::vector<std::string> projects = {"web", "Api", "batch"};
  const std::vector<std::string> names = {"apple", "Banana", "cherry", "Dev", "echo"};
  for (int i = 0; i < 25; ++i) {
    const OrgRecord& org = i % 2 == 0 ? zeta : alpha;
    const int j = i / 2;
    StackRecord stack = MakeStack("s-" + std::to_string(i), org, projects[j % 3], names[j / 3]);
    stack.tags = {{"index", std::to_string(i)}};
    SH_ASSERT_OK(store_->CreateStack(stack, std::nullopt));
    expected.push_back(Key(stack));
  }
  ASSERT_EQ(expected.size(), 25u);
  std::sort(expected.begin(), expected.end(),
            [](const std::string& a, const std::string& b) { return Lower(a) < Lower(b); });

  StackQuery query;
  query.org_ids = {zeta.id, alpha.id, "o-gamma"};
  query.limit = 10;
  std::vector<std::string> seen;
  std::vector<size_t> page_sizes;
  for (int page = 0; page < 10; ++page) {
    auto stacks = store_->ListStacks(query);
    SH_ASSERT_OK(stacks);
    page_sizes.push_back(stacks->size());
    if (stacks->empty()) break;
    for (const auto& stack : *stacks) {
      seen.push_back(Key(stack));
      EXPECT_EQ(stack.tags.size(), 1u);
    }
    const StackRecord& last = stacks->back();
    query.after = StackQuery::Position{last.org_name, last.project, last.name};
  }
  EXPECT_EQ(page_sizes, (std::vector<size_t>{10, 10, 5, 0}));
  EXPECT_EQ(seen, expected);

  query.after = StackQuery::Position{"ALPHA", "API", "cherry"};
  query.limit = 2;
  auto resumed = store_->ListStacks(query);
  SH_ASSERT_OK(resumed);
  std::vector<std::string> resumed_keys;
  for (const auto& stack : *resumed) resumed_keys.push_back(Key(stack));
  EXPECT_EQ(resumed_keys, (std::vector<std::string>{"alpha/Api/Dev", "alpha/batch/apple"}));
}

TEST_P(StoreConformanceTest, ListStacksFilters) {
  OrgRecord alice = AddUser("alice");
  OrgRecord bob = AddUser("bob");
  OrgRecord carol = AddUser("carol");
  auto add = [&](const std::string& id, const OrgRecord& org, const std::string& project,
                 const std::string& name, std::map<std::string, std::string> tags) {
    StackRecord stack = MakeStack(id, org, project, name);
    stack.tags = std::move(tags);
    SH_EXPECT_OK(store_->CreateStack(stack, std::nullopt));
  };
  add("s-1", alice, "Web", "dev", {{"env", "dev"}, {"team", "a"}});
  add("s-2", alice, "web", "prod", {{"env", "prod"}});
  add("s-3", alice, "api", "dev", {{"env", "dev"}});
  add("s-4", bob, "WEB", "dev", {{"env", "dev"}});
  add("s-5", bob, "api", "prod", {});
  add("s-6", carol, "web", "dev", {{"env", "dev"}});

  auto ids = [&](StackQuery query) {
    std::vector<std::string> out;
    for (const auto& stack : ListAll(std::move(query))) out.push_back(stack.id);
    return out;
  };
  using Ids = std::vector<std::string>;

  StackQuery query;
  query.org_ids = {alice.id, bob.id};
  EXPECT_EQ(ids(query), (Ids{"s-3", "s-1", "s-2", "s-5", "s-4"}));

  query.project = "WEB";
  EXPECT_EQ(ids(query), (Ids{"s-1", "s-2", "s-4"}));

  query.tag_name = "env";
  EXPECT_EQ(ids(query), (Ids{"s-1", "s-2", "s-4"}));

  query.tag_value = "dev";
  EXPECT_EQ(ids(query), (Ids{"s-1", "s-4"}));

  query.project.reset();
  EXPECT_EQ(ids(query), (Ids{"s-3", "s-1", "s-4"}));

  query.tag_name = "team";
  query.tag_value = "a";
  EXPECT_EQ(ids(query), (Ids{"s-1"}));

  query.tag_value = "b";
  EXPECT_TRUE(ids(query).empty());

  query.tag_name = "ENV";
  query.tag_value.reset();
  EXPECT_TRUE(ids(query).empty()) << "tag names are case-sensitive";

  StackQuery only_carol;
  only_carol.org_ids = {carol.id};
  EXPECT_EQ(ids(only_carol), (Ids{"s-6"}));

  StackQuery unknown_org;
  unknown_org.org_ids = {"o-unknown"};
  EXPECT_TRUE(ids(unknown_org).empty());

  StackQuery paged;
  paged.org_ids = {alice.id, bob.id, carol.id};
  paged.tag_name = "env";
  paged.tag_value = "dev";
  paged.limit = 1;
  EXPECT_EQ(ids(paged), (Ids{"s-3", "s-1", "s-4", "s-6"}));
}

TEST_P(StoreConformanceTest, DeleteStackRemovesStateAndTags) {
  OrgRecord org = AddUser("alice");
  StackRecord stack = MakeStack("s-1", org, "p", "dev");
  stack.tags = {{"env", "dev"}};
  SH_ASSERT_OK(store_->CreateStack(stack, std::string("{\"old\":true}")));

  SH_ASSERT_OK(store_->DeleteStack("s-1"));
  SH_EXPECT_ERROR(store_->GetStack("alice", "p", "dev"), ErrorCode::kNotFound);
  auto state = store_->GetCurrentState("s-1");
  SH_ASSERT_OK(state);
  EXPECT_FALSE(state->has_value());
  StackQuery query;
  query.org_ids = {org.id};
  query.tag_name = "env";
  EXPECT_TRUE(ListAll(query).empty());
  SH_EXPECT_ERROR(store_->DeleteStack("s-1"), ErrorCode::kNotFound);

  SH_ASSERT_OK(store_->CreateStack(MakeStack("s-1", org, "P", "Dev"), std::nullopt));
  auto recreated = store_->GetStack("alice", "p", "dev");
  SH_ASSERT_OK(recreated);
  EXPECT_EQ(recreated->name, "Dev");
  EXPECT_TRUE(recreated->tags.empty());
  state = store_->GetCurrentState("s-1");
  SH_ASSERT_OK(state);
  EXPECT_FALSE(state->has_value());

  SH_EXPECT_ERROR(store_->DeleteStack("s-unknown"), ErrorCode::kNotFound);
}

TEST_P(StoreConformanceTest, MoveStackRenamesAndTransfersKeepingStateAndTags) {
  OrgRecord alice = AddUser("alice");
  OrgRecord bob = AddUser("bob");
  StackRecord stack = MakeStack("s-1", alice, "p", "dev");
  stack.tags = {{"env", "dev"}};
  SH_ASSERT_OK(store_->CreateStack(stack, std::string("{\"v\":1}")));

  SH_ASSERT_OK(store_->MoveStack("s-1", bob.id, "q", "staging", std::nullopt));
  SH_EXPECT_ERROR(store_->GetStack("alice", "p", "dev"), ErrorCode::kNotFound);
  auto moved = store_->GetStack("BOB", "Q", "Staging");
  SH_ASSERT_OK(moved);
  EXPECT_EQ(moved->id, "s-1");
  EXPECT_EQ(moved->org_id, bob.id);
  EXPECT_EQ(moved->org_name, "bob");
  EXPECT_EQ(moved->project, "q");
  EXPECT_EQ(moved->name, "staging");
  EXPECT_EQ(moved->tags, stack.tags);
  auto state = store_->GetCurrentState("s-1");
  SH_ASSERT_OK(state);
  ASSERT_TRUE(state->has_value());
  EXPECT_EQ(**state, "{\"v\":1}");

  SH_ASSERT_OK(store_->MoveStack("s-1", bob.id, "Q", "STAGING", std::string("{\"v\":2}")));
  moved = store_->GetStack("bob", "q", "staging");
  SH_ASSERT_OK(moved);
  EXPECT_EQ(moved->project, "Q");
  EXPECT_EQ(moved->name, "STAGING");
  state = store_->GetCurrentState("s-1");
  SH_ASSERT_OK(state);
  ASSERT_TRUE(state->has_value());
  EXPECT_EQ(**state, "{\"v\":2}");

  SH_ASSERT_OK(store_->CreateStack(MakeStack("s-2", alice, "p", "bare"), std::nullopt));
  SH_ASSERT_OK(store_->MoveStack("s-2", alice.id, "p", "bare2", std::string("{\"v\":3}")));
  state = store_->GetCurrentState("s-2");
  SH_ASSERT_OK(state);
  ASSERT_TRUE(state->has_value());
  EXPECT_EQ(**state, "{\"v\":3}");
}

TEST_P(StoreConformanceTest, MoveStackConflictsChangeNothing) {
  OrgRecord alice = AddUser("alice");
  SH_ASSERT_OK(store_->CreateStack(MakeStack("s-1", alice, "p", "dev"), std::string("one")));
  SH_ASSERT_OK(store_->CreateStack(MakeStack("s-2", alice, "p", "prod"), std::string("two")));

  auto conflict = store_->MoveStack("s-1", alice.id, "P", "PROD", std::string("replaced"));
  SH_EXPECT_ERROR(conflict, ErrorCode::kAlreadyExists);

  auto still = store_->GetStack("alice", "p", "dev");
  SH_ASSERT_OK(still);
  EXPECT_EQ(still->id, "s-1");
  auto state = store_->GetCurrentState("s-1");
  SH_ASSERT_OK(state);
  ASSERT_TRUE(state->has_value());
  EXPECT_EQ(**state, "one");
  state = store_->GetCurrentState("s-2");
  SH_ASSERT_OK(state);
  ASSERT_TRUE(state->has_value());
  EXPECT_EQ(**state, "two");

  SH_EXPECT_ERROR(store_->MoveStack("s-missing", alice.id, "p", "x", std::string("s")),
                  ErrorCode::kNotFound);
}

TEST_P(StoreConformanceTest, LargeStatesRoundTripByteForByte) {
  OrgRecord org = AddUser("alice");
  const std::string first = MakeDeployment(20u << 20, 1);
  const std::string second = MakeDeployment((20u << 20) + 12345, 2);
  ASSERT_NE(first, second);

  SH_ASSERT_OK(store_->CreateStack(MakeStack("s-big", org, "p", "big"), first));
  auto state = store_->GetCurrentState("s-big");
  SH_ASSERT_OK(state);
  ASSERT_TRUE(state->has_value());
  EXPECT_EQ((*state)->size(), first.size());
  EXPECT_TRUE(**state == first) << "state differs from what was stored";

  SH_ASSERT_OK(store_->MoveStack("s-big", org.id, "p", "big", second));
  state = store_->GetCurrentState("s-big");
  SH_ASSERT_OK(state);
  ASSERT_TRUE(state->has_value());
  EXPECT_EQ((*state)->size(), second.size());
  EXPECT_TRUE(**state == second) << "state differs from what was stored";
}

// ---------------------------------------------------------------------------
// Concurrency and store-wide

TEST_P(StoreConformanceTest, ConcurrentUseFromEightThreads) {
  OrgRecord org = AddUser("alice");
  constexpr int kThreads = 8;
  constexpr int kPerThread = 10;
  ThreadFailures failures;
  auto fail = [&](const std::string& what) { failures.Add(what); };

  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        const std::string suffix = std::to_string(t) + "-" + std::to_string(i);
        if (auto r =
                store_->CreateToken(MakeToken("t-" + suffix, "u-alice", kT0 + i), "hash-" + suffix);
            !r) {
          fail("CreateToken " + ErrorText(r));
        }
        auto found = store_->FindTokenByHash("hash-" + suffix);
        if (!found || !found->has_value()) fail("FindTokenByHash " + ErrorText(found));

        StackRecord stack = MakeStack("s-" + suffix, org, "proj-" + std::to_string(t),
                                      "stack-" + std::to_string(i));
        stack.tags = {{"thread", std::to_string(t)}};
        if (auto r = store_->CreateStack(stack, "{\"thread\":" + suffix + "}"); !r) {
          fail("CreateStack " + ErrorText(r));
        }
        if (auto r = store_->AddTag(stack.id, "i", std::to_string(i)); !r) {
          fail("AddTag " + ErrorText(r));
        }
        auto got = store_->GetStack("alice", stack.project, stack.name);
        if (!got || got->tags.size() != 2) fail("GetStack " + ErrorText(got));
        StackQuery query;
        query.org_ids = {org.id};
        query.tag_name = "thread";
        query.tag_value = std::to_string(t);
        auto listed = store_->ListStacks(query);
        if (!listed || listed->size() != static_cast<size_t>(i + 1)) {
          fail("ListStacks " + ErrorText(listed));
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.count(), 0) << failures.first();

  auto tokens = store_->ListTokens("u-alice", std::nullopt, 1000);
  SH_ASSERT_OK(tokens);
  EXPECT_EQ(tokens->size(), static_cast<size_t>(kThreads * kPerThread));
  StackQuery query;
  query.org_ids = {org.id};
  EXPECT_EQ(ListAll(query).size(), static_cast<size_t>(kThreads * kPerThread));

  PoolStats stats = store_->Stats();
  EXPECT_GE(stats.size, 1);
  EXPECT_EQ(stats.in_use, 0);
}

TEST_P(StoreConformanceTest, ReportsEngineAndIdlePool) {
  EXPECT_NE(std::string(store_->Engine()), "");
  PoolStats stats = store_->Stats();
  EXPECT_GE(stats.size, 1);
  EXPECT_EQ(stats.in_use, 0);
}

// ---------------------------------------------------------------------------
// Members and org settings

TEST_P(StoreConformanceTest, ListMembersIsOrderedByLoginWithUserDetails) {
  AddUser("carol");
  AddUser("Bob");
  AddUser("alice");
  SH_ASSERT_OK(store_->CreateOrg(MakeOrg("o-acme", "acme"), "u-carol"));
  SH_ASSERT_OK(store_->AddMember("o-acme", "u-Bob", OrgRole::kMember, kT0 + 5));
  SH_ASSERT_OK(store_->AddMember("o-acme", "u-alice", OrgRole::kAdmin, kT0 + 6));

  auto members = store_->ListMembers("o-acme");
  SH_ASSERT_OK(members);
  ASSERT_EQ(members->size(), 3u);
  EXPECT_EQ((*members)[0].user.login, "alice");
  EXPECT_EQ((*members)[0].role, OrgRole::kAdmin);
  EXPECT_EQ((*members)[0].created, kT0 + 6);
  EXPECT_EQ((*members)[1].user.login, "Bob");
  EXPECT_EQ((*members)[1].user.email, "Bob@example.com");
  EXPECT_EQ((*members)[1].role, OrgRole::kMember);
  EXPECT_EQ((*members)[2].user.login, "carol");
  auto none = store_->ListMembers("o-unknown");
  SH_ASSERT_OK(none);
  EXPECT_TRUE(none->empty());
}

TEST_P(StoreConformanceTest, RemoveMemberDropsTeamMembershipsOfThatOrgOnly) {
  AddUser("alice");
  AddUser("bob");
  SH_ASSERT_OK(store_->CreateOrg(MakeOrg("o-acme", "acme"), "u-alice"));
  SH_ASSERT_OK(store_->CreateOrg(MakeOrg("o-globex", "globex"), "u-alice"));
  SH_ASSERT_OK(store_->AddMember("o-acme", "u-bob", OrgRole::kMember, kT0));
  SH_ASSERT_OK(store_->AddMember("o-globex", "u-bob", OrgRole::kMember, kT0));
  SH_ASSERT_OK(store_->CreateTeam(TeamRecord{"t-a", "o-acme", "ops", "Ops", "", kT0}, ""));
  SH_ASSERT_OK(store_->CreateTeam(TeamRecord{"t-g", "o-globex", "ops", "Ops", "", kT0}, ""));
  SH_ASSERT_OK(store_->AddTeamMember("t-a", "u-bob", TeamRole::kMember, kT0));
  SH_ASSERT_OK(store_->AddTeamMember("t-g", "u-bob", TeamRole::kMember, kT0));

  SH_ASSERT_OK(store_->RemoveMember("o-acme", "u-bob"));
  auto role = store_->GetRole("o-acme", "u-bob");
  SH_ASSERT_OK(role);
  EXPECT_EQ(*role, OrgRole::kNone);
  auto team_role = store_->GetTeamRole("t-a", "u-bob");
  SH_ASSERT_OK(team_role);
  EXPECT_EQ(*team_role, TeamRole::kNone);
  team_role = store_->GetTeamRole("t-g", "u-bob");
  SH_ASSERT_OK(team_role);
  EXPECT_EQ(*team_role, TeamRole::kMember);

  SH_EXPECT_ERROR(store_->RemoveMember("o-acme", "u-bob"), ErrorCode::kNotFound);
}

// The rule that an org keeps an admin is the orgs service's
// (orgs/service_test.cc): storage counts admins and removes or demotes
// anyone.
TEST_P(StoreConformanceTest, CountAdminsAndPlainRoleChanges) {
  AddUser("alice");
  AddUser("bob");
  SH_ASSERT_OK(store_->CreateOrg(MakeOrg("o-acme", "acme"), "u-alice"));
  SH_ASSERT_OK(store_->AddMember("o-acme", "u-bob", OrgRole::kMember, kT0));
  auto admins = store_->CountAdmins("o-acme");
  SH_ASSERT_OK(admins);
  EXPECT_EQ(*admins, 1);
  SH_EXPECT_ERROR(store_->CountAdmins("o-unknown"), ErrorCode::kNotFound);

  SH_ASSERT_OK(store_->SetMemberRole("o-acme", "u-bob", OrgRole::kAdmin));
  SH_ASSERT_OK(store_->SetMemberRole("o-acme", "u-bob", OrgRole::kAdmin));  // unchanged
  admins = store_->CountAdmins("o-acme");
  SH_ASSERT_OK(admins);
  EXPECT_EQ(*admins, 2);
  SH_ASSERT_OK(store_->SetMemberRole("o-acme", "u-alice", OrgRole::kMember));
  auto role = store_->GetRole("o-acme", "u-alice");
  SH_ASSERT_OK(role);
  EXPECT_EQ(*role, OrgRole::kMember);

  // Inside a transaction, as the orgs service uses it; the last admin goes.
  SH_ASSERT_OK(store_->RunInTransaction([&]() -> Result<void> {
    SH_ASSIGN_OR_RETURN(const int64_t n, store_->CountAdmins("o-acme"));
    EXPECT_EQ(n, 1);
    return store_->RemoveMember("o-acme", "u-bob");
  }));
  admins = store_->CountAdmins("o-acme");
  SH_ASSERT_OK(admins);
  EXPECT_EQ(*admins, 0);
  SH_ASSERT_OK(store_->RemoveMember("o-acme", "u-alice"));
  SH_EXPECT_ERROR(store_->SetMemberRole("o-acme", "u-alice", OrgRole::kAdmin),
                  ErrorCode::kNotFound);
  SH_EXPECT_ERROR(store_->RemoveMember("o-acme", "u-alice"), ErrorCode::kNotFound);
  SH_EXPECT_ERROR(store_->RemoveMember("o-unknown", "u-alice"), ErrorCode::kNotFound);
}

TEST_P(StoreConformanceTest, SetDefaultStackPermissionIsVisibleOnTheOrg) {
  AddUser("alice");
  auto org = store_->GetOrgByName("alice");
  SH_ASSERT_OK(org);
  EXPECT_EQ(org->default_stack_permission, 0);
  SH_ASSERT_OK(store_->SetDefaultStackPermission("o-alice", 101));
  org = store_->GetOrgByName("alice");
  SH_ASSERT_OK(org);
  EXPECT_EQ(org->default_stack_permission, 101);
  SH_EXPECT_ERROR(store_->SetDefaultStackPermission("o-unknown", 102), ErrorCode::kNotFound);
}

// ---------------------------------------------------------------------------
// Teams

TEST_P(StoreConformanceTest, CreateTeamWithCreatorAsAdminAndUniqueNamesPerOrg) {
  AddUser("alice");
  AddUser("bob");
  SH_ASSERT_OK(store_->CreateTeam(TeamRecord{"t-1", "o-alice", "Ops", "Operations", "d", kT0},
                                  "u-alice"));
  auto team = store_->GetTeam("o-alice", "OPS");
  SH_ASSERT_OK(team);
  EXPECT_EQ(team->id, "t-1");
  EXPECT_EQ(team->name, "Ops");
  EXPECT_EQ(team->display_name, "Operations");
  EXPECT_EQ(team->description, "d");
  EXPECT_EQ(team->created, kT0);
  auto role = store_->GetTeamRole("t-1", "u-alice");
  SH_ASSERT_OK(role);
  EXPECT_EQ(*role, TeamRole::kAdmin);

  SH_EXPECT_ERROR(store_->CreateTeam(TeamRecord{"t-2", "o-alice", "ops", "", "", kT0}, ""),
                  ErrorCode::kAlreadyExists);
  SH_ASSERT_OK(store_->CreateTeam(TeamRecord{"t-3", "o-bob", "ops", "", "", kT0}, ""));
  // A creator outside the org: nothing is written.
  SH_EXPECT_ERROR(store_->CreateTeam(TeamRecord{"t-4", "o-alice", "dev", "", "", kT0}, "u-bob"),
                  ErrorCode::kNotFound);
  SH_EXPECT_ERROR(store_->GetTeam("o-alice", "dev"), ErrorCode::kNotFound);
  SH_EXPECT_ERROR(store_->GetTeam("o-alice", "missing"), ErrorCode::kNotFound);
}

TEST_P(StoreConformanceTest, ListUpdateAndDeleteTeams) {
  AddUser("alice");
  SH_ASSERT_OK(store_->CreateTeam(TeamRecord{"t-b", "o-alice", "beta", "B", "", kT0}, ""));
  SH_ASSERT_OK(store_->CreateTeam(TeamRecord{"t-a", "o-alice", "Alpha", "A", "", kT0}, ""));
  auto teams = store_->ListTeams("o-alice");
  SH_ASSERT_OK(teams);
  ASSERT_EQ(teams->size(), 2u);
  EXPECT_EQ((*teams)[0].name, "Alpha");
  EXPECT_EQ((*teams)[1].name, "beta");

  SH_ASSERT_OK(store_->UpdateTeam("t-a", std::string("Alpha team"), std::nullopt));
  auto team = store_->GetTeam("o-alice", "alpha");
  SH_ASSERT_OK(team);
  EXPECT_EQ(team->display_name, "Alpha team");
  EXPECT_EQ(team->description, "");
  SH_ASSERT_OK(store_->UpdateTeam("t-a", std::nullopt, std::string("first")));
  team = store_->GetTeam("o-alice", "alpha");
  SH_ASSERT_OK(team);
  EXPECT_EQ(team->display_name, "Alpha team");
  EXPECT_EQ(team->description, "first");
  SH_EXPECT_ERROR(store_->UpdateTeam("t-missing", std::string("x"), std::nullopt),
                  ErrorCode::kNotFound);

  SH_ASSERT_OK(store_->DeleteTeam("t-a"));
  SH_EXPECT_ERROR(store_->DeleteTeam("t-a"), ErrorCode::kNotFound);
  teams = store_->ListTeams("o-alice");
  SH_ASSERT_OK(teams);
  ASSERT_EQ(teams->size(), 1u);
  EXPECT_EQ((*teams)[0].name, "beta");
}

TEST_P(StoreConformanceTest, TeamMembersMustBeOrgMembersAndChangeRoles) {
  AddUser("alice");
  AddUser("bob");
  AddUser("carol");
  SH_ASSERT_OK(store_->AddMember("o-alice", "u-bob", OrgRole::kMember, kT0));
  SH_ASSERT_OK(store_->CreateTeam(TeamRecord{"t-1", "o-alice", "ops", "", "", kT0}, ""));

  SH_ASSERT_OK(store_->AddTeamMember("t-1", "u-bob", TeamRole::kMember, kT0 + 1));
  SH_EXPECT_ERROR(store_->AddTeamMember("t-1", "u-bob", TeamRole::kAdmin, kT0),
                  ErrorCode::kAlreadyExists);
  SH_EXPECT_ERROR(store_->AddTeamMember("t-1", "u-carol", TeamRole::kMember, kT0),
                  ErrorCode::kNotFound);
  SH_EXPECT_ERROR(store_->AddTeamMember("t-missing", "u-bob", TeamRole::kMember, kT0),
                  ErrorCode::kNotFound);
  SH_ASSERT_OK(store_->AddTeamMember("t-1", "u-alice", TeamRole::kAdmin, kT0 + 2));

  auto members = store_->ListTeamMembers("t-1");
  SH_ASSERT_OK(members);
  ASSERT_EQ(members->size(), 2u);
  EXPECT_EQ((*members)[0].login, "alice");
  EXPECT_EQ((*members)[0].role, TeamRole::kAdmin);
  EXPECT_EQ((*members)[1].login, "bob");
  EXPECT_EQ((*members)[1].name, "Name of bob");
  EXPECT_EQ((*members)[1].role, TeamRole::kMember);
  EXPECT_EQ((*members)[1].created, kT0 + 1);

  SH_ASSERT_OK(store_->SetTeamMemberRole("t-1", "u-bob", TeamRole::kAdmin));
  auto role = store_->GetTeamRole("t-1", "u-bob");
  SH_ASSERT_OK(role);
  EXPECT_EQ(*role, TeamRole::kAdmin);
  SH_EXPECT_ERROR(store_->SetTeamMemberRole("t-1", "u-carol", TeamRole::kAdmin),
                  ErrorCode::kNotFound);

  SH_ASSERT_OK(store_->RemoveTeamMember("t-1", "u-bob"));
  SH_EXPECT_ERROR(store_->RemoveTeamMember("t-1", "u-bob"), ErrorCode::kNotFound);
  role = store_->GetTeamRole("t-1", "u-bob");
  SH_ASSERT_OK(role);
  EXPECT_EQ(*role, TeamRole::kNone);
}

TEST_P(StoreConformanceTest, TeamStackGrantsPutEditRemoveAndMax) {
  OrgRecord alice = AddUser("alice");
  AddUser("bob");
  OrgRecord bob_org{"o-bob", "bob", kT0, 0};
  SH_ASSERT_OK(store_->AddMember("o-alice", "u-bob", OrgRole::kMember, kT0));
  SH_ASSERT_OK(store_->CreateStack(MakeStack("s-1", alice, "p", "dev"), std::nullopt));
  SH_ASSERT_OK(store_->CreateStack(MakeStack("s-2", alice, "a", "prod"), std::nullopt));
  SH_ASSERT_OK(store_->CreateStack(MakeStack("s-b", bob_org, "p", "dev"), std::nullopt));
  SH_ASSERT_OK(store_->CreateTeam(TeamRecord{"t-r", "o-alice", "readers", "", "", kT0}, "u-bob"));
  SH_ASSERT_OK(store_->CreateTeam(TeamRecord{"t-w", "o-alice", "writers", "", "", kT0}, ""));

  auto max = store_->MaxTeamStackPermission("u-bob", "s-1");
  SH_ASSERT_OK(max);
  EXPECT_EQ(*max, 0);

  SH_ASSERT_OK(store_->PutTeamStackGrant("t-r", "s-1", 101, true));
  SH_ASSERT_OK(store_->PutTeamStackGrant("t-r", "s-2", 102, true));
  SH_ASSERT_OK(store_->PutTeamStackGrant("t-w", "s-1", 103, true));
  max = store_->MaxTeamStackPermission("u-bob", "s-1");
  SH_ASSERT_OK(max);
  EXPECT_EQ(*max, 101);  // not in t-w
  SH_ASSERT_OK(store_->AddTeamMember("t-w", "u-bob", TeamRole::kMember, kT0));
  max = store_->MaxTeamStackPermission("u-bob", "s-1");
  SH_ASSERT_OK(max);
  EXPECT_EQ(*max, 103);

  auto grants = store_->ListTeamStackGrants("t-r");
  SH_ASSERT_OK(grants);
  ASSERT_EQ(grants->size(), 2u);
  EXPECT_EQ((*grants)[0].project, "a");
  EXPECT_EQ((*grants)[0].stack_name, "prod");
  EXPECT_EQ((*grants)[0].permission, 102);
  EXPECT_EQ((*grants)[1].stack_id, "s-1");
  EXPECT_EQ((*grants)[1].permission, 101);

  SH_ASSERT_OK(store_->PutTeamStackGrant("t-r", "s-1", 102, false));
  SH_ASSERT_OK(store_->PutTeamStackGrant("t-r", "s-1", 101, true));
  grants = store_->ListTeamStackGrants("t-r");
  SH_ASSERT_OK(grants);
  ASSERT_EQ(grants->size(), 2u);
  EXPECT_EQ((*grants)[1].permission, 101);
  SH_EXPECT_ERROR(store_->PutTeamStackGrant("t-w", "s-2", 101, false), ErrorCode::kNotFound);
  // A stack of another org, or an unknown one, cannot be granted.
  SH_EXPECT_ERROR(store_->PutTeamStackGrant("t-r", "s-b", 101, true), ErrorCode::kNotFound);
  SH_EXPECT_ERROR(store_->PutTeamStackGrant("t-r", "s-missing", 101, true), ErrorCode::kNotFound);

  SH_ASSERT_OK(store_->RemoveTeamStackGrant("t-w", "s-1"));
  SH_EXPECT_ERROR(store_->RemoveTeamStackGrant("t-w", "s-1"), ErrorCode::kNotFound);
  max = store_->MaxTeamStackPermission("u-bob", "s-1");
  SH_ASSERT_OK(max);
  EXPECT_EQ(*max, 101);

  SH_ASSERT_OK(store_->DeleteTeam("t-r"));
  max = store_->MaxTeamStackPermission("u-bob", "s-2");
  SH_ASSERT_OK(max);
  EXPECT_EQ(*max, 0);
}

TEST_P(StoreConformanceTest, DeletingOrTransferringAStackDropsItsTeamGrants) {
  OrgRecord alice = AddUser("alice");
  AddUser("bob");
  SH_ASSERT_OK(store_->CreateStack(MakeStack("s-1", alice, "p", "dev"), std::nullopt));
  SH_ASSERT_OK(store_->CreateStack(MakeStack("s-2", alice, "p", "prod"), std::nullopt));
  SH_ASSERT_OK(store_->CreateTeam(TeamRecord{"t-1", "o-alice", "ops", "", "", kT0}, "u-alice"));
  SH_ASSERT_OK(store_->PutTeamStackGrant("t-1", "s-1", 102, true));
  SH_ASSERT_OK(store_->PutTeamStackGrant("t-1", "s-2", 102, true));

  SH_ASSERT_OK(store_->DeleteStack("s-1"));
  SH_ASSERT_OK(store_->MoveStack("s-2", "o-bob", "p", "prod", std::nullopt));
  auto grants = store_->ListTeamStackGrants("t-1");
  SH_ASSERT_OK(grants);
  EXPECT_TRUE(grants->empty());
  // Moving it back does not revive the grant.
  SH_ASSERT_OK(store_->MoveStack("s-2", "o-alice", "p", "prod", std::nullopt));
  auto max = store_->MaxTeamStackPermission("u-alice", "s-2");
  SH_ASSERT_OK(max);
  EXPECT_EQ(*max, 0);
  // Renaming within the org keeps grants.
  SH_ASSERT_OK(store_->PutTeamStackGrant("t-1", "s-2", 101, true));
  SH_ASSERT_OK(store_->MoveStack("s-2", "o-alice", "q", "renamed", std::nullopt));
  max = store_->MaxTeamStackPermission("u-alice", "s-2");
  SH_ASSERT_OK(max);
  EXPECT_EQ(*max, 101);
}

// ---------------------------------------------------------------------------
// Services

ServiceRecord MakeService(const std::string& id, const OrgRecord& org, const std::string& owner,
                          const std::string& name) {
  ServiceRecord service;
  service.id = id;
  service.org_id = org.id;
  service.owner_type = "user";
  service.owner_name = owner;
  service.name = name;
  service.description = "about " + name;
  service.created = kT0 + 20;
  return service;
}

NewServiceItem StackItem(const std::string& stack_id) {
  return NewServiceItem{"stack", stack_id, "", "alice", kT0 + 30};
}

NewServiceItem EnvironmentItem(const std::string& name) {
  return NewServiceItem{"environment", "", name, "bob", kT0 + 31};
}

TEST_P(StoreConformanceTest, ServiceRoundTripsWithPropertiesAndItems) {
  OrgRecord org = AddUser("alice");
  SH_ASSERT_OK(store_->CreateStack(MakeStack("s-1", org, "proj", "dev"), std::nullopt));
  ServiceRecord service = MakeService("sv-1", org, "alice", "Checkout");
  service.properties = {{"runbook", "https://example.com", "url", 2}, {"slack", "#pay", "string", 1}};
  SH_ASSERT_OK(store_->CreateService(
      service, {StackItem("s-1"), StackItem("s-1"), EnvironmentItem("proj/prod")}));

  auto got = store_->GetService(org.id, "user", "ALICE", "checkout");
  SH_ASSERT_OK(got);
  EXPECT_EQ(got->id, "sv-1");
  EXPECT_EQ(got->owner_name, "alice");
  EXPECT_EQ(got->name, "Checkout");
  EXPECT_EQ(got->description, "about Checkout");
  EXPECT_EQ(got->created, kT0 + 20);
  ASSERT_EQ(got->properties.size(), 2u);  // in the given order
  EXPECT_EQ(got->properties[0].key, "runbook");
  EXPECT_EQ(got->properties[0].order, 2);
  EXPECT_EQ(got->properties[1].value, "#pay");
  SH_EXPECT_ERROR(store_->GetService(org.id, "team", "alice", "Checkout"), ErrorCode::kNotFound);

  auto items = store_->ListServiceItems("sv-1", std::nullopt, 100);
  SH_ASSERT_OK(items);
  ASSERT_EQ(items->size(), 2u);  // ordered by (type, name)
  EXPECT_EQ((*items)[0].type, "environment");
  EXPECT_EQ((*items)[0].name, "proj/prod");
  EXPECT_EQ((*items)[0].added_by, "bob");
  EXPECT_EQ((*items)[0].stack_id, "");
  EXPECT_EQ((*items)[1].type, "stack");
  EXPECT_EQ((*items)[1].name, "proj/dev");
  EXPECT_EQ((*items)[1].stack_id, "s-1");
  EXPECT_EQ((*items)[1].stack_org_id, org.id);
  EXPECT_EQ((*items)[1].stack_created_by, "u-owner");
  EXPECT_EQ((*items)[1].added, kT0 + 30);
}

TEST_P(StoreConformanceTest, ServiceNamesAreUniquePerOwnerCaseInsensitively) {
  OrgRecord org = AddUser("alice");
  AddUser("bob");
  SH_ASSERT_OK(store_->CreateService(MakeService("sv-1", org, "alice", "svc"), {}));
  SH_EXPECT_ERROR(store_->CreateService(MakeService("sv-2", org, "Alice", "SVC"), {}),
                  ErrorCode::kAlreadyExists);
  SH_EXPECT_OK(store_->CreateService(MakeService("sv-3", org, "bob", "svc"), {}));
  ServiceRecord team_owned = MakeService("sv-4", org, "alice", "svc");
  team_owned.owner_type = "team";
  SH_EXPECT_OK(store_->CreateService(team_owned, {}));
  // A stack that does not exist fails the whole create.
  SH_EXPECT_ERROR(store_->CreateService(MakeService("sv-5", org, "alice", "other"),
                                        {StackItem("no-such-stack")}),
                  ErrorCode::kNotFound);
  SH_EXPECT_ERROR(store_->GetService(org.id, "user", "alice", "other"), ErrorCode::kNotFound);
}

TEST_P(StoreConformanceTest, ListServicesPagesByNameThenOwner) {
  OrgRecord org = AddUser("alice");
  OrgRecord other = AddUser("bob");
  SH_ASSERT_OK(store_->CreateService(MakeService("sv-1", org, "zed", "b"), {}));
  SH_ASSERT_OK(store_->CreateService(MakeService("sv-2", org, "amy", "B"), {}));
  SH_ASSERT_OK(store_->CreateService(MakeService("sv-3", org, "amy", "a"), {}));
  SH_ASSERT_OK(store_->CreateService(MakeService("sv-4", other, "amy", "a"), {}));
  auto first = store_->ListServices(org.id, std::nullopt, 2);
  SH_ASSERT_OK(first);
  ASSERT_EQ(first->size(), 2u);
  EXPECT_EQ((*first)[0].id, "sv-3");
  EXPECT_EQ((*first)[1].id, "sv-2");
  const ServiceRecord& last = first->back();
  auto rest = store_->ListServices(
      org.id, ServicePosition{last.name, last.owner_type, last.owner_name}, 10);
  SH_ASSERT_OK(rest);
  ASSERT_EQ(rest->size(), 1u);
  EXPECT_EQ((*rest)[0].id, "sv-1");
  auto none = store_->ListServices(org.id, std::nullopt, 0);
  SH_ASSERT_OK(none);
  EXPECT_TRUE(none->empty());
}

TEST_P(StoreConformanceTest, UpdateServiceChangesOnlyGivenFields) {
  OrgRecord org = AddUser("alice");
  ServiceRecord service = MakeService("sv-1", org, "alice", "one");
  service.properties = {{"k", "v", "string", 0}};
  SH_ASSERT_OK(store_->CreateService(service, {}));
  SH_ASSERT_OK(store_->CreateService(MakeService("sv-2", org, "alice", "two"), {}));

  SH_ASSERT_OK(store_->UpdateService("sv-1", std::nullopt, std::string("new"), std::nullopt));
  auto got = store_->GetService(org.id, "user", "alice", "one");
  SH_ASSERT_OK(got);
  EXPECT_EQ(got->description, "new");
  EXPECT_EQ(got->properties.size(), 1u);

  SH_EXPECT_ERROR(store_->UpdateService("sv-1", std::string("TWO"), std::nullopt, std::nullopt),
                  ErrorCode::kAlreadyExists);
  SH_ASSERT_OK(store_->UpdateService("sv-1", std::string("uno"), std::nullopt,
                                     std::vector<ServicePropertyRecord>{}));
  got = store_->GetService(org.id, "user", "alice", "uno");
  SH_ASSERT_OK(got);
  EXPECT_TRUE(got->properties.empty());
  EXPECT_EQ(got->description, "new");
  SH_EXPECT_ERROR(store_->UpdateService("nope", std::string("x"), std::nullopt, std::nullopt),
                  ErrorCode::kNotFound);
}

TEST_P(StoreConformanceTest, ServiceItemsAddRemoveAndFollowTheirStacks) {
  OrgRecord org = AddUser("alice");
  SH_ASSERT_OK(store_->CreateStack(MakeStack("s-1", org, "proj", "dev"), std::nullopt));
  SH_ASSERT_OK(store_->CreateStack(MakeStack("s-2", org, "proj", "prod"), std::nullopt));
  SH_ASSERT_OK(store_->CreateService(MakeService("sv-1", org, "alice", "svc"), {}));

  auto added = store_->AddServiceItems("sv-1", {StackItem("s-1"), EnvironmentItem("proj/env")});
  SH_ASSERT_OK(added);
  EXPECT_EQ(*added, 2);
  added = store_->AddServiceItems(
      "sv-1", {StackItem("s-1"), StackItem("s-2"), EnvironmentItem("PROJ/ENV")});
  SH_ASSERT_OK(added);
  EXPECT_EQ(*added, 1);
  SH_EXPECT_ERROR(store_->AddServiceItems("no-such-service", {StackItem("s-1")}),
                  ErrorCode::kNotFound);
  SH_EXPECT_ERROR(store_->AddServiceItems("sv-1", {StackItem("s-3")}), ErrorCode::kNotFound);

  // Items follow renames and disappear with their stack.
  SH_ASSERT_OK(store_->MoveStack("s-1", org.id, "proj", "renamed", std::nullopt));
  SH_ASSERT_OK(store_->DeleteStack("s-2"));
  auto items = store_->ListServiceItems("sv-1", std::nullopt, 10);
  SH_ASSERT_OK(items);
  ASSERT_EQ(items->size(), 2u);
  EXPECT_EQ((*items)[1].name, "proj/renamed");

  auto page = store_->ListServiceItems("sv-1", ServiceItemPosition{"environment", "proj/env"}, 10);
  SH_ASSERT_OK(page);
  ASSERT_EQ(page->size(), 1u);
  EXPECT_EQ((*page)[0].stack_id, "s-1");

  auto removed = store_->RemoveServiceItem("sv-1", "environment", "Proj/Env");
  SH_ASSERT_OK(removed);
  EXPECT_TRUE(*removed);
  removed = store_->RemoveServiceItem("sv-1", "environment", "proj/env");
  SH_ASSERT_OK(removed);
  EXPECT_FALSE(*removed);
  removed = store_->RemoveServiceItem("sv-1", "stack", "s-1");
  SH_ASSERT_OK(removed);
  EXPECT_TRUE(*removed);
  items = store_->ListServiceItems("sv-1", std::nullopt, 10);
  SH_ASSERT_OK(items);
  EXPECT_TRUE(items->empty());
}

TEST_P(StoreConformanceTest, DeleteServiceRemovesItsItems) {
  OrgRecord org = AddUser("alice");
  SH_ASSERT_OK(store_->CreateStack(MakeStack("s-1", org, "proj", "dev"), std::nullopt));
  SH_ASSERT_OK(store_->CreateService(MakeService("sv-1", org, "alice", "svc"), {StackItem("s-1")}));
  SH_ASSERT_OK(store_->DeleteService("sv-1"));
  SH_EXPECT_ERROR(store_->DeleteService("sv-1"), ErrorCode::kNotFound);
  SH_EXPECT_ERROR(store_->GetService(org.id, "user", "alice", "svc"), ErrorCode::kNotFound);
  auto items = store_->ListServiceItems("sv-1", std::nullopt, 10);
  SH_ASSERT_OK(items);
  EXPECT_TRUE(items->empty());
  // The stack is untouched and the name is free again.
  SH_EXPECT_OK(store_->GetStack("alice", "proj", "dev"));
  SH_EXPECT_OK(store_->CreateService(MakeService("sv-2", org, "alice", "svc"), {StackItem("s-1")}));
}

// ---------------------------------------------------------------------------
// Secrets keys

TEST_P(StoreConformanceTest, StackSecretKeyIsCreatedOnceAndKeptByteForByte) {
  OrgRecord alice = AddUser("alice");
  SH_ASSERT_OK(store_->CreateStack(MakeStack("s-1", alice, "p", "dev"), std::nullopt));
  auto none = store_->GetStackSecretKey("s-1");
  SH_ASSERT_OK(none);
  EXPECT_FALSE(none->has_value());

  const std::string wrapped("\x01\x00\xff wrapped\x00key", 15);
  auto first = store_->CreateStackSecretKeyIfAbsent(
      StackSecretKeyRecord{"s-1", "kid-1", wrapped, kT0 + 40});
  SH_ASSERT_OK(first);
  EXPECT_EQ(first->wrapped_key, wrapped);
  EXPECT_EQ(first->master_key_id, "kid-1");

  // A later create returns the stored key and changes nothing.
  auto second = store_->CreateStackSecretKeyIfAbsent(
      StackSecretKeyRecord{"s-1", "kid-2", "other", kT0 + 50});
  SH_ASSERT_OK(second);
  EXPECT_EQ(second->wrapped_key, wrapped);
  EXPECT_EQ(second->master_key_id, "kid-1");
  EXPECT_EQ(second->created, kT0 + 40);

  auto got = store_->GetStackSecretKey("s-1");
  SH_ASSERT_OK(got);
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ((*got)->stack_id, "s-1");
  EXPECT_EQ((*got)->wrapped_key, wrapped);
  EXPECT_EQ((*got)->created, kT0 + 40);
}

TEST_P(StoreConformanceTest, StackSecretKeyNeedsAnExistingStack) {
  AddUser("alice");
  SH_EXPECT_ERROR(store_->CreateStackSecretKeyIfAbsent(
                      StackSecretKeyRecord{"s-missing", "kid", "w", kT0}),
                  ErrorCode::kNotFound);
  auto got = store_->GetStackSecretKey("s-missing");
  SH_ASSERT_OK(got);
  EXPECT_FALSE(got->has_value());
}

TEST_P(StoreConformanceTest, StackSecretKeyFollowsMovesAndGoesWithTheStack) {
  OrgRecord alice = AddUser("alice");
  AddUser("bob");
  SH_ASSERT_OK(store_->CreateStack(MakeStack("s-1", alice, "p", "dev"), std::nullopt));
  SH_ASSERT_OK(store_->CreateStack(MakeStack("s-2", alice, "p", "prod"), std::nullopt));
  SH_ASSERT_OK(store_->CreateStackSecretKeyIfAbsent(StackSecretKeyRecord{"s-1", "k", "w1", kT0}));
  SH_ASSERT_OK(store_->CreateStackSecretKeyIfAbsent(StackSecretKeyRecord{"s-2", "k", "w2", kT0}));

  SH_ASSERT_OK(store_->MoveStack("s-1", "o-alice", "q", "renamed", std::nullopt));
  SH_ASSERT_OK(store_->MoveStack("s-1", "o-bob", "q", "renamed", std::nullopt));
  auto moved = store_->GetStackSecretKey("s-1");
  SH_ASSERT_OK(moved);
  ASSERT_TRUE(moved->has_value());
  EXPECT_EQ((*moved)->wrapped_key, "w1");

  SH_ASSERT_OK(store_->DeleteStack("s-1"));
  auto deleted = store_->GetStackSecretKey("s-1");
  SH_ASSERT_OK(deleted);
  EXPECT_FALSE(deleted->has_value());
  auto other = store_->GetStackSecretKey("s-2");
  SH_ASSERT_OK(other);
  ASSERT_TRUE(other->has_value());
  EXPECT_EQ((*other)->wrapped_key, "w2");
}

TEST_P(StoreConformanceTest, ConcurrentStackSecretKeyCreatesAgreeOnOneKey) {
  OrgRecord alice = AddUser("alice");
  SH_ASSERT_OK(store_->CreateStack(MakeStack("s-1", alice, "p", "dev"), std::nullopt));
  constexpr int kThreads = 8;
  std::vector<std::string> winners(kThreads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      auto stored = store_->CreateStackSecretKeyIfAbsent(
          StackSecretKeyRecord{"s-1", "k", "wrapped-" + std::to_string(i), kT0});
      winners[i] = stored ? stored->wrapped_key : "error: " + ErrorText(stored);
    });
  }
  for (auto& t : threads) t.join();
  for (int i = 0; i < kThreads; ++i) EXPECT_EQ(winners[i], winners[0]) << "thread " << i;
  EXPECT_EQ(winners[0].rfind("wrapped-", 0), 0u) << winners[0];
}

// ---------------------------------------------------------------------------
// Updates

UpdateRecord MakeUpdate(const std::string& id, const std::string& stack_id, bool dry_run) {
  UpdateRecord u;
  u.id = id;
  u.stack_id = stack_id;
  u.kind = "update";
  u.dry_run = dry_run;
  u.message = "m";
  u.requested_by = "u-alice";
  u.requested_by_login = "alice";
  u.created = 100;
  return u;
}

TEST_P(StoreConformanceTest, UpdatesStartOneAtATimeAndReserveVersions) {
  OrgRecord org = AddUser("alice");
  SH_ASSERT_OK(store_->CreateStack(MakeStack("s-1", org, "proj", "dev"), std::nullopt));
  SH_EXPECT_ERROR(store_->CreateUpdate(MakeUpdate("up-x", "s-missing", false)), ErrorCode::kNotFound);
  SH_ASSERT_OK(store_->CreateUpdate(MakeUpdate("up-1", "s-1", false)));
  SH_ASSERT_OK(store_->CreateUpdate(MakeUpdate("up-2", "s-1", true)));
  SH_EXPECT_ERROR(store_->CreateUpdate(MakeUpdate("up-1", "s-1", false)), ErrorCode::kAlreadyExists);

  auto started = store_->StartUpdate("up-1", "hash-1", 500, 200);
  SH_ASSERT_OK(started);
  EXPECT_EQ(started->version, 1);
  EXPECT_EQ(started->status, UpdateStatus::kRunning);
  EXPECT_EQ(started->lease_hash, "hash-1");
  EXPECT_EQ(store_->GetStack("alice", "proj", "dev")->active_update, "up-1");
  SH_EXPECT_ERROR(store_->StartUpdate("up-1", "hash-x", 500, 200), ErrorCode::kConflict);
  SH_EXPECT_ERROR(store_->StartUpdate("up-2", "hash-2", 500, 200), ErrorCode::kConflict);

  SH_ASSERT_OK(store_->RenewLease("up-1", "hash-3", 900));
  auto renewed = store_->GetUpdate("up-1");
  EXPECT_EQ(renewed->lease_hash, "hash-3");
  EXPECT_EQ(renewed->previous_lease_hash, "hash-1");

  // Once the lease lapses the stack is free; the lapsed update ends failed.
  auto preview = store_->StartUpdate("up-2", "hash-2", 2000, 900);
  SH_ASSERT_OK(preview);
  EXPECT_EQ(preview->version, 1);
  EXPECT_EQ(store_->GetUpdate("up-1")->status, UpdateStatus::kFailed);
  EXPECT_EQ(store_->GetStack("alice", "proj", "dev")->version, 1);

  auto done = store_->FinishUpdate("up-2", UpdateStatus::kRunning, UpdateStatus::kSucceeded, 950);
  SH_ASSERT_OK(done);
  EXPECT_EQ(done->status, UpdateStatus::kSucceeded);
  // Compare-and-set: ending fails once the status is no longer the one
  // expected. (Which transitions are allowed is the updates service's rule:
  // updates/lifecycle_test.cc, updates/service_test.cc.)
  SH_EXPECT_ERROR(store_->FinishUpdate("up-2", UpdateStatus::kRunning, UpdateStatus::kFailed, 960),
                  ErrorCode::kConflict);
  EXPECT_EQ(store_->GetUpdate("up-2")->status, UpdateStatus::kSucceeded);
  EXPECT_EQ(store_->GetUpdate("up-2")->ended, 950);
  SH_EXPECT_ERROR(store_->RenewLease("up-2", "h", 1), ErrorCode::kConflict);
  SH_EXPECT_ERROR(store_->GetUpdate("up-none"), ErrorCode::kNotFound);

  auto history = store_->ListHistory("s-1", 0, -1);
  SH_ASSERT_OK(history);
  ASSERT_EQ(history->updates.size(), 1u);  // the dry run is not history
  EXPECT_EQ(history->updates[0].id, "up-1");
  EXPECT_EQ(history->total, 1);
  SH_EXPECT_OK(store_->GetHistoryEntry("s-1", 1));
  SH_EXPECT_ERROR(store_->GetHistoryEntry("s-1", 2), ErrorCode::kNotFound);
}

TEST_P(StoreConformanceTest, CheckpointsAreBasePlusDeltasAndBecomeCurrentState) {
  OrgRecord org = AddUser("alice");
  SH_ASSERT_OK(store_->CreateStack(MakeStack("s-1", org, "proj", "dev"), std::string("{\"a\":1}")));
  SH_ASSERT_OK(store_->CreateUpdate(MakeUpdate("up-1", "s-1", false)));
  SH_EXPECT_ERROR(store_->PutCheckpoint("up-1", 0, 1, "h1", "base", 0), ErrorCode::kConflict);
  SH_ASSERT_OK(store_->StartUpdate("up-1", "lease", 1000, 10));
  auto none = store_->GetCheckpoint("up-1");
  SH_ASSERT_OK(none);
  EXPECT_FALSE(none->has_value());
  EXPECT_EQ(*store_->GetCurrentState("s-1").value(), "{\"a\":1}");

  const std::string delta =
      R"([{"Span":{"start":{"offset":4},"end":{"offset":4}},"NewText":"-more"}])";
  SH_EXPECT_ERROR(store_->AppendCheckpointDelta("up-1", 0, 1, "h", delta, 0),
                  ErrorCode::kConflict);  // no checkpoint yet
  SH_ASSERT_OK(store_->PutCheckpoint("up-1", 0, 1, "h1", std::string(100, 'b'), 3));
  SH_EXPECT_ERROR(store_->PutCheckpoint("up-1", 0, 2, "h2", "stale", 3), ErrorCode::kConflict);
  std::string expected = std::string(4, 'b') + "-more" + std::string(96, 'b');
  // The log takes the delta; the full text passed along is not stored.
  SH_ASSERT_OK(store_->AppendCheckpointDelta("up-1", 1, 2, "h2", delta, 4));
  EXPECT_EQ(*store_->GetCheckpoint("up-1").value(), expected);
  EXPECT_EQ(*store_->GetCurrentState("s-1").value(), expected);
  EXPECT_EQ(store_->GetStack("alice", "proj", "dev")->resource_count, 4);
  auto record = store_->GetUpdate("up-1");
  EXPECT_EQ(record->last_sequence, 2);
  EXPECT_EQ(record->last_hash, "h2");
  // The log figures (the updates service's compaction rule reads them).
  EXPECT_EQ(record->base_size, 100);
  EXPECT_EQ(record->delta_count, 1);
  EXPECT_EQ(record->delta_bytes, static_cast<int64_t>(delta.size()));
  // Compaction folds the log up to a delta into the base; later deltas stay
  // and the text, sequence and hash do not change.
  const std::string delta3 =
      R"([{"Span":{"start":{"offset":0},"end":{"offset":1}},"NewText":"C"}])";
  SH_ASSERT_OK(store_->AppendCheckpointDelta("up-1", 2, 3, "h3", delta3, 4));
  const std::string after3 = "C" + expected.substr(1);
  EXPECT_FALSE(store_->CompactCheckpoint("up-1", 1, "not logged").value());  // the base's
  EXPECT_TRUE(store_->CompactCheckpoint("up-1", 2, expected).value());
  EXPECT_EQ(*store_->GetCheckpoint("up-1").value(), after3);
  EXPECT_EQ(*store_->GetCurrentState("s-1").value(), after3);
  auto folded = store_->GetUpdate("up-1");
  EXPECT_EQ(folded->base_size, static_cast<int64_t>(expected.size()));
  EXPECT_EQ(folded->delta_count, 1);
  EXPECT_EQ(folded->delta_bytes, static_cast<int64_t>(delta3.size()));
  EXPECT_EQ(folded->last_sequence, 3);
  EXPECT_EQ(folded->last_hash, "h3");
  EXPECT_FALSE(store_->CompactCheckpoint("up-1", 2, "again").value());  // already folded
  EXPECT_EQ(*store_->GetCheckpoint("up-1").value(), after3);
  // A full save replaces the base and empties the log.
  SH_ASSERT_OK(store_->PutCheckpoint("up-1", 3, 3, "h3", "compacted", 5));
  auto compacted = store_->GetUpdate("up-1");
  EXPECT_EQ(compacted->base_size, 9);
  EXPECT_EQ(compacted->delta_count, 0);
  EXPECT_EQ(compacted->delta_bytes, 0);
  EXPECT_EQ(*store_->GetCheckpoint("up-1").value(), "compacted");

  SH_ASSERT_OK(store_->FinishUpdate("up-1", UpdateStatus::kRunning, UpdateStatus::kSucceeded, 20));
  EXPECT_EQ(*store_->GetStateAtVersion("s-1", 1).value(), "compacted");
  EXPECT_FALSE(store_->GetStateAtVersion("s-1", 0).value().has_value());
  // Writing the stack's own state (rename) makes it current again.
  SH_ASSERT_OK(store_->MoveStack("s-1", "o-alice", "proj", "renamed", std::string("renamed-state")));
  EXPECT_EQ(*store_->GetCurrentState("s-1").value(), "renamed-state");
  EXPECT_EQ(*store_->GetStateAtVersion("s-1", 1).value(), "compacted");
  SH_ASSERT_OK(store_->DeleteStack("s-1"));
  SH_EXPECT_ERROR(store_->GetUpdate("up-1"), ErrorCode::kNotFound);
}

// ---------------------------------------------------------------------------
// Engine events

TEST_P(StoreConformanceTest, EngineEventsAreStoredOncePerSequenceInOrder) {
  OrgRecord org = AddUser("alice");
  SH_ASSERT_OK(store_->CreateStack(MakeStack("s-1", org, "proj", "dev"), std::nullopt));
  SH_ASSERT_OK(store_->CreateUpdate(MakeUpdate("up-1", "s-1", false)));
  const std::vector<NewEngineEvent> first = {
      {2, 10, "resOutputsEvent", "create", R"({"sequence":2})"},
      {0, 10, "stdoutEvent", "", R"({"sequence":0})"},
      {2, 11, "stdoutEvent", "", R"({"sequence":2,"dup":true})"}};
  SH_EXPECT_ERROR(store_->AppendEngineEvents("up-x", first), ErrorCode::kNotFound);
  EXPECT_EQ(store_->AppendEngineEvents("up-1", first).value(), 2);
  const std::vector<NewEngineEvent> second = {
      {1, 12, "summaryEvent", "", R"({"summaryEvent":{"resourceChanges":{"same":1}}})"},
      {0, 12, "stdoutEvent", "", R"({"other":1})"}};
  EXPECT_EQ(store_->AppendEngineEvents("up-1", second).value(), 1);

  auto all = store_->ListEngineEvents("up-1", 0, 10);
  SH_ASSERT_OK(all);
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[0].json, R"({"sequence":0})");
  EXPECT_EQ((*all)[1].type, "summaryEvent");
  EXPECT_EQ((*all)[2].json, R"({"sequence":2})");
  EXPECT_EQ((*all)[2].timestamp, 10);
  auto tail = store_->ListEngineEvents("up-1", 1, 1);
  ASSERT_EQ(tail->size(), 1u);
  EXPECT_EQ(tail->front().sequence, 1);
  EXPECT_TRUE(store_->ListEngineEvents("up-x", 0, 10)->empty());

  auto changes = store_->GetResourceChanges({"up-1", "up-x"});
  SH_ASSERT_OK(changes);
  ASSERT_EQ(changes->size(), 1u);
  EXPECT_EQ(changes->at("up-1").op_counts, (std::map<std::string, int64_t>{{"create", 1}}));
  EXPECT_EQ(changes->at("up-1").summary_json, R"({"summaryEvent":{"resourceChanges":{"same":1}}})");
  SH_ASSERT_OK(store_->DeleteStack("s-1"));
  EXPECT_TRUE(store_->ListEngineEvents("up-1", 0, 10)->empty());
}

TEST_P(StoreConformanceTest, PreviewsAreListedByTheVersionTheyStartedAt) {
  OrgRecord org = AddUser("alice");
  SH_ASSERT_OK(store_->CreateStack(MakeStack("s-1", org, "proj", "dev"), std::nullopt));
  auto run = [&](const std::string& id, bool dry_run, int64_t at) {
    SH_ASSERT_OK(store_->CreateUpdate(MakeUpdate(id, "s-1", dry_run)));
    SH_ASSERT_OK(store_->StartUpdate(id, "h-" + id, at + 300, at));
    SH_ASSERT_OK(store_->FinishUpdate(id, UpdateStatus::kRunning, UpdateStatus::kSucceeded, at + 1));
  };
  run("p-0", true, 10);
  run("up-1", false, 20);
  run("p-1", true, 30);
  run("p-2", true, 30);  // same second: creation order breaks the tie
  run("p-3", true, 40);
  SH_ASSERT_OK(store_->CreateUpdate(MakeUpdate("p-4", "s-1", true)));  // never started

  auto ids = [](const UpdateHistoryPage& page) {
    std::vector<std::string> out;
    for (const auto& u : page.updates) out.push_back(u.id);
    return out;
  };
  auto ascending = store_->ListPreviews("s-1", 1, true, 0, -1);
  SH_ASSERT_OK(ascending);
  EXPECT_EQ(ids(*ascending), (std::vector<std::string>{"p-1", "p-2", "p-3"}));
  EXPECT_EQ(ascending->total, 3);
  EXPECT_TRUE(ascending->updates[0].dry_run);
  EXPECT_EQ(ascending->updates[0].version, 1);
  auto descending = store_->ListPreviews("s-1", 1, false, 0, -1);
  SH_ASSERT_OK(descending);
  EXPECT_EQ(ids(*descending), (std::vector<std::string>{"p-3", "p-2", "p-1"}));
  auto paged = store_->ListPreviews("s-1", 1, false, 1, 1);
  SH_ASSERT_OK(paged);
  EXPECT_EQ(ids(*paged), (std::vector<std::string>{"p-2"}));
  EXPECT_EQ(paged->total, 3);
  auto before = store_->ListPreviews("s-1", 0, true, 0, -1);
  SH_ASSERT_OK(before);
  EXPECT_EQ(ids(*before), (std::vector<std::string>{"p-0"}));
  auto none = store_->ListPreviews("s-1", 2, true, 0, -1);
  SH_ASSERT_OK(none);
  EXPECT_TRUE(none->updates.empty());
  EXPECT_EQ(none->total, 0);
  EXPECT_TRUE(store_->ListPreviews("s-missing", 1, true, 0, -1)->updates.empty());
  EXPECT_EQ(store_->ListHistory("s-1", 0, -1)->total, 1);  // previews are not history
}

// ---------------------------------------------------------------------------
// Transactions (RunInTransaction, AfterCommit, InTransaction)

TEST_P(StoreConformanceTest, TransactionCommitMakesEveryWriteVisible) {
  OrgRecord org = AddUser("alice");
  SH_ASSERT_OK(store_->RunInTransaction([&]() -> Result<void> {
    SH_TRY(store_->CreateUserWithPersonalOrg(MakeUser("u-bob", "bob"), MakeOrg("o-bob", "bob"),
                                             MakeToken("t-bob", "u-bob", kT0), "hash-bob"));
    SH_TRY(store_->AddMember(org.id, "u-bob", OrgRole::kMember, kT0 + 5));
    SH_TRY(store_->CreateStack(MakeStack("s-1", org, "proj", "dev"), std::string("{\"v\":1}")));
    SH_TRY(store_->AddTag("s-1", "env", "dev"));
    return store_->SetDefaultStackPermission(org.id, 101);
  }));

  SH_EXPECT_OK(store_->GetUserByLogin("bob"));
  auto role = store_->GetRole(org.id, "u-bob");
  SH_ASSERT_OK(role);
  EXPECT_EQ(*role, OrgRole::kMember);
  auto token = store_->FindTokenByHash("hash-bob");
  SH_ASSERT_OK(token);
  EXPECT_TRUE(token->has_value());
  auto stack = store_->GetStack("alice", "proj", "dev");
  SH_ASSERT_OK(stack);
  EXPECT_EQ(stack->tags, (std::map<std::string, std::string>{{"env", "dev"}}));
  auto state = store_->GetCurrentState("s-1");
  SH_ASSERT_OK(state);
  ASSERT_TRUE(state->has_value());
  EXPECT_EQ(**state, "{\"v\":1}");
  EXPECT_EQ(store_->GetOrgByName("alice")->default_stack_permission, 101);
}

TEST_P(StoreConformanceTest, TransactionErrorRollsBackEveryWriteMadeInside) {
  OrgRecord org = AddUser("alice");
  SH_ASSERT_OK(store_->CreateStack(MakeStack("s-keep", org, "proj", "keep"), std::nullopt));
  auto result = store_->RunInTransaction([&]() -> Result<void> {
    SH_TRY(store_->CreateUserWithPersonalOrg(MakeUser("u-bob", "bob"), MakeOrg("o-bob", "bob"),
                                             std::nullopt, ""));
    SH_TRY(store_->CreateToken(MakeToken("t-1", "u-alice", kT0), "hash-1"));
    SH_TRY(store_->CreateStack(MakeStack("s-1", org, "proj", "dev"), std::string("{}")));
    SH_TRY(store_->AddTag("s-keep", "env", "prod"));
    SH_TRY(store_->SetDefaultStackPermission(org.id, 102));
    SH_TRY(store_->DeleteStack("s-keep"));
    return Fail(Error::Conflict("stop here"));
  });
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().code, ErrorCode::kConflict);
  EXPECT_EQ(result.error().message, "stop here");

  SH_EXPECT_ERROR(store_->GetUserByLogin("bob"), ErrorCode::kNotFound);
  SH_EXPECT_ERROR(store_->GetOrgByName("bob"), ErrorCode::kNotFound);
  auto token = store_->FindTokenByHash("hash-1");
  SH_ASSERT_OK(token);
  EXPECT_FALSE(token->has_value());
  SH_EXPECT_ERROR(store_->GetStack("alice", "proj", "dev"), ErrorCode::kNotFound);
  auto kept = store_->GetStack("alice", "proj", "keep");
  SH_ASSERT_OK(kept);
  EXPECT_TRUE(kept->tags.empty());
  EXPECT_EQ(store_->GetOrgByName("alice")->default_stack_permission, 0);

  // The store is fully usable afterwards.
  SH_EXPECT_OK(store_->CreateStack(MakeStack("s-1", org, "proj", "dev"), std::nullopt));
}

TEST_P(StoreConformanceTest, FailedCallInsideTransactionWritesNothingOfItsOwn) {
  OrgRecord org = AddUser("alice");
  SH_ASSERT_OK(store_->RunInTransaction([&]() -> Result<void> {
    // The org name is taken: the call fails as a whole (no user either) and
    // the transaction goes on.
    auto taken = store_->CreateUserWithPersonalOrg(MakeUser("u-x", "xavier"),
                                                   MakeOrg("o-x", "alice"), std::nullopt, "");
    EXPECT_FALSE(taken.has_value());
    if (!taken) {
      EXPECT_EQ(taken.error().code, ErrorCode::kAlreadyExists);
    }
    return store_->CreateStack(MakeStack("s-1", org, "proj", "dev"), std::nullopt);
  }));
  SH_EXPECT_ERROR(store_->GetUserByLogin("xavier"), ErrorCode::kNotFound);
  SH_EXPECT_OK(store_->GetStack("alice", "proj", "dev"));
}

TEST_P(StoreConformanceTest, NestedTransactionsJoinTheOuterOne) {
  OrgRecord org = AddUser("alice");
  // The inner transaction succeeds but the outer fails: nothing is kept.
  auto result = store_->RunInTransaction([&]() -> Result<void> {
    SH_TRY(store_->CreateStack(MakeStack("s-1", org, "proj", "one"), std::nullopt));
    SH_TRY(store_->RunInTransaction([&]() -> Result<void> {
      return store_->CreateStack(MakeStack("s-2", org, "proj", "two"), std::nullopt);
    }));
    // The inner transaction's write is visible to the outer one.
    SH_TRY(store_->GetStack("alice", "proj", "two"));
    return Fail(Error::Internal("outer fails"));
  });
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().code, ErrorCode::kInternal);
  SH_EXPECT_ERROR(store_->GetStack("alice", "proj", "one"), ErrorCode::kNotFound);
  SH_EXPECT_ERROR(store_->GetStack("alice", "proj", "two"), ErrorCode::kNotFound);

  // An inner error reaches the outer body, which may still commit its own
  // writes when it chooses to go on.
  SH_ASSERT_OK(store_->RunInTransaction([&]() -> Result<void> {
    SH_TRY(store_->CreateStack(MakeStack("s-1", org, "proj", "one"), std::nullopt));
    auto inner = store_->RunInTransaction([&]() -> Result<void> {
      return store_->CreateStack(MakeStack("s-3", org, "proj", "one"), std::nullopt);
    });
    EXPECT_FALSE(inner.has_value());
    if (!inner) {
      EXPECT_EQ(inner.error().code, ErrorCode::kAlreadyExists);
    }
    return store_->RunInTransaction([&]() -> Result<void> {
      return store_->CreateStack(MakeStack("s-2", org, "proj", "two"), std::nullopt);
    });
  }));
  EXPECT_EQ(store_->GetStack("alice", "proj", "one")->id, "s-1");
  SH_EXPECT_OK(store_->GetStack("alice", "proj", "two"));
}

TEST_P(StoreConformanceTest, ReadsInsideTransactionSeeItsOwnWrites) {
  OrgRecord org = AddUser("alice");
  SH_ASSERT_OK(store_->RunInTransaction([&]() -> Result<void> {
    SH_TRY(store_->CreateUserWithPersonalOrg(MakeUser("u-bob", "bob"), MakeOrg("o-bob", "bob"),
                                             MakeToken("t-bob", "u-bob", kT0), "hash-bob"));
    SH_TRY(store_->AddMember(org.id, "u-bob", OrgRole::kAdmin, kT0));
    StackRecord stack = MakeStack("s-1", org, "proj", "dev");
    stack.tags = {{"a", "1"}};
    SH_TRY(store_->CreateStack(stack, std::string("{\"v\":2}")));
    SH_TRY(store_->UpdateTag("s-1", "a", "2"));

    auto user = store_->GetUserByLogin("BOB");
    EXPECT_TRUE(user.has_value());
    auto token = store_->FindTokenByHash("hash-bob");
    EXPECT_TRUE(token.has_value() && token->has_value());
    auto role = store_->GetRole(org.id, "u-bob");
    EXPECT_TRUE(role.has_value() && *role == OrgRole::kAdmin);
    auto memberships = store_->ListMemberships("u-bob");
    EXPECT_TRUE(memberships.has_value() && memberships->size() == 2u);
    auto got = store_->GetStack("alice", "proj", "dev");
    EXPECT_TRUE(got.has_value());
    if (got) {
      EXPECT_EQ(got->tags.at("a"), "2");
    }
    auto state = store_->GetCurrentState("s-1");
    EXPECT_TRUE(state.has_value() && state->has_value() && **state == "{\"v\":2}");
    StackQuery query;
    query.org_ids = {org.id};
    auto listed = store_->ListStacks(query);
    EXPECT_TRUE(listed.has_value() && listed->size() == 1u);

    SH_TRY(store_->DeleteStack("s-1"));
    EXPECT_FALSE(store_->GetStack("alice", "proj", "dev").has_value());
    return {};
  }));
  SH_EXPECT_ERROR(store_->GetStack("alice", "proj", "dev"), ErrorCode::kNotFound);
  SH_EXPECT_OK(store_->GetUserByLogin("bob"));
}

TEST_P(StoreConformanceTest, AfterCommitRunsOnceCommittedAndNeverAfterRollback) {
  OrgRecord org = AddUser("alice");
  std::vector<std::string> ran;
  bool visible_from_other_thread = false;
  SH_ASSERT_OK(store_->RunInTransaction([&]() -> Result<void> {
    SH_TRY(store_->CreateStack(MakeStack("s-1", org, "proj", "dev"), std::nullopt));
    store_->AfterCommit([&] {
      ran.push_back("outer");
      // Committed: another thread (own connection, no transaction) sees it.
      std::thread reader([&] {
        visible_from_other_thread = store_->GetStack("alice", "proj", "dev").has_value();
      });
      reader.join();
    });
    SH_TRY(store_->RunInTransaction([&]() -> Result<void> {
      store_->AfterCommit([&] { ran.push_back("inner"); });
      return {};
    }));
    EXPECT_TRUE(ran.empty()) << "ran before the outermost transaction committed";
    return {};
  }));
  EXPECT_EQ(ran, (std::vector<std::string>{"outer", "inner"}));
  EXPECT_TRUE(visible_from_other_thread);

  ran.clear();
  auto failed = store_->RunInTransaction([&]() -> Result<void> {
    SH_TRY(store_->CreateStack(MakeStack("s-2", org, "proj", "prod"), std::nullopt));
    store_->AfterCommit([&] { ran.push_back("rolled back"); });
    return Fail(Error::Conflict("no"));
  });
  EXPECT_FALSE(failed.has_value());
  // A nested success does not count when the outer transaction fails.
  failed = store_->RunInTransaction([&]() -> Result<void> {
    SH_TRY(store_->RunInTransaction([&]() -> Result<void> {
      store_->AfterCommit([&] { ran.push_back("nested in rolled back"); });
      return {};
    }));
    return Fail(Error::Conflict("no"));
  });
  EXPECT_FALSE(failed.has_value());
  EXPECT_TRUE(ran.empty());
  SH_EXPECT_ERROR(store_->GetStack("alice", "proj", "prod"), ErrorCode::kNotFound);

  // The next transaction on this thread starts with nothing pending.
  SH_ASSERT_OK(store_->RunInTransaction([&]() -> Result<void> { return {}; }));
  EXPECT_TRUE(ran.empty());
}

TEST_P(StoreConformanceTest, AfterCommitOutsideATransactionRunsAtOnce) {
  int calls = 0;
  store_->AfterCommit([&] { ++calls; });
  EXPECT_EQ(calls, 1);
}

TEST_P(StoreConformanceTest, InTransactionReturnsTheBodysValueOrError) {
  OrgRecord org = AddUser("alice");
  auto value = InTransaction<std::string>(*store_, [&]() -> Result<std::string> {
    SH_TRY(store_->CreateStack(MakeStack("s-1", org, "proj", "dev"), std::nullopt));
    SH_ASSIGN_OR_RETURN(auto stack, store_->GetStack("alice", "proj", "dev"));
    return stack.id;
  });
  SH_ASSERT_OK(value);
  EXPECT_EQ(*value, "s-1");

  auto error = InTransaction<int>(*store_, [&]() -> Result<int> {
    SH_TRY(store_->CreateStack(MakeStack("s-2", org, "proj", "prod"), std::nullopt));
    SH_TRY(store_->CreateStack(MakeStack("s-3", org, "proj", "PROD"), std::nullopt));
    return 1;
  });
  SH_EXPECT_ERROR(error, ErrorCode::kAlreadyExists);
  SH_EXPECT_ERROR(store_->GetStack("alice", "proj", "prod"), ErrorCode::kNotFound);
}

TEST_P(StoreConformanceTest, ConcurrentTransactionsFromSeveralThreadsAllCommit) {
  OrgRecord org = AddUser("alice");
  constexpr int kThreads = 8;
  constexpr int kPerThread = 12;
  ThreadFailures failures;
  std::atomic<int> after_commits{0};
  auto fail = [&](const std::string& what) { failures.Add(what); };

  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        const std::string suffix = std::to_string(t) + "-" + std::to_string(i);
        if (t % 2 == 1) {
          // Plain calls and reads interleave with the transactions.
          if (auto r = store_->CreateToken(MakeToken("p-" + suffix, "u-alice", kT0 + i),
                                           "plain-" + suffix);
              !r) {
            fail("CreateToken " + ErrorText(r));
          }
          StackQuery query;
          query.org_ids = {org.id};
          if (auto r = store_->ListStacks(query); !r) fail("ListStacks " + ErrorText(r));
        }
        auto r = store_->RunInTransaction([&]() -> Result<void> {
          StackRecord stack = MakeStack("s-" + suffix, org, "proj-" + std::to_string(t),
                                        "stack-" + std::to_string(i));
          SH_TRY(store_->CreateStack(stack, std::string("{\"n\":") + std::to_string(i) + "}"));
          SH_TRY(store_->AddTag(stack.id, "thread", std::to_string(t)));
          SH_TRY(
              store_->CreateToken(MakeToken("t-" + suffix, "u-alice", kT0 + i), "hash-" + suffix));
          SH_ASSIGN_OR_RETURN(auto got, store_->GetStack("alice", stack.project, stack.name));
          if (got.tags.size() != 1) return Fail(Error::Internal("own tag not visible"));
          store_->AfterCommit([&] { after_commits.fetch_add(1); });
          return {};
        });
        if (!r) fail("RunInTransaction " + ErrorText(r));
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.count(), 0) << failures.first();
  EXPECT_EQ(after_commits.load(), kThreads * kPerThread);

  StackQuery query;
  query.org_ids = {org.id};
  EXPECT_EQ(ListAll(query).size(), static_cast<size_t>(kThreads * kPerThread));
  auto tokens = store_->ListTokens("u-alice", std::nullopt, 1000);
  SH_ASSERT_OK(tokens);
  EXPECT_EQ(tokens->size(), static_cast<size_t>(kThreads * kPerThread + kThreads / 2 * kPerThread));
  EXPECT_EQ(store_->Stats().in_use, 0);
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreConformanceTest,
                         ::testing::ValuesIn(ConformanceBackends()), FactoryName);

}  // namespace
}  // namespace statehouse::storage
