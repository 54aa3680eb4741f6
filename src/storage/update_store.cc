// UpdateStore: updates, leases, checkpoints (base text + delta log) and
// history; also StackStore::GetCurrentState, since the current state may be
// an update's checkpoint.
//
// Rules kept across replicas (PostgreSQL; SQLite serializes its writers):
//   * every change of an update's status or checkpoint row-locks the
//     update's stack first (FOR NO KEY UPDATE, so foreign-key checks of
//     concurrent inserts are not blocked), then the update row: starts,
//     finishes and checkpoints of one stack serialize, so at most one update
//     of a stack runs and a checkpoint's compare-and-set on last_sequence
//     sees the latest committed value;
//   * a lapsed lease is ended by a conditional UPDATE (still running, lease
//     still lapsed), so a renewal that commits first keeps its update, and
//     the live-lease check runs afterwards on a fresh snapshot;
//   * RenewLease is one conditional UPDATE (needs no stack lock);
//   * status changes are compare-and-set on the status the caller read
//     (update_store.h).
//
// Documents are read with one statement (one snapshot, one round trip) that
// returns the base and the delta log as (kind, ordinal, bytes) rows; the
// deltas are applied by deployment::AssembleCheckpoint. A delta append never
// rewrites the base.
//
// Engines. A write and its bookkeeping (the stack's active update, version
// and current state) are one statement with data-modifying CTEs on
// PostgreSQL and the same writes as a script of statements on SQLite, with
// the same parameters. `seq` (PostgreSQL) and `rowid` (SQLite) are the
// creation order of updates.

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <string_view>
#include <utility>

#include "deployment/delta.h"
#include "storage/sql_store.h"

