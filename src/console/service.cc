#include "console/service.h"

#include <algorithm>
#include <utility>

#include "auth/event.h"
#include "crypto/crypto.h"

namespace statehouse::console {

Result<SignedIn> SessionService::SignIn(std::string_view access_token,
                                        std::string_view source_ip) {
  if (!auth::LooksLikeAccessToken(access_token)) {
    return Fail(Error::Unauthenticated("Unauthorized: not a valid access token"));
  }
  SH_ASSIGN_OR_RETURN(auto found, store_.FindTokenByHash(crypto::Sha256Hex(access_token)));
  const int64_t now = clock_.NowSeconds();
  // The same acceptance as every API request with this token.
  const std::string header = "token " + std::string(access_token);
  SH_ASSIGN_OR_RETURN(auth::Principal principal,
                      authorizer_.Authenticate(header, auth::RequestOrigin{{}, source_ip}));
  SignedIn out;
  out.cookie = random_.Hex(32);
  out.csrf_token = auth::Authorizer::CsrfTokenFor(out.cookie);
  out.expires = now + lifetime_seconds_;
  if (found && found->token.expires != 0) out.expires = std::min(out.expires, found->token.expires);
  out.lifetime = out.expires - now;
  out.user = principal.user;
  storage::ConsoleSessionRecord record{random_.Uuid(), crypto::Sha256Hex(out.cookie),
                                       principal.token_id, principal.user.id, now, out.expires};
  events::Actor actor{principal.user.id, principal.user.login,  principal.user.name,
                      principal.token_id, principal.token_name, std::string(source_ip)};
  SH_TRY(store_.RunInTransaction([&]() -> Result<void> {
    SH_TRY(store_.DeleteExpiredConsoleSessions(now));
    SH_TRY(store_.CreateConsoleSession(record));
    return Publish(principal.user, actor, "user-login", now);
  }));
  return out;
}

Result<void> SessionService::SignOut(const auth::Access& access, std::string_view cookie) {
  const int64_t now = clock_.NowSeconds();
  return store_.RunInTransaction([&]() -> Result<void> {
    SH_ASSIGN_OR_RETURN(bool deleted,
                        store_.DeleteConsoleSession(crypto::Sha256Hex(cookie)));
    if (!deleted) return {};
    return Publish(access.principal.user, auth::ActorOf(access), "user-logout", now);
  });
}

Result<void> SessionService::Publish(const storage::UserRecord& user, events::Actor actor,
                                     std::string kind, int64_t now) {
  SH_ASSIGN_OR_RETURN(auto memberships, store_.ListMemberships(user.id));
  events::DomainEvent event;
  event.kind = std::move(kind);
  event.actor = std::move(actor);
  event.target = user.login;
  event.time = now;
  event.fields = {{"via", "console"}};
  for (const auto& m : memberships) {
    event.org_id = m.org_id;
    event.org_name = m.org_name;
    SH_TRY(events_.Publish(event));
  }
  return {};
}

}  // namespace statehouse::console
