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

namespace statehouse::tokens {

// A freshly minted access token: the record to store, its hash, and the value
// shown to the user exactly once.
struct MintedToken {
  storage::TokenRecord record;
  std::string hash;
  std::string value;
};

// Mints a token for `user_id`: value "pul-" + 40 hex digits (160 random bits),
// stored only as its SHA-256.
MintedToken MintToken(Random& random, const Clock& clock, const std::string& user_id,
                      std::string name, std::string description, int64_t expires);

// Mints a token from a caller-chosen value (bootstrap). Same storage rules.
MintedToken MintTokenWithValue(Random& random, const Clock& clock, const std::string& user_id,
                               std::string name, std::string description, std::string value);

enum class TokenFilter { kActive, kExpired, kAll };

struct TokenPage {
  std::vector<storage::TokenRecord> tokens;
  std::optional<std::string> continuation_token;
};

// Personal access tokens of the calling user. Creating and deleting one
// publishes personal-token-created / personal-token-deleted (target: the
// token's name, else its description; field tokenID) once per org the user
// belongs to, in the store transaction of the change; a publish error fails
// the call and rolls the change back. Thread-safe.
class TokenService {
 public:
  TokenService(storage::Store& store, const Clock& clock, Random& random, events::EventSink& events)
      : store_(store), clock_(clock), random_(random), events_(events) {}

  // kInvalidArgument when `expires` is in the past or more than two years ahead,
  // or the name/description is too long.
  Result<MintedToken> Create(const auth::Access& caller, std::string name, std::string description,
                             int64_t expires);
  // kInvalidArgument for a malformed continuation token or max_results outside 1..1000.
  Result<TokenPage> List(const auth::Principal& caller, TokenFilter filter,
                         const std::optional<std::string>& continuation_token, int max_results);
  // kNotFound when the caller has no such token.
  Result<void> Delete(const auth::Access& caller, const std::string& token_id);

 private:
  storage::Store& store_;
  const Clock& clock_;
  Random& random_;
  events::EventSink& events_;
};

// Publishes `kind` (personal-token-created or -deleted) about `token` once per
// org its user belongs to, as done by `actor`. Call inside the transaction of
// the change.
Result<void> PublishTokenEvent(storage::Store& store, events::EventSink& events,
                               const events::Actor& actor, std::string_view kind,
                               const storage::TokenRecord& token, int64_t now);

}  // namespace statehouse::tokens