namespace statehouse::storage {
namespace {

#define SH_UPDATE_COLUMNS SH_UPDATE_COLUMNS_OF("")

// Inserts nothing when the stack is absent.
SH_QUERY(kInsertUpdate,
         "INSERT INTO updates (id, stack_id, kind, dry_run, message, environment_json, config_json,"
         " requested_by, requested_by_login, requested_by_name, status, created)"
         " SELECT $1::text, s.id, $3::text, $4::boolean, $5::text, $6::text, $7::text, $8::text,"
         " $9::text, $10::text, 0, $11::bigint FROM stacks AS s WHERE s.id = $2");
SH_QUERY(kSelectUpdate, "SELECT " SH_UPDATE_COLUMNS " FROM updates WHERE id = $1");
SH_QUERY(kUpdateExists, "SELECT 1 FROM updates WHERE id = $1");
// Row-locks the stack of the update; no row when the update is absent.
SH_QUERY(kLockStackOfUpdate,
         "SELECT version FROM stacks WHERE id = (SELECT stack_id FROM updates WHERE id = $1)"
         " FOR NO KEY UPDATE");
// Ends the other running updates of the stack whose lease lapsed.
SH_QUERY(kExpireLapsedUpdates,
         "UPDATE updates SET status = 3, ended = $3, lease_hash = '', previous_lease_hash = ''"
         " WHERE stack_id = $1 AND status = 1 AND id <> $2 AND lease_expires <= $3"
         " RETURNING dry_run, version");
SH_QUERY(kSelectOtherRunningUpdate,
         "SELECT 1 FROM updates WHERE stack_id = $1 AND status = 1 AND id <> $2 LIMIT 1");
// Starts the update ($1..$5) if it is still not started and records it on
// its stack ($6): active update, last update time unless a dry run ($7), and
// the version raised to $8 (the version of an ended lapsed update).
#define SH_START_UPDATE                                                                   \
  "UPDATE updates SET status = 1, version = $2, started = $3::bigint, lease_hash = $4," \
  " previous_lease_hash = '', lease_expires = $5 WHERE id = $1::text AND status = 0"    \
  " RETURNING " SH_UPDATE_COLUMNS
#define SH_MARK_STACK_STARTED                                                \
  "UPDATE stacks SET active_update = $1::text,"                              \
  " last_update = CASE WHEN $7::boolean THEN last_update ELSE $3::bigint END," \
  " version = GREATEST(version, $8::bigint) WHERE id = $6"
SH_ENGINE_QUERY(kStartUpdate, SH_START_UPDATE "; " SH_MARK_STACK_STARTED,
                "WITH started AS (" SH_START_UPDATE "), marked AS (" SH_MARK_STACK_STARTED ")"
                " SELECT * FROM started");
#undef SH_START_UPDATE
#undef SH_MARK_STACK_STARTED
SH_QUERY(kRenewLease,
         "UPDATE updates SET previous_lease_hash = lease_hash, lease_hash = $2, lease_expires = $3"
         " WHERE id = $1 AND status = 1");
// Ends the update ($1..$3) if its status is still $4 and, when it did,
// raises the version of its stack ($5) to $6 (-1: leaves it).
#define SH_FINISH_UPDATE                                                              \
  "UPDATE updates SET status = $2::integer, ended = $3,"                              \
  " lease_hash = CASE WHEN $2::integer = 4 THEN '' ELSE lease_hash END,"              \
  " previous_lease_hash = CASE WHEN $2::integer = 4 THEN '' ELSE previous_lease_hash END" \
  " WHERE id = $1 AND status = $4::integer RETURNING " SH_UPDATE_COLUMNS
#define SH_RAISE_STACK_VERSION "UPDATE stacks SET version = $6::bigint WHERE id = $5 AND version < $6::bigint"
SH_ENGINE_QUERY(kFinishUpdate, SH_FINISH_UPDATE "; " SH_RAISE_STACK_VERSION " AND changes() > 0",
                "WITH done AS (" SH_FINISH_UPDATE "),"
                " bumped AS (" SH_RAISE_STACK_VERSION " AND EXISTS (SELECT 1 FROM done))"
                " SELECT * FROM done");
#undef SH_FINISH_UPDATE
#undef SH_RAISE_STACK_VERSION

SH_QUERY(kSelectCheckpointState,
         "SELECT status, last_sequence, has_checkpoint, stack_id FROM updates"
         " WHERE id = $1 FOR NO KEY UPDATE");
// Replaces the base ($1, $2), empties the log, records the checkpoint
// ($3..$6) and makes it the current state of stack $7.
#define SH_UPSERT_CHECKPOINT_BASE                                          \
  "INSERT INTO update_checkpoints (update_id, base) VALUES ($1::text, $2)" \
  " ON CONFLICT (update_id) DO UPDATE SET base = excluded.base"
#define SH_EMPTY_CHECKPOINT_LOG "DELETE FROM update_checkpoint_deltas WHERE update_id = $1::text"
#define SH_RECORD_CHECKPOINT_BASE                                                     \
  "UPDATE updates SET last_sequence = $3, last_hash = $4, has_checkpoint = TRUE,"   \
  " resource_count = $5::bigint, base_size = $6, delta_count = 0, delta_bytes = 0" \
  " WHERE id = $1::text"
#define SH_MAKE_CHECKPOINT_CURRENT(count, stack) \
  "UPDATE stacks SET state_update = $1::text, resource_count = " count "::bigint WHERE id = " stack
SH_ENGINE_QUERY(kWriteCheckpointBase,
                SH_UPSERT_CHECKPOINT_BASE "; " SH_EMPTY_CHECKPOINT_LOG "; " SH_RECORD_CHECKPOINT_BASE
                "; " SH_MAKE_CHECKPOINT_CURRENT("$5", "$7"),
                "WITH based AS (" SH_UPSERT_CHECKPOINT_BASE "),"
                " emptied AS (" SH_EMPTY_CHECKPOINT_LOG "),"
                " recorded AS (" SH_RECORD_CHECKPOINT_BASE ") "
                SH_MAKE_CHECKPOINT_CURRENT("$5", "$7"));
#undef SH_UPSERT_CHECKPOINT_BASE
#undef SH_EMPTY_CHECKPOINT_LOG
#undef SH_RECORD_CHECKPOINT_BASE
// The log figures of update $1 recomputed from its base and log (as the
// statement's snapshot sees them, plus `extra_count` deltas of `extra_bytes`
// bytes): compaction changes the log without touching the update's row.
#define SH_LOG_FIGURES(extra_count, extra_bytes)                                               \
  "base_size = COALESCE((SELECT length(base) FROM update_checkpoints"                          \
  " WHERE update_id = $1::text), 0), delta_count = " extra_count " + (SELECT COUNT(*)"         \
  " FROM update_checkpoint_deltas WHERE update_id = $1::text), delta_bytes = " extra_bytes     \
  " + COALESCE((SELECT SUM(length(delta)) FROM update_checkpoint_deltas"                       \
  " WHERE update_id = $1::text), 0)"
// Appends a delta ($1..$3; its ordinal is its sequence number), records the
// checkpoint ($4..$7) and makes it the current state of stack $8. The figures
// count the new delta on top of what the log held before it (the PostgreSQL
// CTEs share one snapshot; the SQLite script records before inserting).
#define SH_INSERT_CHECKPOINT_DELTA \
  "INSERT INTO update_checkpoint_deltas (update_id, ordinal, delta) VALUES ($1::text, $2, $3)"
#define SH_RECORD_CHECKPOINT_DELTA                                  \
  "UPDATE updates SET last_sequence = $4, last_hash = $5,"          \
  " resource_count = $6::bigint, " SH_LOG_FIGURES("1", "$7::bigint") " WHERE id = $1::text"
SH_ENGINE_QUERY(kAppendCheckpointDelta,
                SH_RECORD_CHECKPOINT_DELTA "; " SH_INSERT_CHECKPOINT_DELTA
                "; " SH_MAKE_CHECKPOINT_CURRENT("$6", "$8"),
                "WITH added AS (" SH_INSERT_CHECKPOINT_DELTA "),"
                " recorded AS (" SH_RECORD_CHECKPOINT_DELTA ") "
                SH_MAKE_CHECKPOINT_CURRENT("$6", "$8"));
#undef SH_INSERT_CHECKPOINT_DELTA
#undef SH_RECORD_CHECKPOINT_DELTA
// Compaction: locks the base row (before any delta row, as a full save does),
// checks that delta $2 is still logged, then makes $3 the base and drops the
// deltas up to $2; the figures are refreshed in a transaction of their own.
SH_QUERY(kLockCheckpointBase,
         "SELECT 1 FROM update_checkpoints WHERE update_id = $1 FOR NO KEY UPDATE");
SH_QUERY(kDeltaLogged,
         "SELECT 1 FROM update_checkpoint_deltas WHERE update_id = $1 AND ordinal = $2");
#define SH_REPLACE_BASE "UPDATE update_checkpoints SET base = $3 WHERE update_id = $1::text"
#define SH_DROP_FOLDED \
  "DELETE FROM update_checkpoint_deltas WHERE update_id = $1::text AND ordinal <= $2::bigint"
SH_ENGINE_QUERY(kFoldCheckpointLog, SH_REPLACE_BASE "; " SH_DROP_FOLDED,
                "WITH based AS (" SH_REPLACE_BASE ") " SH_DROP_FOLDED);
#undef SH_REPLACE_BASE
#undef SH_DROP_FOLDED
SH_QUERY(kRefreshLogFigures, "UPDATE updates SET " SH_LOG_FIGURES("0", "0") " WHERE id = $1::text");
#undef SH_LOG_FIGURES
#undef SH_MAKE_CHECKPOINT_CURRENT

// Document statements return (kind, ordinal, bytes) rows; see DocumentParts.
SH_QUERY(kSelectCheckpointDocument,
         "SELECT 0, 0::bigint, NULL::bytea FROM updates WHERE id = $1::text"
         " UNION ALL SELECT 2, 0::bigint, base FROM update_checkpoints WHERE update_id = $1::text"
         " UNION ALL SELECT 3, ordinal, delta FROM update_checkpoint_deltas"
         " WHERE update_id = $1::text");
SH_QUERY(kSelectCurrentStateDocument,
         "WITH s AS (SELECT id, state_update FROM stacks WHERE id = $1)"
         " SELECT 0, 0::bigint, NULL::bytea FROM s"
         " UNION ALL SELECT 1, 0::bigint, st.deployment FROM s"
         " JOIN stack_states AS st ON st.stack_id = s.id WHERE s.state_update = ''"
         " UNION ALL SELECT 2, 0::bigint, c.base FROM s"
         " JOIN update_checkpoints AS c ON c.update_id = s.state_update WHERE s.state_update <> ''"
         " UNION ALL SELECT 3, d.ordinal, d.delta FROM s"
         " JOIN update_checkpoint_deltas AS d ON d.update_id = s.state_update"
         " WHERE s.state_update <> ''");
#define SH_SELECT_STATE_AT_VERSION(seq)                                                       \
  "WITH v AS (SELECT id FROM updates WHERE stack_id = $1 AND NOT dry_run AND status <> 0"    \
  " AND has_checkpoint AND version <= $2 ORDER BY version DESC, started DESC, " seq " DESC" \
  " LIMIT 1)"                                                                                 \
  " SELECT 2, 0::bigint, c.base FROM v JOIN update_checkpoints AS c ON c.update_id = v.id"    \
  " UNION ALL SELECT 3, d.ordinal, d.delta FROM v"                                            \
  " JOIN update_checkpoint_deltas AS d ON d.update_id = v.id"
SH_ENGINE_QUERY(kSelectStateAtVersionDocument, SH_SELECT_STATE_AT_VERSION("rowid"),
                SH_SELECT_STATE_AT_VERSION("seq"));
#undef SH_SELECT_STATE_AT_VERSION

SH_QUERY(kCountHistory,
         "SELECT COUNT(*) FROM updates WHERE stack_id = $1 AND NOT dry_run AND status <> 0");
SH_QUERY(kListHistory,
         "SELECT " SH_UPDATE_COLUMNS " FROM updates"
         " WHERE stack_id = $1 AND NOT dry_run AND status <> 0"
         " ORDER BY version DESC, started DESC, id LIMIT $2 OFFSET $3");
SH_QUERY(kCountPreviews,
         "SELECT COUNT(*) FROM updates"
         " WHERE stack_id = $1 AND dry_run AND status <> 0 AND version = $2");
// Start order; the creation order breaks ties within a second.
#define SH_LIST_PREVIEWS(order)                                         \
  "SELECT " SH_UPDATE_COLUMNS " FROM updates"                           \
  " WHERE stack_id = $1 AND dry_run AND status <> 0 AND version = $2" \
  " ORDER BY " order " LIMIT $3 OFFSET $4"
SH_ENGINE_QUERY(kListPreviewsAscending, SH_LIST_PREVIEWS("started, rowid"),
                SH_LIST_PREVIEWS("started, seq"));
SH_ENGINE_QUERY(kListPreviewsDescending, SH_LIST_PREVIEWS("started DESC, rowid DESC"),
                SH_LIST_PREVIEWS("started DESC, seq DESC"));
#undef SH_LIST_PREVIEWS
#define SH_SELECT_HISTORY_ENTRY(seq)                                       \
  "SELECT " SH_UPDATE_COLUMNS " FROM updates"                              \
  " WHERE stack_id = $1 AND NOT dry_run AND status <> 0 AND version = $2" \
  " ORDER BY started DESC, " seq " DESC LIMIT 1"
SH_ENGINE_QUERY(kSelectHistoryEntry, SH_SELECT_HISTORY_ENTRY("rowid"),
                SH_SELECT_HISTORY_ENTRY("seq"));
#undef SH_SELECT_HISTORY_ENTRY

#undef SH_UPDATE_COLUMNS

UpdateStatus ToStatus(int64_t value) {
  return value >= 1 && value <= 4 ? static_cast<UpdateStatus>(value) : UpdateStatus::kNotStarted;
}

constexpr std::string_view kUpdateNotFound = "Update not found";

Error UpdateNotFound() { return Error::NotFound(std::string(kUpdateNotFound)); }

Error StatusChanged() { return Error::Conflict("The update's status changed concurrently"); }

UpdateRecord ReadFirstUpdate(const Rows& rows) { return ReadUpdate(rows, 0); }

Result<UpdateRecord> LoadUpdate(Session& s, const std::string& update_id) {
  return s.One(kSelectUpdate, Params::Of(update_id), ReadFirstUpdate, kUpdateNotFound);
}

// Row-locks the update's stack until the transaction ends and returns the
// stack's version. kNotFound when the update is absent.
Result<int64_t> LockStackOf(Session& s, const std::string& update_id) {
  return s.One(
      kLockStackOfUpdate, Params::Of(update_id), [](const Rows& rows) { return rows.Int(0); },
      kUpdateNotFound);
}

// LIMIT parameter: no limit when negative.
int64_t Limit(int64_t limit) { return limit < 0 ? std::numeric_limits<int64_t>::max() : limit; }

// The rows of a document statement: kind 0 marks that the owner (update or
// stack) exists, kind 1 is a whole document, kind 2 a checkpoint base and
// kind 3 a delta of its log with its ordinal.
struct DocumentParts {
  bool found = false;
  std::optional<std::string> document;
  std::optional<std::string> base;
  std::vector<deployment::LoggedDelta> deltas;
};

Result<DocumentParts> ReadDocumentParts(Session& s, const NamedQuery& query,
                                        const Params& params) {
  SH_ASSIGN_OR_RETURN(auto rows, s.Query(query, params));
  DocumentParts parts;
  while (rows.Next()) {
    switch (rows.Int(0)) {
      case 0:
        parts.found = true;
        break;
      case 1:
        parts.document = rows.Text(2);
        break;
      case 2:
        parts.base = rows.Text(2);
        break;
      default:
        parts.deltas.push_back({rows.Int(1), rows.Text(2)});
        break;
    }
  }
  return parts;
}

// The checkpoint text of `parts`: its base with the delta log applied;
// nullopt without a base. `label` names the checkpoint in errors.
template <class Label>
Result<std::optional<std::string>> Assemble(DocumentParts& parts, const Label& label) {
  if (!parts.base) return std::optional<std::string>();
  auto text = deployment::AssembleCheckpoint(std::move(*parts.base), std::move(parts.deltas));
  if (!text) {
    Error error = std::move(text).error();
    error.detail = fmt::format("{}: {}", label(), error.detail);
    return Fail(std::move(error));
  }
  return std::optional<std::string>(std::move(*text));
}

struct CheckpointState {
  UpdateStatus status = UpdateStatus::kNotStarted;
  int64_t last_sequence = 0;
  bool has_checkpoint = false;
  std::string stack_id;
};

// Locks the update's stack, then the update, loads the checkpoint
// bookkeeping and checks the compare-and-set precondition of
// PutCheckpoint/AppendCheckpointDelta.
Result<CheckpointState> LockCheckpointState(Session& s, const std::string& update_id,
                                            int64_t expected_sequence) {
  SH_TRY(LockStackOf(s, update_id));
  SH_ASSIGN_OR_RETURN(auto rows, s.Query(kSelectCheckpointState, Params::Of(update_id)));
  if (!rows.Next()) return Fail(UpdateNotFound());
  CheckpointState state{ToStatus(rows.Int(0)), rows.Int(1), rows.Bool(2), rows.Text(3)};
  if (state.status != UpdateStatus::kRunning) {
    return Fail(Error::Conflict("The update is not in progress"));
  }
  if (state.last_sequence != expected_sequence) {
    return Fail(Error::Conflict("Checkpoint sequence number changed concurrently"));
  }
  return state;
}

}  // namespace

UpdateRecord ReadUpdate(const Rows& rows, int first) {
  UpdateRecord u;
  u.id = rows.Text(first + 0);
  u.stack_id = rows.Text(first + 1);
  u.kind = rows.Text(first + 2);
  u.dry_run = rows.Bool(first + 3);
  u.message = rows.Text(first + 4);
  u.environment_json = rows.Text(first + 5);
  u.config_json = rows.Text(first + 6);
  u.requested_by = rows.Text(first + 7);
  u.requested_by_login = rows.Text(first + 8);
  u.requested_by_name = rows.Text(first + 9);
  u.status = ToStatus(rows.Int(first + 10));
  u.version = rows.Int(first + 11);
  u.created = rows.Int(first + 12);
  u.started = rows.Int(first + 13);
  u.ended = rows.Int(first + 14);
  u.lease_hash = rows.Text(first + 15);
  u.previous_lease_hash = rows.Text(first + 16);
  u.lease_expires = rows.Int(first + 17);
  u.last_sequence = rows.Int(first + 18);
  u.last_hash = rows.Text(first + 19);
  u.has_checkpoint = rows.Bool(first + 20);
  u.resource_count = rows.Int(first + 21);
  u.base_size = rows.Int(first + 22);
  u.delta_count = rows.Int(first + 23);
  u.delta_bytes = rows.Int(first + 24);
  return u;
}

Result<std::optional<std::string>> SqlStore::GetCurrentState(const std::string& stack_id) {
  return engine_->Single([&](Session& s) -> Result<std::optional<std::string>> {
    SH_ASSIGN_OR_RETURN(auto parts,
                        ReadDocumentParts(s, kSelectCurrentStateDocument, Params::Of(stack_id)));
    if (parts.document) return std::move(parts.document);
    return Assemble(parts, [&] { return fmt::format("current state of stack {}", stack_id); });
  });
}

Result<void> SqlStore::CreateUpdate(const UpdateRecord& u) {
  return engine_->Write([&](Session& s) -> Result<void> {
    SH_ASSIGN_OR_RETURN(
        const int64_t inserted,
        AlreadyExistsAs(s.Execute(kInsertUpdate,
                                  Params::Of(u.id, u.stack_id, u.kind, u.dry_run, u.message,
                                             u.environment_json, u.config_json, u.requested_by,
                                             u.requested_by_login, u.requested_by_name, u.created)),
                        "update already exists"));
    if (inserted == 0) return Fail(Error::NotFound("stack not found"));
    return {};
  });
}

Result<UpdateRecord> SqlStore::GetUpdate(const std::string& update_id) {
  return engine_->One(kSelectUpdate, Params::Of(update_id), ReadFirstUpdate, kUpdateNotFound);
}

Result<UpdateRecord> SqlStore::StartUpdate(const std::string& update_id,
                                           const std::string& lease_hash, int64_t lease_expires,
                                           int64_t now) {
  return engine_->Write([&](Session& s) -> Result<UpdateRecord> {
    SH_ASSIGN_OR_RETURN(const int64_t stack_version, LockStackOf(s, update_id));
    SH_ASSIGN_OR_RETURN(const UpdateRecord update, LoadUpdate(s, update_id));
    // Compare-and-set from kNotStarted (checked again by kStartUpdate).
    if (update.status != UpdateStatus::kNotStarted) {
      return Fail(Error::Conflict("The update has already been started"));
    }
    // The stack's version once the lapsed updates it ends are counted.
    int64_t reached = stack_version;
    {
      SH_ASSIGN_OR_RETURN(
          auto rows, s.Query(kExpireLapsedUpdates, Params::Of(update.stack_id, update.id, now)));
      while (rows.Next()) {
        if (!rows.Bool(0)) reached = std::max(reached, rows.Int(1));
      }
    }
    {
      SH_ASSIGN_OR_RETURN(
          auto rows, s.Query(kSelectOtherRunningUpdate, Params::Of(update.stack_id, update.id)));
      if (rows.Next()) return Fail(Error::Conflict("Another update is currently in progress."));
    }
    const int64_t version = update.dry_run ? reached : reached + 1;
    SH_ASSIGN_OR_RETURN(
        auto rows,
        s.Query(kStartUpdate, Params::Of(update.id, version, now, lease_hash, lease_expires,
                                         update.stack_id, update.dry_run, reached)));
    if (!rows.Next()) return Fail(Error::Conflict("The update has already been started"));
    return ReadUpdate(rows, 0);
  });
}

Result<void> SqlStore::RenewLease(const std::string& update_id, const std::string& lease_hash,
                                  int64_t lease_expires) {
  return engine_->Write([&](Session& s) -> Result<void> {
    SH_ASSIGN_OR_RETURN(const int64_t renewed,
                        s.Execute(kRenewLease, Params::Of(update_id, lease_hash, lease_expires)));
    if (renewed > 0) return {};
    SH_TRY(s.RequireRow(kUpdateExists, Params::Of(update_id), kUpdateNotFound));
    return Fail(Error::Conflict("The update is not in progress"));
  });
}

Result<UpdateRecord> SqlStore::FinishUpdate(const std::string& update_id, UpdateStatus expected,
                                            UpdateStatus status, int64_t now) {
  return engine_->Write([&](Session& s) -> Result<UpdateRecord> {
    SH_TRY(LockStackOf(s, update_id));
    SH_ASSIGN_OR_RETURN(const UpdateRecord update, LoadUpdate(s, update_id));
    if (update.status != expected) return Fail(StatusChanged());
    const bool bump = !update.dry_run && expected == UpdateStatus::kRunning;
    SH_ASSIGN_OR_RETURN(
        auto rows, s.Query(kFinishUpdate, Params::Of(update.id, static_cast<int64_t>(status), now,
                                                     static_cast<int64_t>(expected),
                                                     update.stack_id, bump ? update.version : -1)));
    if (!rows.Next()) return Fail(StatusChanged());
    return ReadUpdate(rows, 0);
  });
}

Result<std::optional<std::string>> SqlStore::GetCheckpoint(const std::string& update_id) {
  return engine_->Single([&](Session& s) -> Result<std::optional<std::string>> {
    SH_ASSIGN_OR_RETURN(auto parts,
                        ReadDocumentParts(s, kSelectCheckpointDocument, Params::Of(update_id)));
    if (!parts.found) return Fail(UpdateNotFound());
    return Assemble(parts, [&] { return fmt::format("update {}", update_id); });
  });
}

Result<void> SqlStore::PutCheckpoint(const std::string& update_id, int64_t expected_sequence,
                                     int64_t sequence, const std::string& hash,
                                     const std::string& text, int64_t resource_count) {
  return engine_->Write([&](Session& s) -> Result<void> {
    SH_ASSIGN_OR_RETURN(auto state, LockCheckpointState(s, update_id, expected_sequence));
    return s.Run(kWriteCheckpointBase,
                 Params::Of(update_id, Params::Blob{text}, sequence, hash, resource_count,
                            static_cast<int64_t>(text.size()), state.stack_id));
  });
}

Result<void> SqlStore::AppendCheckpointDelta(const std::string& update_id,
                                             int64_t expected_sequence, int64_t sequence,
                                             const std::string& hash,
                                             const std::string& delta_json,
                                             int64_t resource_count) {
  return engine_->Write([&](Session& s) -> Result<void> {
    SH_ASSIGN_OR_RETURN(auto state, LockCheckpointState(s, update_id, expected_sequence));
    if (!state.has_checkpoint) {
      return Fail(Error::Conflict("The update has no checkpoint to apply a delta to"));
    }
    // The log row's ordinal is the delta's sequence number (see CompactCheckpoint).
    return s.Run(kAppendCheckpointDelta,
                 Params::Of(update_id, sequence, Params::Blob{delta_json}, sequence, hash,
                            resource_count, static_cast<int64_t>(delta_json.size()),
                            state.stack_id));
  });
}

Result<bool> SqlStore::CompactCheckpoint(const std::string& update_id, int64_t through_sequence,
                                         const std::string& text) {
  SH_ASSIGN_OR_RETURN(const bool folded, engine_->Write([&](Session& s) -> Result<bool> {
    SH_ASSIGN_OR_RETURN(auto base, s.Query(kLockCheckpointBase, Params::Of(update_id)));
    if (!base.Next()) return false;
    SH_ASSIGN_OR_RETURN(auto logged,
                        s.Query(kDeltaLogged, Params::Of(update_id, through_sequence)));
    if (!logged.Next()) return false;
    SH_TRY(s.Run(kFoldCheckpointLog,
                 Params::Of(update_id, through_sequence, Params::Blob{text})));
    return true;
  }));
  if (folded) {
    SH_TRY(engine_->Write(
        [&](Session& s) { return s.Run(kRefreshLogFigures, Params::Of(update_id)); }));
  }
  return folded;
}

Result<UpdateHistoryPage> SqlStore::ListHistory(const std::string& stack_id, int64_t offset,
                                                int64_t limit) {
  return engine_->Read([&](Session& s) -> Result<UpdateHistoryPage> {
    UpdateHistoryPage page;
    SH_ASSIGN_OR_RETURN(page.total, s.QueryInt(kCountHistory, Params::Of(stack_id)));
    SH_ASSIGN_OR_RETURN(auto rows, s.Query(kListHistory, Params::Of(stack_id, Limit(limit),
                                                                    std::max<int64_t>(offset, 0))));
    page.updates = rows.All(ReadFirstUpdate);
    return page;
  });
}

Result<UpdateHistoryPage> SqlStore::ListPreviews(const std::string& stack_id, int64_t version,
                                                 bool ascending, int64_t offset, int64_t limit) {
  return engine_->Read([&](Session& s) -> Result<UpdateHistoryPage> {
    UpdateHistoryPage page;
    SH_ASSIGN_OR_RETURN(page.total, s.QueryInt(kCountPreviews, Params::Of(stack_id, version)));
    SH_ASSIGN_OR_RETURN(
        auto rows,
        s.Query(ascending ? kListPreviewsAscending : kListPreviewsDescending,
                Params::Of(stack_id, version, Limit(limit), std::max<int64_t>(offset, 0))));
    page.updates = rows.All(ReadFirstUpdate);
    return page;
  });
}

Result<UpdateRecord> SqlStore::GetHistoryEntry(const std::string& stack_id, int64_t version) {
  return engine_->One(kSelectHistoryEntry, Params::Of(stack_id, version), ReadFirstUpdate,
                      fmt::format("Update version {} not found", version));
}

Result<std::optional<std::string>> SqlStore::GetStateAtVersion(const std::string& stack_id,
                                                               int64_t version) {
  return engine_->Single([&](Session& s) -> Result<std::optional<std::string>> {
    SH_ASSIGN_OR_RETURN(auto parts, ReadDocumentParts(s, kSelectStateAtVersionDocument,
                                                      Params::Of(stack_id, version)));
    return Assemble(parts,
                    [&] { return fmt::format("stack {} at version {}", stack_id, version); });
  });
}

}  // namespace statehouse::storage
