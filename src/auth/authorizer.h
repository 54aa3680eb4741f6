#pragma once

// The one place that decides who may do what. A route declares a `Need`; the
// API guard (src/api/endpoint.h) authenticates the caller and asks the
// Authorizer, which loads the organization/stack named by the route and
// resolves the caller's effective permission. Handlers never check access
// themselves.
//
// Disclosure policy (Pulumi Cloud's): a caller with no access at all to an
// organization or stack gets kNotFound; a caller who can see it but lacks the
// level required gets kPermissionDenied.

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/clock.h"
#include "common/error.h"
#include "events/domain_event.h"
#include "storage/access_store.h"
#include "storage/records.h"

namespace statehouse::storage {
class Store;
}  // namespace statehouse::storage

namespace statehouse::auth {

using storage::OrgRole;

// Stack permission levels, as Pulumi Cloud numbers them. Creator (104) is
// equivalent to admin and is folded into kAdmin.
enum class StackPermission : int { kNone = 0, kRead = 101, kWrite = 102, kAdmin = 103 };

// An authenticated caller.
struct Principal {
  storage::UserRecord user;
  std::string token_id;    // "" for update-token calls
  std::string token_name;  // the token's name, else its description
};

// What a route requires.
enum class Need {
  kPublic,       // no authentication
  kUser,         // any authenticated user
  kSiteAdmin,    // a site administrator
  kOrgMember,    // member of route param {org}
  kOrgAdmin,     // admin of route param {org}
  kStackRead,    // read on {org}/{project}/{stack}
  kStackWrite,   // write on it
  kStackAdmin,   // admin on it
  // The lease token of update {updateID} of {org}/{project}/{stack}, sent as
  // "Authorization: update-token <lease>" instead of a user token.
  kUpdateToken,
};

// The outcome of a successful authorization, handed to the handler.
struct Access {
  Principal principal;
  std::optional<storage::OrgRecord> org;      // set for org and stack needs
  OrgRole org_role = OrgRole::kNone;
  std::optional<storage::StackRecord> stack;  // set for stack needs
  StackPermission stack_permission = StackPermission::kNone;
  std::string update_id;  // set for kUpdateToken
  std::string source_ip;  // the caller's address, set by api::Guard
};

// Where a request came from, for the security events of the request path.
struct RequestOrigin {
  std::string_view org;        // the route's {org} parameter; "" when it has none
  std::string_view source_ip;  // the caller's address
};

// The web console's session cookie (src/console/) and the header that must
// carry the session's CSRF token on every state-changing request made with it.
inline constexpr std::string_view kSessionCookieName = "statehouse_session";
inline constexpr std::string_view kCsrfHeader = "x-csrf-token";

// A console request's credentials: the session cookie's value and the CSRF
// header (absent when not sent).
struct SessionCredentials {
  std::string_view cookie;
  std::optional<std::string_view> csrf_token;
  bool state_changing = true;  // any method but GET and HEAD
};

// Thread-safe after construction (SetEventSink only before serving).
//
// Security events (ids of the audit catalog, src/audit/catalog.cc), published once a sink
// is set:
// - user-login, one per org of the user, when Authenticate records a token's
//   use (at most once a minute per token), in the transaction of that write;
// - user-login-failed when Authenticate refuses a request whose route names an
//   existing {org} (RequestOrigin::org);
// - auth-failure-organization-role / auth-failure-stack-permission when
//   Authorize refuses an authenticated caller access to an existing org or
//   stack (403, or 404 hiding it), or a handler refuses one (RecordDenial).
// Each failure event is published in a store transaction of its own and
// throttled in memory: at most one per (org, source IP, kind) every
// kFailureEventSeconds, and none for a new key while kMaxThrottledKeys keys
// are in their quiet period, so a flood of bad requests writes a bounded
// number of rows. A failed publish is logged and never changes the
// outcome of the request (the failure events describe requests that fail
// anyway; user-login rolls back with its lastUsed write).
class Authorizer {
 public:
  static constexpr int64_t kFailureEventSeconds = 10;
  static constexpr size_t kMaxThrottledKeys = 4096;

  Authorizer(storage::Store& store, const Clock& clock) : store_(store), clock_(clock) {}

  // Publishes security events to `sink` (not owned; must outlive this).
  void SetEventSink(events::EventSink* sink) { sink_ = sink; }

  // Authenticate and Authorize in one store read (token, user, org, role,
  // stack and team grants): what the API guard calls for every route that
  // needs a user. Same outcomes and events as the two calls in sequence.
  // With `read_only` (the route only reads) the store may answer an org or
  // stack route from its access cache (storage::AccessQuery::allow_cached).
  Result<Access> Check(std::optional<std::string_view> authorization_header, Need need,
                       std::string_view org, std::string_view project, std::string_view stack,
                       std::string_view source_ip, bool read_only = false);

