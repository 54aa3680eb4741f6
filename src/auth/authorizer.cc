#include "auth/authorizer.h"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "auth/event.h"
#include "common/names.h"
#include "crypto/crypto.h"
#include "storage/store.h"

namespace statehouse::auth {

namespace {

constexpr int64_t kLastUsedResolutionSeconds = 60;
constexpr std::string_view kUnauthenticatedMessage =
    "Unauthorized: No credentials provided or are invalid.";

StackPermission Max(StackPermission a, StackPermission b) {
  return static_cast<int>(a) >= static_cast<int>(b) ? a : b;
}

StackPermission FromOrgDefault(int value) {
  switch (value) {
    case 101:
      return StackPermission::kRead;
    case 102:
      return StackPermission::kWrite;
    case 103:
    case 104:
      return StackPermission::kAdmin;
    default:
      return StackPermission::kNone;
  }
}

StackPermission Required(Need need) {
  switch (need) {
    case Need::kStackRead:
      return StackPermission::kRead;
    case Need::kStackWrite:
      return StackPermission::kWrite;
    case Need::kStackAdmin:
      return StackPermission::kAdmin;
    default:
      return StackPermission::kNone;
  }
}

std::string_view LevelName(StackPermission p) {
  switch (p) {
    case StackPermission::kRead:
      return "read";
    case StackPermission::kWrite:
      return "write";
    case StackPermission::kAdmin:
      return "admin";
    case StackPermission::kNone:
      break;
  }
  return "none";
}

constexpr std::string_view kLoginFailed = "user-login-failed";
constexpr std::string_view kOrgRoleFailure = "auth-failure-organization-role";
constexpr std::string_view kStackPermissionFailure = "auth-failure-stack-permission";

std::string ThrottleKey(std::string_view org, std::string_view source_ip, std::string_view kind) {
  std::string key;
  key.reserve(org.size() + source_ip.size() + kind.size() + 2);
  for (char c : org) key.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  key.push_back('\0');
  key.append(source_ip);
  key.push_back('\0');
  key.append(kind);
  return key;
}

Error OrgNotFound(std::string_view org) {
  return Error::NotFound(fmt::format("Organization '{}' not found", org));
}

Error StackNotFound(std::string_view org, std::string_view project, std::string_view stack) {
  return Error::NotFound(fmt::format("Stack '{}/{}/{}' not found", org, project, stack));
}

}  // namespace

bool LooksLikeAccessToken(std::string_view value) {
  if (value.size() != 44 || value.substr(0, 4) != "pul-") return false;
  return std::all_of(value.begin() + 4, value.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

Result<std::string> Authorizer::TokenHash(std::optional<std::string_view> header,
                                          const RequestOrigin& origin) {
  auto refuse = [&](std::string_view reason) -> Result<std::string> {
    LoginFailed(origin, reason);
    return Fail(Error::Unauthenticated(std::string(kUnauthenticatedMessage)));
  };
  if (!header) return refuse("missing token");
  std::string_view value = *header;
  constexpr std::string_view kScheme = "token ";
  if (value.size() <= kScheme.size() || value.substr(0, kScheme.size()) != kScheme) {
    return refuse(value.empty() ? "missing token" : "invalid token");
  }
  std::string_view token = value.substr(kScheme.size());
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
  if (token.empty()) return refuse("missing token");
  if (token.size() > 512) return refuse("invalid token");
  return crypto::Sha256Hex(token);
}

Result<Principal> Authorizer::Admit(std::optional<storage::TokenLookup> found,
                                    const std::string& token_hash, const RequestOrigin& origin) {
  auto refuse = [&](std::string_view reason) -> Result<Principal> {
    LoginFailed(origin, reason);
    return Fail(Error::Unauthenticated(std::string(kUnauthenticatedMessage)));
  };
  if (!found) return refuse("invalid token");
  const int64_t now = clock_.NowSeconds();
  if (found->token.expires != 0 && found->token.expires <= now) return refuse("expired token");
  if (now - found->token.last_used >= kLastUsedResolutionSeconds) {
    RecordUse(*found, token_hash, origin.source_ip, now);
  }
  std::string token_name =
      found->token.name.empty() ? found->token.description : found->token.name;
  return Principal{std::move(found->user), std::move(found->token.id), std::move(token_name)};
}

Result<Principal> Authorizer::Authenticate(std::optional<std::string_view> header,
                                           const RequestOrigin& origin) {
  SH_ASSIGN_OR_RETURN(const std::string hash, TokenHash(header, origin));
  SH_ASSIGN_OR_RETURN(auto found, store_.FindTokenByHash(hash));
  return Admit(std::move(found), hash, origin);
}

Result<Access> Authorizer::Check(std::optional<std::string_view> header, Need need,
                                 std::string_view org, std::string_view project,
                                 std::string_view stack, std::string_view source_ip,
                                 bool read_only) {
  const RequestOrigin origin{org, source_ip};
  SH_ASSIGN_OR_RETURN(const std::string hash, TokenHash(header, origin));
  return CheckHash(hash, need, org, project, stack, source_ip, read_only);
}

std::string Authorizer::CsrfTokenFor(std::string_view cookie) {
  return crypto::Sha256Hex(std::string("statehouse-csrf:").append(cookie));
}

Result<Access> Authorizer::CheckSession(const SessionCredentials& credentials, Need need,
                                        std::string_view org, std::string_view project,
                                        std::string_view stack, std::string_view source_ip,
                                        bool read_only) {
  const RequestOrigin origin{org, source_ip};
  auto refuse = [&](std::string_view reason) -> Result<Access> {
    LoginFailed(origin, reason);
    return Fail(Error::Unauthenticated(std::string(kUnauthenticatedMessage)));
  };
  if (credentials.cookie.empty() || credentials.cookie.size() > 512) return refuse("invalid session");
  SH_ASSIGN_OR_RETURN(auto found, store_.FindConsoleSession(crypto::Sha256Hex(credentials.cookie),
                                                            clock_.NowSeconds()));
  if (!found) return refuse("invalid session");
  if (credentials.state_changing &&
      (!credentials.csrf_token ||
       !crypto::ConstantTimeEqual(*credentials.csrf_token, CsrfTokenFor(credentials.cookie)))) {
    return Fail(Error::PermissionDenied("Forbidden: missing or invalid CSRF token"));
  }
  return CheckHash(found->token_hash, need, org, project, stack, source_ip, read_only);
}

Result<Access> Authorizer::CheckHash(const std::string& hash, Need need, std::string_view org,
                                     std::string_view project, std::string_view stack,
                                     std::string_view source_ip, bool read_only) {
  const RequestOrigin origin{org, source_ip};
  storage::AccessQuery query = QueryFor(need, org, project, stack);
  query.allow_cached = read_only;
  storage::AccessContext context;
  // Without an org the token is all there is to read: one point query,
  // cheaper than the cache's round trip on PostgreSQL.
  if (query.org_name.empty()) {
    SH_ASSIGN_OR_RETURN(context.token, store_.FindTokenByHash(hash));
  } else {
    query.token_hash = hash;
    SH_ASSIGN_OR_RETURN(context, store_.LoadAccess(query));
  }
  SH_ASSIGN_OR_RETURN(Principal principal, Admit(std::move(context.token), hash, origin));
  Access access;
  access.principal = std::move(principal);
  return Decide(std::move(access), need, org, project, stack, source_ip, std::move(context));
}

storage::AccessQuery Authorizer::QueryFor(Need need, std::string_view org, std::string_view project,
                                          std::string_view stack) {
  storage::AccessQuery query;
  const bool org_need = need == Need::kOrgMember || need == Need::kOrgAdmin ||
                        need == Need::kStackRead || need == Need::kStackWrite ||
                        need == Need::kStackAdmin;
  if (!org_need || !names::IsValidOrgName(org)) return query;
  query.org_name = std::string(org);
  if (need == Need::kOrgMember || need == Need::kOrgAdmin) return query;
  if (names::IsValidProjectName(project) && names::IsValidStackName(stack)) {
    query.project = std::string(project);
    query.stack_name = std::string(stack);
  }
  return query;
}

void Authorizer::RecordUse(const storage::TokenLookup& found, const std::string& token_hash,
                           std::string_view source_ip, int64_t now) {
  auto recorded = store_.RunInTransaction([&]() -> Result<void> {
    // Re-read inside the transaction so that concurrent requests with the
    // same token record (and announce) one use.
    SH_ASSIGN_OR_RETURN(auto current, store_.FindTokenByHash(token_hash));
    if (!current || now - current->token.last_used < kLastUsedResolutionSeconds) return {};
    SH_TRY(store_.SetTokenLastUsed(current->token.id, now));
    if (sink_ == nullptr) return {};
    SH_ASSIGN_OR_RETURN(auto memberships, store_.ListMemberships(found.user.id));
    const storage::TokenRecord& t = found.token;
    events::DomainEvent event;
    event.kind = "user-login";
    event.actor = events::Actor{found.user.id,
                                found.user.login,
                                found.user.name,
                                t.id,
                                t.name.empty() ? t.description : t.name,
                                std::string(source_ip)};
    event.target = found.user.login;
    event.time = now;
    for (const auto& m : memberships) {
      event.org_id = m.org_id;
      event.org_name = m.org_name;
      SH_TRY(sink_->Publish(event));
    }
    return {};
  });
  // Best effort: bookkeeping must not fail the request; the next request
  // tries again.
  if (!recorded) {
    spdlog::warn("recording the use of token {} failed: {} {}", found.token.id,
                 recorded.error().message, recorded.error().detail);
  }
}

bool Authorizer::ThrottleAllows(const std::string& key, int64_t now) {
  std::lock_guard lock(throttle_mu_);
  auto it = last_failure_event_.find(key);
  if (it != last_failure_event_.end()) {
    if (now - it->second < kFailureEventSeconds) return false;
    it->second = now;
    return true;
  }
  if (last_failure_event_.size() >= kMaxThrottledKeys) {
    std::erase_if(last_failure_event_,
                  [now](const auto& entry) { return now - entry.second >= kFailureEventSeconds; });
    if (last_failure_event_.size() >= kMaxThrottledKeys) return false;
  }
  last_failure_event_.emplace(key, now);
  return true;
}

void Authorizer::PublishAlone(const events::DomainEvent& event) {
  auto published = store_.RunInTransaction([&]() { return sink_->Publish(event); });
  if (!published) {
    spdlog::warn("publishing {} for organization '{}' failed: {} {}", event.kind, event.org_name,
                 published.error().message, published.error().detail);
  }
}

void Authorizer::LoginFailed(const RequestOrigin& origin, std::string_view reason) {
  if (sink_ == nullptr || origin.org.empty() || !names::IsValidOrgName(origin.org)) return;
  const std::string_view kind = kLoginFailed;
  const int64_t now = clock_.NowSeconds();
  if (!ThrottleAllows(ThrottleKey(origin.org, origin.source_ip, kind), now)) return;
  auto org = store_.GetOrgByName(std::string(origin.org));
  if (!org) return;  // no such org (or the store is failing): nothing to record
  events::DomainEvent event;
  event.kind = std::string(kind);
  event.org_id = org->id;
  event.org_name = org->name;
  event.actor.source_ip = std::string(origin.source_ip);
  event.time = now;
  event.fields = {{"reason", std::string(reason)}};
  PublishAlone(event);
}

void Authorizer::Denied(const Principal& principal, const storage::OrgRecord& org,
                        std::string_view source_ip, std::string_view kind,
                        std::string_view required, const storage::StackRecord* stack) {
  if (sink_ == nullptr) return;
  const int64_t now = clock_.NowSeconds();
  if (!ThrottleAllows(ThrottleKey(org.name, source_ip, kind), now)) return;
  Access access;
  access.principal = principal;
  access.org = org;
  access.source_ip = std::string(source_ip);
  if (stack != nullptr) access.stack = *stack;
  events::DomainEvent event = NewEvent(access, std::string(kind), now);
  if (stack == nullptr) event.target = principal.user.login;
  event.fields = {{"required", std::string(required)}};
  PublishAlone(event);
}

void Authorizer::RecordDenial(const Access& access) {
  if (!access.org) return;
  const storage::StackRecord* stack = access.stack ? &*access.stack : nullptr;
  Denied(access.principal, *access.org, access.source_ip,
         stack != nullptr ? kStackPermissionFailure : kOrgRoleFailure, "admin", stack);
}

Result<Access> Authorizer::AuthorizeUpdateToken(std::optional<std::string_view> header,
                                                std::string_view org, std::string_view project,
                                                std::string_view stack,
                                                std::string_view update_id) {
  constexpr std::string_view kScheme = "update-token ";
  if (!header || header->size() <= kScheme.size() || header->substr(0, kScheme.size()) != kScheme) {
    return Fail(Error::Unauthenticated(std::string(kUnauthenticatedMessage)));
  }
  std::string_view token = header->substr(kScheme.size());
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
  if (token.empty() || token.size() > 512) {
    return Fail(Error::Unauthenticated(std::string(kUnauthenticatedMessage)));
  }
  if (!names::IsValidOrgName(org) || !names::IsValidProjectName(project) ||
      !names::IsValidStackName(stack)) {
    return Fail(StackNotFound(org, project, stack));
  }
  Error update_not_found = Error::NotFound(fmt::format("Update '{}' not found", update_id));
  const std::string id(update_id.size() <= 128 ? update_id : std::string_view());
  SH_ASSIGN_OR_RETURN(auto context, store_.LoadUpdateAccess(std::string(org), std::string(project),
                                                            std::string(stack), id));
  if (!context.stack) return Fail(StackNotFound(org, project, stack));
  if (id.empty() || !context.update) return Fail(update_not_found);
  const storage::UpdateRecord* update = &*context.update;
  const std::string hash = crypto::Sha256Hex(token);
  const bool matches =
      (!update->lease_hash.empty() && crypto::ConstantTimeEqual(hash, update->lease_hash)) ||
      (!update->previous_lease_hash.empty() &&
       crypto::ConstantTimeEqual(hash, update->previous_lease_hash));
  if (!matches) return Fail(Error::PermissionDenied("Forbidden: invalid update token"));
  if (update->lease_expires <= clock_.NowSeconds()) {
    return Fail(Error::PermissionDenied("Forbidden: the update's lease has expired"));
  }
  Access access;
  access.principal.user.id = update->requested_by;
  access.principal.user.login = update->requested_by_login;
  access.principal.user.name = update->requested_by_name;
  access.org = std::move(context.org);
  access.stack = std::move(context.stack);
  access.update_id = update->id;
  return access;
}

Result<StackPermission> Authorizer::EffectivePermission(const Principal& principal,
                                                        const storage::OrgRecord& org,
                                                        OrgRole role,
                                                        const storage::StackRecord& stack,
                                                        std::optional<int> team_permission) {
  if (role == OrgRole::kNone) return StackPermission::kNone;
  if (role == OrgRole::kAdmin) return StackPermission::kAdmin;
  if (stack.created_by == principal.user.id) return StackPermission::kAdmin;
  StackPermission effective = FromOrgDefault(org.default_stack_permission);
  if (effective != StackPermission::kAdmin) {
    if (!team_permission) {
      SH_ASSIGN_OR_RETURN(team_permission, store_.MaxTeamStackPermission(principal.user.id, stack.id));
    }
    effective = Max(effective, FromOrgDefault(*team_permission));
  }
  return effective;
}

Result<Access> Authorizer::Authorize(Principal principal, Need need, std::string_view org,
                                     std::string_view project, std::string_view stack,
                                     std::string_view source_ip) {
  Access access;
  access.principal = std::move(principal);
  storage::AccessContext context;
  const storage::AccessQuery query = QueryFor(need, org, project, stack);
  if (!query.org_name.empty()) {
    storage::AccessQuery by_user = query;
    by_user.user_id = access.principal.user.id;
    SH_ASSIGN_OR_RETURN(context, store_.LoadAccess(by_user));
  }
  return Decide(std::move(access), need, org, project, stack, source_ip, std::move(context));
}

Result<Access> Authorizer::Decide(Access access, Need need, std::string_view org,
                                  std::string_view project, std::string_view stack,
                                  std::string_view source_ip, storage::AccessContext context) {
  switch (need) {
    case Need::kPublic:
    case Need::kUser:
      return access;
    case Need::kUpdateToken:
      return Fail(Error::PermissionDenied("Forbidden: this call requires an update token"));
    case Need::kSiteAdmin:
      if (!access.principal.user.site_admin) {
        return Fail(Error::PermissionDenied("Forbidden: site administrator access required"));
      }
      return access;
    default:
      break;
  }

  if (!names::IsValidOrgName(org) || !context.org) return Fail(OrgNotFound(org));
  access.org_role = context.role;
  access.org = std::move(context.org);
  auto org_denied = [&](std::string_view required) {
    Denied(access.principal, *access.org, source_ip, kOrgRoleFailure, required, nullptr);
  };

  if (need == Need::kOrgMember || need == Need::kOrgAdmin) {
    if (access.org_role == OrgRole::kNone) {
      org_denied(need == Need::kOrgAdmin ? "admin" : "member");
      return Fail(OrgNotFound(org));
    }
    if (need == Need::kOrgAdmin && access.org_role != OrgRole::kAdmin) {
      org_denied("admin");
      return Fail(Error::PermissionDenied(
          fmt::format("Forbidden: only admins of organization '{}' may do this", access.org->name)));
    }
    return access;
  }

  // Stack needs. A non-member learns nothing about the org's stacks.
  if (access.org_role == OrgRole::kNone) {
    org_denied("member");
    return Fail(StackNotFound(org, project, stack));
  }
  if (!names::IsValidProjectName(project) || !names::IsValidStackName(stack) || !context.stack) {
    return Fail(StackNotFound(org, project, stack));
  }
  storage::StackRecord& stack_record = *context.stack;
  SH_ASSIGN_OR_RETURN(access.stack_permission,
                      EffectivePermission(access.principal, *access.org, access.org_role,
                                          stack_record, context.team_permission));
  const StackPermission required = Required(need);
  if (static_cast<int>(access.stack_permission) < static_cast<int>(required)) {
    Denied(access.principal, *access.org, source_ip, kStackPermissionFailure, LevelName(required),
           &stack_record);
    if (access.stack_permission == StackPermission::kNone) {
      return Fail(StackNotFound(org, project, stack));
    }
    return Fail(Error::PermissionDenied(
        fmt::format("Forbidden: this action requires {} permission on stack '{}/{}/{}'",
                    LevelName(required), org, project, stack)));
  }
  access.stack = std::move(stack_record);
  return access;
}

}  // namespace statehouse::auth
