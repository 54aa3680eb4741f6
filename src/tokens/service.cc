#include "tokens/service.h"

#include <fmt/format.h>

#include "auth/event.h"
#include "crypto/crypto.h"

namespace statehouse::tokens {

namespace {

constexpr int64_t kMaxLifetimeSeconds = 2 * 366 * 24 * 3600;
constexpr size_t kMaxNameBytes = 40;
constexpr size_t kMaxDescriptionBytes = 1024;

bool IsUuidLike(const std::string& s) {
  if (s.size() != 36) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? c != '-' : !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

bool IsExpired(const storage::TokenRecord& t, int64_t now) { return t.expires != 0 && t.expires <= now; }

}  // namespace

MintedToken MintTokenWithValue(Random& random, const Clock& clock, const std::string& user_id,
                               std::string name, std::string description, std::string value) {
  MintedToken minted;
  minted.record.id = random.Uuid();
  minted.record.user_id = user_id;
  minted.record.name = std::move(name);
  minted.record.description = std::move(description);
  minted.record.created = clock.NowSeconds();
  minted.hash = crypto::Sha256Hex(value);
  minted.value = std::move(value);
  return minted;
}

MintedToken MintToken(Random& random, const Clock& clock, const std::string& user_id,
                      std::string name, std::string description, int64_t expires) {
  MintedToken minted = MintTokenWithValue(random, clock, user_id, std::move(name),
                                          std::move(description), "pul-" + random.Hex(20));
  minted.record.expires = expires;
  return minted;
}

Result<void> PublishTokenEvent(storage::Store& store, events::EventSink& events,
                               const events::Actor& actor, std::string_view kind,
                               const storage::TokenRecord& token, int64_t now) {
  SH_ASSIGN_OR_RETURN(auto memberships, store.ListMemberships(token.user_id));
  events::DomainEvent event;
  event.kind = std::string(kind);
  event.actor = actor;
  event.target = token.name.empty() ? token.description : token.name;
  event.time = now;
  event.fields = {{"tokenID", token.id}};
  for (const auto& m : memberships) {
    event.org_id = m.org_id;
    event.org_name = m.org_name;
    SH_TRY(events.Publish(event));
  }
  return {};
}

Result<MintedToken> TokenService::Create(const auth::Access& caller, std::string name,
                                         std::string description, int64_t expires) {
  const int64_t now = clock_.NowSeconds();
  if (expires < 0 || (expires != 0 && expires <= now)) {
    return Fail(Error::InvalidArgument("Invalid field 'expires': must be 0 or in the future"));
  }
  if (expires > now + kMaxLifetimeSeconds) {
    return Fail(Error::InvalidArgument(
        "Invalid field 'expires': must be at most two years in the future"));
  }
  if (name.size() > kMaxNameBytes) {
    return Fail(Error::InvalidArgument("Invalid field 'name': at most 40 characters"));
  }
  if (description.size() > kMaxDescriptionBytes) {
    return Fail(Error::InvalidArgument("Invalid field 'description': at most 1024 characters"));
  }
  if (name.empty()) name = description.empty() ? "token" : description.substr(0, kMaxNameBytes);
  MintedToken minted = MintToken(random_, clock_, caller.principal.user.id, std::move(name),
                                 std::move(description), expires);
  SH_TRY(store_.RunInTransaction([&]() -> Result<void> {
    SH_TRY(store_.CreateToken(minted.record, minted.hash));
    return PublishTokenEvent(store_, events_, auth::ActorOf(caller), "personal-token-created",
                             minted.record, now);
  }));
  return minted;
}

Result<TokenPage> TokenService::List(const auth::Principal& caller, TokenFilter filter,
                                     const std::optional<std::string>& continuation_token,
                                     int max_results) {
  if (max_results < 1 || max_results > 1000) {
    return Fail(Error::InvalidArgument("Invalid maxResults: must be between 1 and 1000"));
  }
  if (continuation_token && !IsUuidLike(*continuation_token)) {
    return Fail(Error::InvalidArgument("Invalid continuationToken"));
  }
  const int64_t now = clock_.NowSeconds();
  TokenPage page;
  std::optional<std::string> after = continuation_token;
  // Fetch in batches until the page is full or the tokens run out; the
  // continuation token is the id of the last token examined.
  while (true) {
    const int batch = max_results + 1;
    SH_ASSIGN_OR_RETURN(auto rows, store_.ListTokens(caller.user.id, after, batch));
    for (auto& row : rows) {
      after = row.id;
      bool expired = IsExpired(row, now);
      bool keep = filter == TokenFilter::kAll || (filter == TokenFilter::kExpired) == expired;
      if (!keep) continue;
      if (static_cast<int>(page.tokens.size()) == max_results) {
        page.continuation_token = page.tokens.back().id;
        return page;
      }
      page.tokens.push_back(std::move(row));
    }
    if (static_cast<int>(rows.size()) < batch) return page;
  }
}

Result<void> TokenService::Delete(const auth::Access& caller, const std::string& token_id) {
  Error not_found = Error::NotFound(fmt::format("Token '{}' not found", token_id));
  const std::string& user_id = caller.principal.user.id;
  return store_.RunInTransaction([&]() -> Result<void> {
    // The record, for the event: the user's live tokens, in pages.
    std::optional<storage::TokenRecord> token;
    std::optional<std::string> after;
    constexpr int kBatch = 500;
    while (!token) {
      SH_ASSIGN_OR_RETURN(auto rows, store_.ListTokens(user_id, after, kBatch));
      for (auto& row : rows) {
        if (row.id == token_id) token = std::move(row);
      }
      if (static_cast<int>(rows.size()) < kBatch) break;
      after = rows.back().id;
    }
    if (!token) return Fail(not_found);
    auto deleted = store_.DeleteToken(user_id, token_id);
    if (!deleted && deleted.error().code == ErrorCode::kNotFound) return Fail(not_found);
    SH_TRY(deleted);
    return PublishTokenEvent(store_, events_, auth::ActorOf(caller), "personal-token-deleted",
                             *token, clock_.NowSeconds());
  });
}

}  // namespace statehouse::tokens
