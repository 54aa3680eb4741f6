#pragma once

#include <optional>
#include <string>
#include <vector>

#include "auth/authorizer.h"
#include "common/clock.h"
#include "common/error.h"
#include "common/random.h"
#include "events/domain_event.h"
#include "storage/store.h"

namespace statehouse::identity {

struct BootstrapResult {
  bool created = false;           // false: the database already had users
  std::string login;
  std::optional<std::string> generated_token;  // set when a random token was minted
};

struct CreatedUser {
  storage::UserRecord user;
  std::string token_value;
};

// Users, organizations and memberships. Each change publishes its domain
// events in the store transaction of the change (a publish error fails the
// call and rolls the change back): user-created (in the new personal org) and
// personal-token-created for the first token, organization-created (in the new
// org, field admin), member-added (field role). Thread-safe.
class IdentityService {
 public:
  IdentityService(storage::Store& store, const Clock& clock, Random& random,
                  events::EventSink& events)
      : store_(store), clock_(clock), random_(random), events_(events) {}

  // On an empty database: creates site admin `login`, its personal org and an
  // access token (`token` when given, else a random one returned in
  // generated_token). On a non-empty database: does nothing. Its events have
  // no actor (the server itself acts).
  Result<BootstrapResult> Bootstrap(const std::string& login, const std::optional<std::string>& token);

  // Site-admin `actor`: a user with its personal organization (same name,
  // user admin) and one access token. kInvalidArgument for a bad login,
  // kAlreadyExists if the login or org name is taken.
  Result<CreatedUser> CreateUser(const auth::Access& actor, const std::string& login,
                                 const std::string& name, const std::string& email);

  // Site-admin `actor`: an organization whose first admin is `admin_login`.
  // kNotFound for an unknown user, kAlreadyExists if the name is taken.
  Result<storage::OrgRecord> CreateOrg(const auth::Access& actor, const std::string& name,
                                       const std::string& admin_login);

  // Org admin `actor`: adds an existing user to `org`. kNotFound unknown
  // user, kAlreadyExists if already a member.
  Result<std::pair<storage::UserRecord, storage::MembershipRecord>> AddMember(
      const auth::Access& actor, const storage::OrgRecord& org, const std::string& login,
      storage::OrgRole role);

  Result<std::vector<storage::MembershipRecord>> Memberships(const auth::Principal& caller);

  // The caller's default organization: their personal org if they belong to
  // it, else their first org. kNotFound when they belong to none.
  Result<std::string> DefaultOrgName(const auth::Principal& caller);

 private:
  Result<CreatedUser> CreateUserWithToken(const events::Actor& actor, const std::string& login,
                                          const std::string& name, const std::string& email,
                                          bool site_admin,
                                          const std::optional<std::string>& token_value);

  storage::Store& store_;
  const Clock& clock_;
  Random& random_;
  events::EventSink& events_;
};

}  // namespace statehouse::identity
