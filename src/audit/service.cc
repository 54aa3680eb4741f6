#include "audit/service.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>

#include "audit/catalog.h"
#include "common/numbers.h"
#include "crypto/base64.h"

namespace statehouse::audit {

namespace {

namespace bj = boost::json;

constexpr size_t kMaxTokenBytes = 1024;

Error InvalidToken() { return Error::InvalidArgument("Invalid continuationToken"); }

std::string ToBase64Url(std::string_view data) {
  std::string text = crypto::Base64Encode(data);
  while (!text.empty() && text.back() == '=') text.pop_back();
  for (char& c : text) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  return text;
}

std::optional<std::string> FromBase64Url(std::string_view text) {
  std::string standard(text);
  for (char& c : standard) {
    if (c == '-') {
      c = '+';
    } else if (c == '_') {
      c = '/';
    } else if (c == '+' || c == '/' || c == '=') {
      return std::nullopt;
    }
  }
  if (standard.size() % 4 == 1) return std::nullopt;
  while (standard.size() % 4 != 0) standard.push_back('=');
  return crypto::Base64Decode(standard);
}

}  // namespace

std::string EncodeContinuationToken(const storage::AuditQuery::Position& position) {
  return ToBase64Url(bj::serialize(bj::object{{"t", position.time}, {"id", position.id}}));
}

Result<storage::AuditQuery::Position> DecodeContinuationToken(std::string_view token) {
  if (token.empty() || token.size() > kMaxTokenBytes) return Fail(InvalidToken());
  if (auto seconds = ParseInt<int64_t>(token)) return storage::AuditQuery::Position{*seconds, ""};
  auto raw = FromBase64Url(token);
  if (!raw) return Fail(InvalidToken());
  boost::system::error_code ec;
  bj::value value = bj::parse(*raw, ec);
  if (ec || !value.is_object()) return Fail(InvalidToken());
  const bj::object& obj = value.get_object();
  const bj::value* time = obj.if_contains("t");
  const bj::value* id = obj.if_contains("id");
  if (obj.size() != 2 || time == nullptr || !time->is_int64() || id == nullptr ||
      !id->is_string() || id->get_string().empty()) {
    return Fail(InvalidToken());
  }
  return storage::AuditQuery::Position{time->get_int64(), std::string(id->get_string())};
}

Result<storage::AuditQuery> AuditService::ToStoreQuery(const auth::Access& access,
                                                       const AuditLogQuery& query) {
  if (!query.start_time && !query.continuation_token) {
    return Fail(Error::InvalidArgument(
        "Missing query parameter: one of 'startTime' or 'continuationToken' is required"));
  }
  if (query.start_time && query.end_time && *query.end_time > *query.start_time) {
    return Fail(Error::InvalidArgument(
        "Invalid time range: 'startTime' is the upper bound (events at or before it) and "
        "'endTime' the lower bound, so endTime must not be after startTime"));
  }
  storage::AuditQuery out;
  out.org_id = access.org->id;
  out.not_after = query.start_time;
  out.not_before = query.end_time;
  if (query.continuation_token) {
    SH_ASSIGN_OR_RETURN(auto position, DecodeContinuationToken(*query.continuation_token));
    out.after = std::move(position);
  }
  for (const std::string& filter : query.event_filters) {
    std::string id = ResolveEventFilter(filter);
    if (id.empty()) continue;
    if (std::find(out.events.begin(), out.events.end(), id) == out.events.end()) {
      out.events.push_back(std::move(id));
    }
  }
  if (query.user_login) {
    auto user = store_.GetUserByLogin(*query.user_login);
    if (!user) {
      if (user.error().code == ErrorCode::kNotFound) {
        return Fail(Error::NotFound(fmt::format("User '{}' not found", *query.user_login)));
      }
      return Fail(std::move(user).error());
    }
    out.user_id = user->id;
  }
  return out;
}

Result<AuditLogPage> AuditService::List(const auth::Access& access, const AuditLogQuery& query,
                                        int page_size) {
  if (page_size < 1 || page_size > kMaxPageSize) {
    return Fail(Error::InvalidArgument(
        fmt::format("Invalid pageSize: must be between 1 and {}", kMaxPageSize)));
  }
  SH_ASSIGN_OR_RETURN(auto store_query, ToStoreQuery(access, query));
  store_query.limit = page_size + 1;
  SH_ASSIGN_OR_RETURN(auto rows, store_.ListAuditEvents(store_query));
  AuditLogPage page;
  if (static_cast<int>(rows.size()) > page_size) {
    rows.resize(static_cast<size_t>(page_size));
    page.continuation_token = EncodeContinuationToken({rows.back().time, rows.back().id});
  }
  page.events = std::move(rows);
  return page;
}

Result<AuditLogPage> AuditService::ListAll(const auth::Access& access, const AuditLogQuery& query,
                                           int max_rows) {
  SH_ASSIGN_OR_RETURN(auto store_query, ToStoreQuery(access, query));
  AuditLogPage out;
  while (static_cast<int>(out.events.size()) < max_rows) {
    const int want = std::min(kMaxPageSize, max_rows - static_cast<int>(out.events.size()));
    store_query.limit = want + 1;
    SH_ASSIGN_OR_RETURN(auto rows, store_.ListAuditEvents(store_query));
    const bool more = static_cast<int>(rows.size()) > want;
    if (more) rows.resize(static_cast<size_t>(want));
    if (rows.empty()) break;
    store_query.after = storage::AuditQuery::Position{rows.back().time, rows.back().id};
    out.events.insert(out.events.end(), std::make_move_iterator(rows.begin()),
                      std::make_move_iterator(rows.end()));
    if (!more) break;
    if (static_cast<int>(out.events.size()) >= max_rows) {
      out.continuation_token = EncodeContinuationToken(*store_query.after);
    }
  }
  return out;
}

}  // namespace statehouse::audit
