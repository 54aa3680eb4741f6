#pragma once

// Web console sessions: sign in with an access token, sign out. No HTTP here
// (handlers.cc); the Authorizer resolves sessions on every request
// (auth::Authorizer::CheckSession).

#include <cstdint>
#include <string>
#include <string_view>

#include "auth/authorizer.h"
#include "common/clock.h"
#include "common/error.h"
#include "common/random.h"
#include "events/domain_event.h"
#include "storage/store.h"

namespace statehouse::console {

struct SignedIn {
  std::string cookie;      // the session cookie's value (shown once, stored hashed)
  std::string csrf_token;  // auth::Authorizer::CsrfTokenFor(cookie)
  int64_t expires = 0;     // Unix seconds
  int64_t lifetime = 0;    // seconds from now to expires
  storage::UserRecord user;
};

// Thread-safe.
//
// Events: sign-in publishes user-login (field "via": "console") once per org
// of the user, sign-out user-logout likewise, each in the transaction of
// the session's row.
class SessionService {
 public:
  static constexpr int64_t kDefaultLifetimeSeconds = 12 * 60 * 60;

  SessionService(storage::Store& store, const Clock& clock, Random& random,
                 events::EventSink& events, auth::Authorizer& authorizer,
                 int64_t lifetime_seconds = kDefaultLifetimeSeconds)
      : store_(store),
        clock_(clock),
        random_(random),
        events_(events),
        authorizer_(authorizer),
        lifetime_seconds_(lifetime_seconds) {}

  // Starts a session for the owner of `access_token` (an access token's
  // value). kUnauthenticated when it is not a live token. Expired sessions
  // are swept on the way. The session never outlives its token's expiry.
  Result<SignedIn> SignIn(std::string_view access_token, std::string_view source_ip);

  // Ends the session whose cookie is `cookie`, made by the caller of
  // `access`. Ending one that is already gone is not an error.
  Result<void> SignOut(const auth::Access& access, std::string_view cookie);

 private:
  Result<void> Publish(const storage::UserRecord& user, events::Actor actor, std::string kind,
                       int64_t now);

  storage::Store& store_;
  const Clock& clock_;
  Random& random_;
  events::EventSink& events_;
  auth::Authorizer& authorizer_;
  int64_t lifetime_seconds_;
};

}  // namespace statehouse::console
