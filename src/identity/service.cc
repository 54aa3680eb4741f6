#include "identity/service.h"

#include <fmt/format.h>

#include "auth/event.h"
#include "common/names.h"
#include "orgs/model.h"
#include "tokens/service.h"

namespace statehouse::identity {

namespace {

using names::EqualsIgnoreCase;

Error InvalidLogin(std::string_view what) {
  return Error::InvalidArgument(fmt::format(
      "Invalid {}: must be 1-39 characters of letters, digits, '_', '.' or '-', starting with a "
      "letter or digit",
      what));
}

// A name the web console's routes use (names::IsReservedOrgName).
Error Reserved(std::string_view what, std::string_view name) {
  return Error::InvalidArgument(fmt::format(
      "Invalid {}: '{}' is reserved for the web console's pages", what, name));
}

}  // namespace

Result<CreatedUser> IdentityService::CreateUserWithToken(
    const events::Actor& actor, const std::string& login, const std::string& name,
    const std::string& email, bool site_admin, const std::optional<std::string>& token_value) {
  if (!names::IsValidLogin(login)) return Fail(InvalidLogin("login"));
  if (names::IsReservedOrgName(login)) return Fail(Reserved("login", login));
  const int64_t now = clock_.NowSeconds();
  storage::UserRecord user{random_.Uuid(), login, name.empty() ? login : name, email, site_admin, now};
  storage::OrgRecord org{random_.Uuid(), login, now, 0};
  tokens::MintedToken minted =
      token_value ? tokens::MintTokenWithValue(random_, clock_, user.id, "initial",
                                               "Created with the user", *token_value)
                  : tokens::MintToken(random_, clock_, user.id, "initial", "Created with the user", 0);
  events::DomainEvent event;
  event.kind = "user-created";
  event.org_id = org.id;
  event.org_name = org.name;
  event.actor = actor;
  event.target = user.login;
  event.time = now;
  SH_TRY(store_.RunInTransaction([&]() -> Result<void> {
    SH_TRY(store_.CreateUserWithPersonalOrg(user, org, minted.record, minted.hash));
    SH_TRY(events_.Publish(event));
    return tokens::PublishTokenEvent(store_, events_, actor, "personal-token-created",
                                     minted.record, now);
  }));
  return CreatedUser{std::move(user), std::move(minted.value)};
}

Result<BootstrapResult> IdentityService::Bootstrap(const std::string& login,
                                                   const std::optional<std::string>& token) {
  BootstrapResult result;
  result.login = login;
  SH_ASSIGN_OR_RETURN(bool empty, store_.HasNoUsers());
  if (!empty) return result;
  if (token && token->empty()) return Fail(Error::InvalidArgument("bootstrap token is empty"));
  auto created = CreateUserWithToken(events::Actor{}, login, login, "", true, token);
  if (!created) {
    // Another replica sharing the database bootstrapped first: the database
    // is no longer empty, which is all this step has to ensure.
    if (created.error().code == ErrorCode::kAlreadyExists) {
      SH_ASSIGN_OR_RETURN(bool still_empty, store_.HasNoUsers());
      if (!still_empty) return result;
    }
    return Fail(std::move(created).error());
  }
  result.created = true;
  if (!token) result.generated_token = std::move(created->token_value);
  return result;
}

Result<CreatedUser> IdentityService::CreateUser(const auth::Access& actor, const std::string& login,
                                                const std::string& name, const std::string& email) {
  if (name.size() > 256 || email.size() > 256) {
    return Fail(Error::InvalidArgument("Invalid field 'name' or 'email': at most 256 characters"));
  }
  return CreateUserWithToken(auth::ActorOf(actor), login, name, email, false, std::nullopt);
}

Result<storage::OrgRecord> IdentityService::CreateOrg(const auth::Access& actor,
                                                      const std::string& name,
                                                      const std::string& admin_login) {
  if (!names::IsValidOrgName(name)) return Fail(InvalidLogin("organization name"));
  if (names::IsReservedOrgName(name)) return Fail(Reserved("organization name", name));
  auto admin = store_.GetUserByLogin(admin_login);
  if (!admin) {
    if (admin.error().code == ErrorCode::kNotFound) {
      return Fail(Error::NotFound(fmt::format("User '{}' not found", admin_login)));
    }
    return Fail(std::move(admin).error());
  }
  storage::OrgRecord org{random_.Uuid(), name, clock_.NowSeconds(), 0};
  events::DomainEvent event = auth::NewEvent(actor, "organization-created", org.created);
  event.org_id = org.id;
  event.org_name = org.name;
  event.target = org.name;
  event.fields = {{"admin", admin->login}};
  SH_TRY(store_.RunInTransaction([&]() -> Result<void> {
    SH_TRY(store_.CreateOrg(org, admin->id));
    return events_.Publish(event);
  }));
  return org;
}

Result<std::pair<storage::UserRecord, storage::MembershipRecord>> IdentityService::AddMember(
    const auth::Access& actor, const storage::OrgRecord& org, const std::string& login,
    storage::OrgRole role) {
  auto user = names::IsValidLogin(login) ? store_.GetUserByLogin(login)
                                         : Result<storage::UserRecord>(Fail(Error::NotFound("")));
  if (!user) {
    if (user.error().code == ErrorCode::kNotFound) {
      return Fail(Error::NotFound(fmt::format("User '{}' not found", login)));
    }
    return Fail(std::move(user).error());
  }
  const int64_t now = clock_.NowSeconds();
  events::DomainEvent event = auth::NewEvent(actor, "member-added", now);
  event.org_id = org.id;
  event.org_name = org.name;
  event.target = user->login;
  event.fields = {{"role", std::string(orgs::OrgRoleName(role))}};
  auto added = store_.RunInTransaction([&]() -> Result<void> {
    SH_TRY(store_.AddMember(org.id, user->id, role, now));
    return events_.Publish(event);
  });
  if (!added) {
    if (added.error().code == ErrorCode::kAlreadyExists) {
      return Fail(Error::AlreadyExists(fmt::format(
          "Conflict: user '{}' is already a member of organization '{}'", user->login, org.name)));
    }
    return Fail(std::move(added).error());
  }
  storage::MembershipRecord membership{org.id, org.name, user->id, role, now};
  return std::make_pair(std::move(*user), std::move(membership));
}

Result<std::vector<storage::MembershipRecord>> IdentityService::Memberships(
    const auth::Principal& caller) {
  return store_.ListMemberships(caller.user.id);
}

Result<std::string> IdentityService::DefaultOrgName(const auth::Principal& caller) {
  SH_ASSIGN_OR_RETURN(auto memberships, store_.ListMemberships(caller.user.id));
  if (memberships.empty()) return Fail(Error::NotFound("No default organization"));
  for (const auto& m : memberships) {
    if (EqualsIgnoreCase(m.org_name, caller.user.login)) return m.org_name;
  }
  return memberships.front().org_name;
}

}  // namespace statehouse::identity
