#pragma once

// Reading the audit log (V1 API): filtered, keyset-paged listing newest first,
// and bulk reads for export. Rows are never edited or deleted.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/authorizer.h"
#include "common/error.h"
#include "storage/store.h"

namespace statehouse::audit {

// A V1 query. Bounds are inclusive Unix seconds: start_time is the UPPER
// bound (events at or before it), end_time the LOWER bound (events at or
// after it). At least one of start_time and continuation_token is required.
struct AuditLogQuery {
  std::optional<int64_t> start_time;
  std::optional<int64_t> end_time;
  std::optional<std::string> continuation_token;
  // Catalog ids or display names (any case); none = every event.
  std::vector<std::string> event_filters;
  std::optional<std::string> user_login;  // the acting user's login
};

struct AuditLogPage {
  std::vector<storage::AuditEventRecord> events;  // newest first
  // Set when more matching events may follow; pass it back to continue.
  std::optional<std::string> continuation_token;
};

inline constexpr int kDefaultPageSize = 100;
inline constexpr int kMaxPageSize = 1000;
inline constexpr int kMaxExportRows = 100'000;

// Every method takes the Access granted for Need::kOrgAdmin on the route's
// org (access.org is set). Thread-safe; `store` must outlive the service.
class AuditService {
 public:
  explicit AuditService(storage::Store& store) : store_(store) {}

  // One page of at most `page_size` events. kInvalidArgument when neither
  // start_time nor continuation_token is given, for a malformed token, for
  // end_time after start_time, or for page_size outside 1..kMaxPageSize;
  // kNotFound when user_login names no user.
  Result<AuditLogPage> List(const auth::Access& access, const AuditLogQuery& query,
                            int page_size = kDefaultPageSize);

  // Every matching event, newest first, up to `max_rows` (the token is set
  // when that cap cut the result). Errors as for List.
  Result<AuditLogPage> ListAll(const auth::Access& access, const AuditLogQuery& query,
                               int max_rows = kMaxExportRows);

 private:
  Result<storage::AuditQuery> ToStoreQuery(const auth::Access& access, const AuditLogQuery& query);

  storage::Store& store_;
};

// Continuation tokens: unpadded base64url of {"t":<time>,"id":"<id>"}, the
// keyset position of the last event of a page. DecodeContinuationToken also
// accepts a bare decimal Unix time T (the format Pulumi Cloud documents), which
// continues with the events strictly before second T. kInvalidArgument
// otherwise.
std::string EncodeContinuationToken(const storage::AuditQuery::Position& position);
Result<storage::AuditQuery::Position> DecodeContinuationToken(std::string_view token);

}  // namespace statehouse::audit
