#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>

#include "auth/authorizer.h"
#include "common/clock.h"
#include "common/random.h"
#include "storage/sqlite/sqlite_store.h"
#include "tokens/service.h"

namespace statehouse::testing {

// A SQLite store in `dir`. Aborts the test binary if it cannot be opened (a
// broken environment, not a test outcome).
inline storage::StorePtr OpenTestStore(const std::string& dir) {
  storage::SqliteOptions options;
  options.path = dir + "/db.sqlite";
  auto store = storage::OpenSqliteStore(options);
  if (!store) {
    std::fprintf(stderr, "cannot open test store: %s %s\n", store.error().message.c_str(),
                 store.error().detail.c_str());
    std::abort();
  }
  return std::move(*store);
}

struct TestUser {
  storage::UserRecord user;
  std::string token;  // a working access token value
};

// Creates a user with its personal org (same name) and one access token.
inline TestUser CreateTestUser(storage::Store& store, Random& random, const Clock& clock,
                               const std::string& login, bool site_admin = false) {
  storage::UserRecord user{random.Uuid(), login, login, "", site_admin, clock.NowSeconds()};
  storage::OrgRecord org{random.Uuid(), login, clock.NowSeconds(), 0};
  auto minted = tokens::MintToken(random, clock, user.id, "t", "", 0);
  auto created = store.CreateUserWithPersonalOrg(user, org, minted.record, minted.hash);
  if (!created) {
    std::fprintf(stderr, "cannot create test user %s: %s\n", login.c_str(),
                 created.error().message.c_str());
    std::abort();
  }
  return TestUser{user, minted.value};
}

// Creates stack org/project/name (the org must exist) created by
// `creator_id`, and returns it as stored. `id` defaults to a random UUID.
inline storage::StackRecord CreateTestStack(storage::Store& store, Random& random,
                                            const Clock& clock, const std::string& org,
                                            const std::string& project, const std::string& name,
                                            const std::string& creator_id,
                                            int64_t resource_count = 0, std::string id = "") {
  storage::StackRecord stack;
  stack.id = id.empty() ? random.Uuid() : std::move(id);
  stack.org_id = store.GetOrgByName(org)->id;
  stack.org_name = org;
  stack.project = project;
  stack.name = name;
  stack.created_by = creator_id;
  stack.created = clock.NowSeconds();
  stack.resource_count = resource_count;
  auto created = store.CreateStack(stack, std::nullopt);
  if (!created) {
    std::fprintf(stderr, "cannot create test stack %s/%s/%s: %s\n", org.c_str(),
                 project.c_str(), name.c_str(), created.error().message.c_str());
    std::abort();
  }
  return *store.GetStack(org, project, name);
}

// An Access as the guard would build it for an org route, without checks.
inline auth::Access OrgAccessFor(storage::Store& store, const storage::UserRecord& user,
                                 const std::string& org, storage::OrgRole role) {
  auth::Access access;
  access.principal.user = user;
  access.org = *store.GetOrgByName(org);
  access.org_role = role;
  return access;
}

}  // namespace statehouse::testing
