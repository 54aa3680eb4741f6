// UpdateStore: updates, leases, checkpoints (base text + delta log) and
// history; also StackStore::GetCurrentState, since the current state may be
// an update's checkpoint.
//
// Rules kept across replicas:
//   * every change of an update's status or checkpoint row-locks the
//     update's stack first (FOR NO KEY UPDATE, so foreign-key checks of
//     concurrent inserts are not blocked), then the update row: starts,
//     finishes and checkpoints of one stack serialize, so at most one update
//     of a stack runs and a checkpoint's compare-and-set on last_sequence
//     sees the latest committed value;
//   * a lapsed lease is ended by a conditional UPDATE (still running, lease
//     still lapsed), so a renewal that commits first keeps its update, and
//     the live-lease check runs afterwards on a fresh snapshot;
//   * RenewLease is one conditional UPDATE (needs no stack lock).
//
// Documents are read with one statement (one snapshot, one round trip) that
// returns the base and the delta log as (kind, ordinal, bytes) rows; the
// deltas are ordered and applied here. Checkpoint writes send their text as
// one binary bytea parameter (with a generic plan when large, so it is not
// copied into a custom plan) and make all their writes in one statement; a
// delta append never rewrites the base.

#include <fmt/format.h>

#include <algorithm>

#include "storage/postgres/pg_internal.h"
#include "storage/postgres/postgres_store.h"
#include "updates/delta.h"