  // Check for a request that authenticates with a console session instead of
  // an Authorization header: the session (a row looked up on every call,
  // never cached) stands for the access token it was signed in with, which
  // then goes through exactly what Check does with that token. kUnauthenticated
  // when the session is unknown, expired or its token deleted or expired;
  // kPermissionDenied when `state_changing` and the CSRF token is not
  // CsrfTokenFor(cookie).
  Result<Access> CheckSession(const SessionCredentials& credentials, Need need,
                              std::string_view org, std::string_view project,
                              std::string_view stack, std::string_view source_ip,
                              bool read_only = false);

  // The CSRF token of the session whose cookie value is `cookie` (derived
  // from the secret cookie, so nothing more is stored).
  static std::string CsrfTokenFor(std::string_view cookie);

  // Resolves an `Authorization` header value ("token <value>"). kUnauthenticated
  // when absent, malformed, unknown, deleted or expired. Records the token's
  // last use (at most once a minute per token) with its user-login events.
  Result<Principal> Authenticate(std::optional<std::string_view> authorization_header,
                                 const RequestOrigin& origin = {});

  // Checks `need` for the named org/project/stack (empty when the route has
  // none). Names that cannot exist yield kNotFound. `source_ip` goes into the
  // auth-failure events.
  Result<Access> Authorize(Principal principal, Need need, std::string_view org,
                           std::string_view project, std::string_view stack,
                           std::string_view source_ip = {});

  // Authorizes an update-token call: `authorization_header` must be
  // "update-token <lease>" where <lease> is the current (or previous) lease
  // token of update `update_id`, which must belong to the named stack and
  // hold an unexpired lease. kUnauthenticated when the header is absent or
  // malformed; kNotFound when the stack or update does not exist (or do not
  // match); kPermissionDenied when the lease token is wrong, expired or
  // revoked. The Access names the update's requester, org and stack.
  Result<Access> AuthorizeUpdateToken(std::optional<std::string_view> authorization_header,
                                      std::string_view org, std::string_view project,
                                      std::string_view stack, std::string_view update_id);

  // The caller's effective permission on a stack of `org`, where the caller's
  // role in that org is `role`: the maximum of org admin → admin, creator →
  // admin, member → the org's default stack permission, and the caller's
  // team grants on the stack (`team_permission` when already loaded, else
  // read from the store).
  Result<StackPermission> EffectivePermission(const Principal& principal,
                                              const storage::OrgRecord& org, OrgRole role,
                                              const storage::StackRecord& stack,
                                              std::optional<int> team_permission = std::nullopt);

  // Records that a handler refused the caller of `access` (kPermissionDenied
  // after the route's need was granted): auth-failure-stack-permission when
  // the access names a stack, else auth-failure-organization-role, with
  // required "admin". Nothing without access.org.
  void RecordDenial(const Access& access);

 private:
  // The SHA-256 of the access token in `header`; kUnauthenticated (with its
  // user-login-failed event) when absent or malformed.
  Result<std::string> TokenHash(std::optional<std::string_view> header, const RequestOrigin& origin);
  // The principal of `found` (the token looked up by `token_hash`), refusing
  // unknown and expired tokens; records the token's use.
  Result<Principal> Admit(std::optional<storage::TokenLookup> found, const std::string& token_hash,
                          const RequestOrigin& origin);
  // Check once the caller's token hash is known.
  Result<Access> CheckHash(const std::string& hash, Need need, std::string_view org,
                           std::string_view project, std::string_view stack,
                           std::string_view source_ip, bool read_only);
  // Authorize once the store's context for the named org/stack is loaded.
  Result<Access> Decide(Access access, Need need, std::string_view org, std::string_view project,
                        std::string_view stack, std::string_view source_ip,
                        storage::AccessContext context);
  // The store query for `need` on the named org/stack (names that cannot
  // exist are left out).
  static storage::AccessQuery QueryFor(Need need, std::string_view org, std::string_view project,
                                       std::string_view stack);
  // Records a use of the token found by `token_hash` at `now`, with one
  // user-login event per org of its user, unless a use within the last
  // minute is already recorded.
  void RecordUse(const storage::TokenLookup& found, const std::string& token_hash,
                 std::string_view source_ip, int64_t now);
  void LoginFailed(const RequestOrigin& origin, std::string_view reason);
  // Publishes failure event `kind` for `principal` in `org` (throttled); the
  // target is the refused `stack` when given, else the caller's login.
  void Denied(const Principal& principal, const storage::OrgRecord& org, std::string_view source_ip,
              std::string_view kind, std::string_view required, const storage::StackRecord* stack);
  // Whether a failure event for `key` may be published at `now` (and, if
  // so, starts its quiet period).
  bool ThrottleAllows(const std::string& key, int64_t now);
  void PublishAlone(const events::DomainEvent& event);

  storage::Store& store_;
  const Clock& clock_;
  events::EventSink* sink_ = nullptr;

  std::mutex throttle_mu_;
  std::unordered_map<std::string, int64_t> last_failure_event_;  // key → time published
};

// The value of an access token: "pul-" followed by 40 lowercase hex digits.
bool LooksLikeAccessToken(std::string_view value);

}  // namespace statehouse::auth