namespace statehouse::storage {
namespace pg {
namespace {

#define SH_PG_UPDATE_COLUMNS                                                                  \
  "id, stack_id, kind, dry_run, message, environment_json, config_json, requested_by,"        \
  " requested_by_login, requested_by_name, status, version, created, started, ended,"         \
  " lease_hash, previous_lease_hash, lease_expires, last_sequence, last_hash, has_checkpoint," \
  " resource_count"

constexpr char kInsertUpdateSql[] =
    "INSERT INTO updates (id, stack_id, kind, dry_run, message, environment_json, config_json,"
    " requested_by, requested_by_login, requested_by_name, status, created)"
    " SELECT $1::text, s.id, $3::text, $4::boolean, $5::text, $6::text, $7::text, $8::text,"
    " $9::text, $10::text, 0, $11::bigint FROM stacks AS s WHERE s.id = $2";
constexpr char kSelectUpdateSql[] = "SELECT " SH_PG_UPDATE_COLUMNS " FROM updates WHERE id = $1";
// Row-locks the stack of the update; no row when the update is absent.
constexpr char kLockStackOfUpdateSql[] =
    "SELECT version FROM stacks WHERE id = (SELECT stack_id FROM updates WHERE id = $1)"
    " FOR NO KEY UPDATE";
// Ends the other running updates of the stack whose lease lapsed.
constexpr char kExpireLapsedSql[] =
    "UPDATE updates SET status = 3, ended = $3, lease_hash = '', previous_lease_hash = ''"
    " WHERE stack_id = $1 AND status = 1 AND id <> $2 AND lease_expires <= $3"
    " RETURNING dry_run, version";
constexpr char kSelectOtherRunningSql[] =
    "SELECT 1 FROM updates WHERE stack_id = $1 AND status = 1 AND id <> $2 LIMIT 1";
// Starts the update and records it on its stack ($6), raising the stack's
// version to $8 (the version of an ended lapsed update).
constexpr char kStartUpdateSql[] =
    "WITH started AS ("
    " UPDATE updates SET status = 1, version = $2, started = $3::bigint, lease_hash = $4,"
    " previous_lease_hash = '', lease_expires = $5 WHERE id = $1::text AND status = 0"
    " RETURNING " SH_PG_UPDATE_COLUMNS "),"
    " marked AS ("
    " UPDATE stacks SET active_update = $1::text,"
    " last_update = CASE WHEN $7::boolean THEN last_update ELSE $3::bigint END,"
    " version = GREATEST(version, $8::bigint) WHERE id = $6)"
    " SELECT * FROM started";
constexpr char kRenewLeaseSql[] =
    "UPDATE updates SET previous_lease_hash = lease_hash, lease_hash = $2, lease_expires = $3"
    " WHERE id = $1 AND status = 1";
constexpr char kUpdateExistsSql[] = "SELECT 1 FROM updates WHERE id = $1";
// Ends the update; the stack ($4) takes version $5 unless it is already
// there.
constexpr char kFinishUpdateSql[] =
    "WITH done AS ("
    " UPDATE updates SET status = $2::integer, ended = $3,"
    " lease_hash = CASE WHEN $2::integer = 4 THEN '' ELSE lease_hash END,"
    " previous_lease_hash = CASE WHEN $2::integer = 4 THEN '' ELSE previous_lease_hash END"
    " WHERE id = $1 RETURNING " SH_PG_UPDATE_COLUMNS "),"
    " bumped AS (UPDATE stacks SET version = $5::bigint WHERE id = $4 AND version < $5::bigint)"
    " SELECT * FROM done";

constexpr char kSelectCheckpointStateSql[] =
    "SELECT status, last_sequence, has_checkpoint, base_size, delta_count, delta_bytes, stack_id"
    " FROM updates WHERE id = $1 FOR NO KEY UPDATE";
// Replaces the base, empties the log, records the checkpoint and makes it
// the stack's ($7) current state.
constexpr char kWriteBaseSql[] =
    "WITH based AS ("
    " INSERT INTO update_checkpoints (update_id, base) VALUES ($1::text, $2)"
    " ON CONFLICT (update_id) DO UPDATE SET base = excluded.base),"
    " emptied AS (DELETE FROM update_checkpoint_deltas WHERE update_id = $1::text),"
    " recorded AS ("
    " UPDATE updates SET last_sequence = $3, last_hash = $4, has_checkpoint = TRUE,"
    " resource_count = $5::bigint, base_size = $6, delta_count = 0, delta_bytes = 0"
    " WHERE id = $1::text)"
    " UPDATE stacks SET state_update = $1::text, resource_count = $5::bigint WHERE id = $7";
// Appends a delta to the log, records the checkpoint and makes it the
// stack's ($8) current state.
constexpr char kAppendDeltaSql[] =
    "WITH added AS ("
    " INSERT INTO update_checkpoint_deltas (update_id, ordinal, delta) VALUES ($1::text, $2, $3)),"
    " recorded AS ("
    " UPDATE updates SET last_sequence = $4, last_hash = $5, resource_count = $6::bigint,"
    " delta_count = delta_count + 1, delta_bytes = delta_bytes + $7::bigint WHERE id = $1::text)"
    " UPDATE stacks SET state_update = $1::text, resource_count = $6::bigint WHERE id = $8";

// Parameters at least this large are planned generically: a custom plan
// (the first five executions of a statement on a connection) copies every
// parameter into the plan as a constant, which costs ~100 ms on 25 MB.
constexpr size_t kGenericPlanBytes = 64 * 1024;
constexpr char kGenericPlansSql[] = "SET LOCAL plan_cache_mode = force_generic_plan";

// Document statements return (kind, ordinal, bytes) rows; see DocumentParts.
constexpr char kSelectCheckpointSql[] =
    "SELECT 0, 0::bigint, NULL::bytea FROM updates WHERE id = $1::text"
    " UNION ALL SELECT 2, 0::bigint, base FROM update_checkpoints WHERE update_id = $1::text"
    " UNION ALL SELECT 3, ordinal, delta FROM update_checkpoint_deltas"
    " WHERE update_id = $1::text";
constexpr char kSelectCurrentStateSql[] =
    "WITH s AS (SELECT id, state_update FROM stacks WHERE id = $1)"
    " SELECT 0, 0::bigint, NULL::bytea FROM s"
    " UNION ALL SELECT 1, 0::bigint, st.deployment FROM s"
    " JOIN stack_states AS st ON st.stack_id = s.id WHERE s.state_update = ''"
    " UNION ALL SELECT 2, 0::bigint, c.base FROM s"
    " JOIN update_checkpoints AS c ON c.update_id = s.state_update WHERE s.state_update <> ''"
    " UNION ALL SELECT 3, d.ordinal, d.delta FROM s"
    " JOIN update_checkpoint_deltas AS d ON d.update_id = s.state_update"
    " WHERE s.state_update <> ''";
constexpr char kSelectStateAtVersionSql[] =
    "WITH v AS (SELECT id FROM updates WHERE stack_id = $1 AND NOT dry_run AND status <> 0"
    " AND has_checkpoint AND version <= $2 ORDER BY version DESC, started DESC, seq DESC LIMIT 1)"
    " SELECT 2, 0::bigint, c.base FROM v JOIN update_checkpoints AS c ON c.update_id = v.id"
    " UNION ALL SELECT 3, d.ordinal, d.delta FROM v"
    " JOIN update_checkpoint_deltas AS d ON d.update_id = v.id";

constexpr char kCountHistorySql[] =
    "SELECT COUNT(*) FROM updates WHERE stack_id = $1 AND NOT dry_run AND status <> 0";
constexpr char kListHistorySql[] =
    "SELECT " SH_PG_UPDATE_COLUMNS " FROM updates"
    " WHERE stack_id = $1 AND NOT dry_run AND status <> 0"
    " ORDER BY version DESC, started DESC, id LIMIT $2 OFFSET $3";
constexpr char kCountPreviewsSql[] =
    "SELECT COUNT(*) FROM updates"
    " WHERE stack_id = $1 AND dry_run AND status <> 0 AND version = $2";
// Start order; seq (creation order) breaks ties within a second.
constexpr char kListPreviewsAscSql[] =
    "SELECT " SH_PG_UPDATE_COLUMNS " FROM updates"
    " WHERE stack_id = $1 AND dry_run AND status <> 0 AND version = $2"
    " ORDER BY started, seq LIMIT $3 OFFSET $4";
constexpr char kListPreviewsDescSql[] =
    "SELECT " SH_PG_UPDATE_COLUMNS " FROM updates"
    " WHERE stack_id = $1 AND dry_run AND status <> 0 AND version = $2"
    " ORDER BY started DESC, seq DESC LIMIT $3 OFFSET $4";
constexpr char kSelectHistoryEntrySql[] =
    "SELECT " SH_PG_UPDATE_COLUMNS " FROM updates"
    " WHERE stack_id = $1 AND NOT dry_run AND status <> 0 AND version = $2"
    " ORDER BY started DESC, seq DESC LIMIT 1";

#undef SH_PG_UPDATE_COLUMNS

UpdateStatus ToStatus(int64_t value) {
  switch (value) {
    case 1:
      return UpdateStatus::kRunning;
    case 2:
      return UpdateStatus::kSucceeded;
    case 3:
      return UpdateStatus::kFailed;
    case 4:
      return UpdateStatus::kCancelled;
    default:
      return UpdateStatus::kNotStarted;
  }
}

int64_t FromStatus(UpdateStatus status) {
  switch (status) {
    case UpdateStatus::kNotStarted:
      return 0;
    case UpdateStatus::kRunning:
      return 1;
    case UpdateStatus::kSucceeded:
      return 2;
    case UpdateStatus::kFailed:
      return 3;
    case UpdateStatus::kCancelled:
      return 4;
  }
  return 0;
}

UpdateRecord ReadUpdate(const Rows& rows) {
  UpdateRecord u;
  u.id = rows.Text(0);
  u.stack_id = rows.Text(1);
  u.kind = rows.Text(2);
  u.dry_run = rows.Bool(3);
  u.message = rows.Text(4);
  u.environment_json = rows.Text(5);
  u.config_json = rows.Text(6);
  u.requested_by = rows.Text(7);
  u.requested_by_login = rows.Text(8);
  u.requested_by_name = rows.Text(9);
  u.status = ToStatus(rows.Int(10));
  u.version = rows.Int(11);
  u.created = rows.Int(12);
  u.started = rows.Int(13);
  u.ended = rows.Int(14);
  u.lease_hash = rows.Text(15);
  u.previous_lease_hash = rows.Text(16);
  u.lease_expires = rows.Int(17);
  u.last_sequence = rows.Int(18);
  u.last_hash = rows.Text(19);
  u.has_checkpoint = rows.Bool(20);
  u.resource_count = rows.Int(21);
  return u;
}

Error UpdateNotFound() { return Error::NotFound("Update not found"); }

Result<UpdateRecord> LoadUpdate(Connection& conn, const std::string& update_id) {
  SH_ASSIGN_OR_RETURN(auto rows, conn.Exec(kSelectUpdateSql, Params().Text(update_id)));
  if (!rows.Next()) return Fail(UpdateNotFound());
  return ReadUpdate(rows);
}

// Row-locks the update's stack until the transaction ends and returns the
// stack's version. kNotFound when the update is absent.
Result<int64_t> LockStackOf(Connection& conn, const std::string& update_id) {
  SH_ASSIGN_OR_RETURN(auto rows, conn.Exec(kLockStackOfUpdateSql, Params().Text(update_id)));
  if (!rows.Next()) return Fail(UpdateNotFound());
  return rows.Int(0);
}

// LIMIT parameter: NULL (no limit) when negative.
Params& Limit(Params& params, int64_t limit) {
  return limit < 0 ? params.Null() : params.Int(limit);
}

// The rows of a document statement: kind 0 marks that the owner (update or
// stack) exists, kind 1 is a whole document, kind 2 a checkpoint base and
// kind 3 a delta of its log with its ordinal.
struct DocumentParts {
  bool found = false;
  std::optional<std::string> document;
  std::optional<std::string> base;
  std::vector<std::pair<int64_t, std::string>> deltas;
};

Result<DocumentParts> ReadDocumentParts(Connection& conn, const char* sql, const Params& params) {
  SH_ASSIGN_OR_RETURN(auto rows, conn.Exec(sql, params));
  DocumentParts parts;
  while (rows.Next()) {
    switch (rows.Int(0)) {
      case 0:
        parts.found = true;
        break;
      case 1:
        parts.document = rows.Bytes(2);
        break;
      case 2:
        parts.base = rows.Bytes(2);
        break;
      default:
        parts.deltas.emplace_back(rows.Int(1), rows.Bytes(2));
        break;
    }
  }
  return parts;
}

// The checkpoint text of `parts`: its base with the delta log applied in
// ordinal order; nullopt without a base. `label` names the checkpoint in
// errors.
Result<std::optional<std::string>> AssembleCheckpoint(DocumentParts& parts,
                                                      std::string_view label) {
  if (!parts.base) return std::optional<std::string>();
  std::string text = std::move(*parts.base);
  std::sort(parts.deltas.begin(), parts.deltas.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  for (const auto& [ordinal, delta] : parts.deltas) {
    auto edits = updates::ParseDeploymentDelta(delta);
    if (!edits) {
      return Fail(Error::Internal(
          fmt::format("{}: stored delta unreadable: {}", label, edits.error().message)));
    }
    auto applied = updates::ApplyTextEdits(text, *edits);
    if (!applied) {
      return Fail(Error::Internal(
          fmt::format("{}: stored delta does not apply: {}", label, applied.error().message)));
    }
    text = std::move(*applied);
  }
  return std::optional<std::string>(std::move(text));
}

struct CheckpointState {
  UpdateStatus status = UpdateStatus::kNotStarted;
  int64_t last_sequence = 0;
  bool has_checkpoint = false;
  int64_t base_size = 0;
  int64_t delta_count = 0;
  int64_t delta_bytes = 0;
  std::string stack_id;
};

// Locks the update's stack, then the update, loads the checkpoint
// bookkeeping and checks the compare-and-set precondition of
// PutCheckpoint/AppendCheckpointDelta.
Result<CheckpointState> LockCheckpointState(Connection& conn, const std::string& update_id,
                                            int64_t expected_sequence) {
  SH_TRY(LockStackOf(conn, update_id));
  SH_ASSIGN_OR_RETURN(auto rows, conn.Exec(kSelectCheckpointStateSql, Params().Text(update_id)));
  if (!rows.Next()) return Fail(UpdateNotFound());
  CheckpointState state{ToStatus(rows.Int(0)), rows.Int(1), rows.Bool(2), rows.Int(3),
                        rows.Int(4),           rows.Int(5), rows.Text(6)};
  if (state.status != UpdateStatus::kRunning) {
    return Fail(Error::Conflict("The update is not in progress"));
  }
  if (state.last_sequence != expected_sequence) {
    return Fail(Error::Conflict("Checkpoint sequence number changed concurrently"));
  }
  return state;
}

Result<void> WriteBase(Connection& conn, const CheckpointState& state, const std::string& update_id,
                       int64_t sequence, const std::string& hash, const std::string& text,
                       int64_t resource_count) {
  if (text.size() >= kGenericPlanBytes) SH_TRY(conn.Run(kGenericPlansSql));
  return conn.Run(kWriteBaseSql, Params()
                                     .Text(update_id)
                                     .Bytes(text)
                                     .Int(sequence)
                                     .Text(hash)
                                     .Int(resource_count)
                                     .Int(static_cast<int64_t>(text.size()))
                                     .Text(state.stack_id));
}

}  // namespace
}  // namespace pg

Result<void> PostgresStore::CreateUpdate(const UpdateRecord& u) {
  return Write([&](Connection& conn) -> Result<void> {
    auto inserted = conn.Exec(pg::kInsertUpdateSql, Params()
                                                        .Text(u.id)
                                                        .Text(u.stack_id)
                                                        .Text(u.kind)
                                                        .Bool(u.dry_run)
                                                        .Text(u.message)
                                                        .Text(u.environment_json)
                                                        .Text(u.config_json)
                                                        .Text(u.requested_by)
                                                        .Text(u.requested_by_login)
                                                        .Text(u.requested_by_name)
                                                        .Int(u.created));
    if (!inserted) {
      Error error = std::move(inserted).error();
      if (error.code == ErrorCode::kAlreadyExists) error.message = "update already exists";
      return Fail(std::move(error));
    }
    if (inserted->Affected() == 0) return Fail(Error::NotFound("stack not found"));
    return {};
  });
}

Result<UpdateRecord> PostgresStore::GetUpdate(const std::string& update_id) {
  return Query([&](Connection& conn) { return pg::LoadUpdate(conn, update_id); });
}

Result<UpdateRecord> PostgresStore::StartUpdate(const std::string& update_id,
                                                const std::string& lease_hash,
                                                int64_t lease_expires, int64_t now) {
  return Write([&](Connection& conn) -> Result<UpdateRecord> {
    SH_ASSIGN_OR_RETURN(const int64_t stack_version, pg::LockStackOf(conn, update_id));
    SH_ASSIGN_OR_RETURN(const UpdateRecord update, pg::LoadUpdate(conn, update_id));
    if (update.status != UpdateStatus::kNotStarted) {
      return Fail(Error::Conflict("The update has already been started"));
    }
    // The stack's version once the lapsed updates it ends are counted.
    int64_t reached = stack_version;
    {
      SH_ASSIGN_OR_RETURN(auto rows, conn.Exec(pg::kExpireLapsedSql, Params()
                                                                         .Text(update.stack_id)
                                                                         .Text(update.id)
                                                                         .Int(now)));
      while (rows.Next()) {
        if (!rows.Bool(0)) reached = std::max(reached, rows.Int(1));
      }
    }
    {
      SH_ASSIGN_OR_RETURN(auto rows, conn.Exec(pg::kSelectOtherRunningSql,
                                               Params().Text(update.stack_id).Text(update.id)));
      if (rows.Next()) return Fail(Error::Conflict("Another update is currently in progress."));
    }
    const int64_t version = update.dry_run ? reached : reached + 1;
    SH_ASSIGN_OR_RETURN(auto rows, conn.Exec(pg::kStartUpdateSql, Params()
                                                                      .Text(update.id)
                                                                      .Int(version)
                                                                      .Int(now)
                                                                      .Text(lease_hash)
                                                                      .Int(lease_expires)
                                                                      .Text(update.stack_id)
                                                                      .Bool(update.dry_run)
                                                                      .Int(reached)));
    if (!rows.Next()) return Fail(Error::Conflict("The update has already been started"));
    return pg::ReadUpdate(rows);
  });
}

Result<void> PostgresStore::RenewLease(const std::string& update_id, const std::string& lease_hash,
                                       int64_t lease_expires) {
  return Write([&](Connection& conn) -> Result<void> {
    {
      SH_ASSIGN_OR_RETURN(auto rows, conn.Exec(pg::kRenewLeaseSql, Params()
                                                                       .Text(update_id)
                                                                       .Text(lease_hash)
                                                                       .Int(lease_expires)));
      if (rows.Affected() > 0) return {};
    }
    SH_ASSIGN_OR_RETURN(auto rows, conn.Exec(pg::kUpdateExistsSql, Params().Text(update_id)));
    if (!rows.Next()) return Fail(pg::UpdateNotFound());
    return Fail(Error::Conflict("The update is not in progress"));
  });
}

Result<UpdateRecord> PostgresStore::FinishUpdate(const std::string& update_id, UpdateStatus status,
                                                 int64_t now) {
  return Write([&](Connection& conn) -> Result<UpdateRecord> {
    SH_TRY(pg::LockStackOf(conn, update_id));
    SH_ASSIGN_OR_RETURN(const UpdateRecord update, pg::LoadUpdate(conn, update_id));
    if (update.status == status) return update;
    const bool may_end =
        update.status == UpdateStatus::kRunning ||
        (update.status == UpdateStatus::kNotStarted && status == UpdateStatus::kCancelled);
    if (!may_end || status == UpdateStatus::kRunning || status == UpdateStatus::kNotStarted) {
      return Fail(Error::Conflict("The update is not in progress"));
    }
    const bool bump = !update.dry_run && update.status == UpdateStatus::kRunning;
    SH_ASSIGN_OR_RETURN(auto rows, conn.Exec(pg::kFinishUpdateSql,
                                             Params()
                                                 .Text(update.id)
                                                 .Int(pg::FromStatus(status))
                                                 .Int(now)
                                                 .Text(update.stack_id)
                                                 .Int(bump ? update.version : -1)));
    if (!rows.Next()) return Fail(pg::UpdateNotFound());
    return pg::ReadUpdate(rows);
  });
}

Result<std::optional<std::string>> PostgresStore::GetCheckpoint(const std::string& update_id) {
  return Query([&](Connection& conn) -> Result<std::optional<std::string>> {
    SH_ASSIGN_OR_RETURN(auto parts, pg::ReadDocumentParts(conn, pg::kSelectCheckpointSql,
                                                          Params().Text(update_id)));
    if (!parts.found) return Fail(pg::UpdateNotFound());
    return pg::AssembleCheckpoint(parts, fmt::format("update {}", update_id));
  });
}

Result<void> PostgresStore::PutCheckpoint(const std::string& update_id, int64_t expected_sequence,
                                          int64_t sequence, const std::string& hash,
                                          const std::string& text, int64_t resource_count) {
  return Write([&](Connection& conn) -> Result<void> {
    SH_ASSIGN_OR_RETURN(auto state, pg::LockCheckpointState(conn, update_id, expected_sequence));
    return pg::WriteBase(conn, state, update_id, sequence, hash, text, resource_count);
  });
}

Result<void> PostgresStore::AppendCheckpointDelta(const std::string& update_id,
                                                  int64_t expected_sequence, int64_t sequence,
                                                  const std::string& hash,
                                                  const std::string& delta_json,
                                                  const std::string& full_text,
                                                  int64_t resource_count,
                                                  const CompactionPolicy& policy) {
  return Write([&](Connection& conn) -> Result<void> {
    SH_ASSIGN_OR_RETURN(auto state, pg::LockCheckpointState(conn, update_id, expected_sequence));
    if (!state.has_checkpoint) {
      return Fail(Error::Conflict("The update has no checkpoint to apply a delta to"));
    }
    const int64_t log_bytes = state.delta_bytes + static_cast<int64_t>(delta_json.size());
    if (state.delta_count + 1 > policy.max_deltas ||
        static_cast<double>(log_bytes) >
            policy.max_log_fraction * static_cast<double>(state.base_size)) {
      return pg::WriteBase(conn, state, update_id, sequence, hash, full_text, resource_count);
    }
    return conn.Run(pg::kAppendDeltaSql, Params()
                                             .Text(update_id)
                                             .Int(state.delta_count)
                                             .Bytes(delta_json)
                                             .Int(sequence)
                                             .Text(hash)
                                             .Int(resource_count)
                                             .Int(static_cast<int64_t>(delta_json.size()))
                                             .Text(state.stack_id));
  });
}

Result<std::optional<std::string>> PostgresStore::GetCurrentState(const std::string& stack_id) {
  return Query([&](Connection& conn) -> Result<std::optional<std::string>> {
    SH_ASSIGN_OR_RETURN(auto parts, pg::ReadDocumentParts(conn, pg::kSelectCurrentStateSql,
                                                          Params().Text(stack_id)));
    if (parts.document) return std::move(parts.document);
    return pg::AssembleCheckpoint(parts, fmt::format("current state of stack {}", stack_id));
  });
}

Result<UpdateHistoryPage> PostgresStore::ListHistory(const std::string& stack_id, int64_t offset,
                                                     int64_t limit) {
  return Read([&](Connection& conn) -> Result<UpdateHistoryPage> {
    UpdateHistoryPage page;
    {
      SH_ASSIGN_OR_RETURN(auto rows, conn.Exec(pg::kCountHistorySql, Params().Text(stack_id)));
      page.total = rows.Next() ? rows.Int(0) : 0;
    }
    Params params;
    params.Text(stack_id);
    pg::Limit(params, limit).Int(std::max<int64_t>(offset, 0));
    SH_ASSIGN_OR_RETURN(auto rows, conn.Exec(pg::kListHistorySql, params));
    while (rows.Next()) page.updates.push_back(pg::ReadUpdate(rows));
    return page;
  });
}

Result<UpdateHistoryPage> PostgresStore::ListPreviews(const std::string& stack_id, int64_t version,
                                                      bool ascending, int64_t offset,
                                                      int64_t limit) {
  return Read([&](Connection& conn) -> Result<UpdateHistoryPage> {
    UpdateHistoryPage page;
    {
      SH_ASSIGN_OR_RETURN(auto rows,
                          conn.Exec(pg::kCountPreviewsSql, Params().Text(stack_id).Int(version)));
      page.total = rows.Next() ? rows.Int(0) : 0;
    }
    Params params;
    params.Text(stack_id).Int(version);
    pg::Limit(params, limit).Int(std::max<int64_t>(offset, 0));
    SH_ASSIGN_OR_RETURN(
        auto rows,
        conn.Exec(ascending ? pg::kListPreviewsAscSql : pg::kListPreviewsDescSql, params));
    while (rows.Next()) page.updates.push_back(pg::ReadUpdate(rows));
    return page;
  });
}

Result<UpdateRecord> PostgresStore::GetHistoryEntry(const std::string& stack_id, int64_t version) {
  return Query([&](Connection& conn) -> Result<UpdateRecord> {
    SH_ASSIGN_OR_RETURN(auto rows,
                        conn.Exec(pg::kSelectHistoryEntrySql, Params().Text(stack_id).Int(version)));
    if (!rows.Next()) {
      return Fail(Error::NotFound(fmt::format("Update version {} not found", version)));
    }
    return pg::ReadUpdate(rows);
  });
}

Result<std::optional<std::string>> PostgresStore::GetStateAtVersion(const std::string& stack_id,
                                                                    int64_t version) {
  return Query([&](Connection& conn) -> Result<std::optional<std::string>> {
    SH_ASSIGN_OR_RETURN(auto parts, pg::ReadDocumentParts(conn, pg::kSelectStateAtVersionSql,
                                                          Params().Text(stack_id).Int(version)));
    return pg::AssembleCheckpoint(parts,
                                  fmt::format("stack {} at version {}", stack_id, version));
  });
}

}  // namespace statehouse::storage
