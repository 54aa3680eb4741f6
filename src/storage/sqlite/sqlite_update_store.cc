// UpdateStore: updates, leases, checkpoints (base text + delta log) and
// history; also StackStore::GetCurrentState, since the current state may be
// an update's checkpoint.

#include <fmt/format.h>

#include "storage/sqlite/sqlite_internal.h"
#include "storage/sqlite/sqlite_store.h"
#include "updates/delta.h"

namespace statehouse::storage {
namespace sqlite {
namespace {

#define SH_SQLITE_UPDATE_COLUMNS                                                              \
  "id, stack_id, kind, dry_run, message, environment_json, config_json, requested_by,"        \
  " requested_by_login, requested_by_name, status, version, created, started, ended,"         \
  " lease_hash, previous_lease_hash, lease_expires, last_sequence, last_hash, has_checkpoint," \
  " resource_count"

constexpr char kInsertUpdateSql[] =
    "INSERT INTO updates (id, stack_id, kind, dry_run, message, environment_json, config_json,"
    " requested_by, requested_by_login, requested_by_name, status, created)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 0, ?11)";
constexpr char kSelectUpdateSql[] =
    "SELECT " SH_SQLITE_UPDATE_COLUMNS " FROM updates WHERE id = ?1";
constexpr char kStackExistsSql[] = "SELECT version FROM stacks WHERE id = ?1";
constexpr char kSelectRunningSql[] =
    "SELECT id, lease_expires, dry_run, version FROM updates"
    " WHERE stack_id = ?1 AND status = 1 AND id != ?2";
constexpr char kExpireUpdateSql[] =
    "UPDATE updates SET status = 3, ended = ?2, lease_hash = '', previous_lease_hash = ''"
    " WHERE id = ?1";
constexpr char kBumpStackVersionSql[] =
    "UPDATE stacks SET version = MAX(version, ?2) WHERE id = ?1";
constexpr char kStartUpdateSql[] =
    "UPDATE updates SET status = 1, version = ?2, started = ?3, lease_hash = ?4,"
    " previous_lease_hash = '', lease_expires = ?5 WHERE id = ?1 AND status = 0";
constexpr char kMarkStackActiveSql[] =
    "UPDATE stacks SET active_update = ?2,"
    " last_update = CASE WHEN ?4 THEN last_update ELSE ?3 END WHERE id = ?1";
constexpr char kRenewLeaseSql[] =
    "UPDATE updates SET previous_lease_hash = lease_hash, lease_hash = ?2, lease_expires = ?3"
    " WHERE id = ?1 AND status = 1";
constexpr char kFinishUpdateSql[] =
    "UPDATE updates SET status = ?2, ended = ?3,"
    " lease_hash = CASE WHEN ?2 = 4 THEN '' ELSE lease_hash END,"
    " previous_lease_hash = CASE WHEN ?2 = 4 THEN '' ELSE previous_lease_hash END"
    " WHERE id = ?1";

constexpr char kSelectBaseSql[] = "SELECT base FROM update_checkpoints WHERE update_id = ?1";
constexpr char kSelectDeltasSql[] =
    "SELECT delta FROM update_checkpoint_deltas WHERE update_id = ?1 ORDER BY ordinal";
constexpr char kSelectCheckpointStateSql[] =
    "SELECT status, last_sequence, has_checkpoint, base_size, delta_count, delta_bytes, stack_id"
    " FROM updates WHERE id = ?1";
constexpr char kUpsertBaseSql[] =
    "INSERT INTO update_checkpoints (update_id, base) VALUES (?1, ?2)"
    " ON CONFLICT (update_id) DO UPDATE SET base = excluded.base";
constexpr char kDeleteDeltasSql[] = "DELETE FROM update_checkpoint_deltas WHERE update_id = ?1";
constexpr char kInsertDeltaSql[] =
    "INSERT INTO update_checkpoint_deltas (update_id, ordinal, delta) VALUES (?1, ?2, ?3)";
constexpr char kRecordBaseSql[] =
    "UPDATE updates SET last_sequence = ?2, last_hash = ?3, has_checkpoint = 1,"
    " resource_count = ?4, base_size = ?5, delta_count = 0, delta_bytes = 0 WHERE id = ?1";
constexpr char kRecordDeltaSql[] =
    "UPDATE updates SET last_sequence = ?2, last_hash = ?3, resource_count = ?4,"
    " delta_count = delta_count + 1, delta_bytes = delta_bytes + ?5 WHERE id = ?1";
constexpr char kMakeStackStateSql[] =
    "UPDATE stacks SET state_update = ?2, resource_count = ?3 WHERE id = ?1";

constexpr char kSelectStateUpdateSql[] = "SELECT state_update FROM stacks WHERE id = ?1";
constexpr char kSelectStackStateSql[] = "SELECT deployment FROM stack_states WHERE stack_id = ?1";

constexpr char kCountHistorySql[] =
    "SELECT COUNT(*) FROM updates WHERE stack_id = ?1 AND dry_run = 0 AND status != 0";
constexpr char kListHistorySql[] =
    "SELECT " SH_SQLITE_UPDATE_COLUMNS " FROM updates"
    " WHERE stack_id = ?1 AND dry_run = 0 AND status != 0"
    " ORDER BY version DESC, started DESC, id LIMIT ?2 OFFSET ?3";
constexpr char kCountPreviewsSql[] =
    "SELECT COUNT(*) FROM updates"
    " WHERE stack_id = ?1 AND dry_run = 1 AND status != 0 AND version = ?2";
// Start order; rowid (creation order) breaks ties within a second.
constexpr char kListPreviewsAscSql[] =
    "SELECT " SH_SQLITE_UPDATE_COLUMNS " FROM updates"
    " WHERE stack_id = ?1 AND dry_run = 1 AND status != 0 AND version = ?2"
    " ORDER BY started, rowid LIMIT ?3 OFFSET ?4";
constexpr char kListPreviewsDescSql[] =
    "SELECT " SH_SQLITE_UPDATE_COLUMNS " FROM updates"
    " WHERE stack_id = ?1 AND dry_run = 1 AND status != 0 AND version = ?2"
    " ORDER BY started DESC, rowid DESC LIMIT ?3 OFFSET ?4";
constexpr char kSelectHistoryEntrySql[] =
    "SELECT " SH_SQLITE_UPDATE_COLUMNS " FROM updates"
    " WHERE stack_id = ?1 AND dry_run = 0 AND status != 0 AND version = ?2"
    " ORDER BY started DESC LIMIT 1";
constexpr char kSelectVersionCheckpointSql[] =
    "SELECT id FROM updates WHERE stack_id = ?1 AND dry_run = 0 AND status != 0"
    " AND has_checkpoint = 1 AND version <= ?2 ORDER BY version DESC, started DESC LIMIT 1";

#undef SH_SQLITE_UPDATE_COLUMNS

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

UpdateRecord ReadUpdate(const Statement& stmt) {
  UpdateRecord u;
  u.id = stmt.ColumnText(0);
  u.stack_id = stmt.ColumnText(1);
  u.kind = stmt.ColumnText(2);
  u.dry_run = stmt.ColumnInt(3) != 0;
  u.message = stmt.ColumnText(4);
  u.environment_json = stmt.ColumnText(5);
  u.config_json = stmt.ColumnText(6);
  u.requested_by = stmt.ColumnText(7);
  u.requested_by_login = stmt.ColumnText(8);
  u.requested_by_name = stmt.ColumnText(9);
  u.status = ToStatus(stmt.ColumnInt(10));
  u.version = stmt.ColumnInt(11);
  u.created = stmt.ColumnInt(12);
  u.started = stmt.ColumnInt(13);
  u.ended = stmt.ColumnInt(14);
  u.lease_hash = stmt.ColumnText(15);
  u.previous_lease_hash = stmt.ColumnText(16);
  u.lease_expires = stmt.ColumnInt(17);
  u.last_sequence = stmt.ColumnInt(18);
  u.last_hash = stmt.ColumnText(19);
  u.has_checkpoint = stmt.ColumnInt(20) != 0;
  u.resource_count = stmt.ColumnInt(21);
  return u;
}

Error UpdateNotFound() { return Error::NotFound("Update not found"); }

Result<UpdateRecord> LoadUpdate(Connection& conn, const std::string& update_id) {
  SH_ASSIGN_OR_RETURN(auto stmt, conn.Prepare(kSelectUpdateSql));
  stmt.BindText(1, update_id);
  SH_ASSIGN_OR_RETURN(const bool row, stmt.Step());
  if (!row) return Fail(UpdateNotFound());
  return ReadUpdate(stmt);
}

Result<void> RunWith(Connection& conn, const char* sql, const std::string& id, int64_t value) {
  SH_ASSIGN_OR_RETURN(auto stmt, conn.Prepare(sql));
  stmt.BindText(1, id).BindInt(2, value);
  return stmt.Run();
}

// The update's checkpoint text: its base with the delta log applied in order.
Result<std::optional<std::string>> ReadCheckpoint(Connection& conn, const std::string& update_id) {
  std::string text;
  {
    SH_ASSIGN_OR_RETURN(auto stmt, conn.Prepare(kSelectBaseSql));
    stmt.BindText(1, update_id);
    SH_ASSIGN_OR_RETURN(const bool row, stmt.Step());
    if (!row) return std::optional<std::string>();
    text = stmt.ColumnBlob(0);
  }
  SH_ASSIGN_OR_RETURN(auto stmt, conn.Prepare(kSelectDeltasSql));
  stmt.BindText(1, update_id);
  for (;;) {
    SH_ASSIGN_OR_RETURN(const bool row, stmt.Step());
    if (!row) break;
    auto edits = updates::ParseDeploymentDelta(stmt.ColumnBlob(0));
    if (!edits) {
      return Fail(Error::Internal(
          fmt::format("update {}: stored delta unreadable: {}", update_id, edits.error().message)));
    }
    auto applied = updates::ApplyTextEdits(text, *edits);
    if (!applied) {
      return Fail(Error::Internal(
          fmt::format("update {}: stored delta does not apply: {}", update_id,
                      applied.error().message)));
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

// Loads the checkpoint bookkeeping and checks the compare-and-set
// precondition of PutCheckpoint/AppendCheckpointDelta.
Result<CheckpointState> LoadCheckpointState(Connection& conn, const std::string& update_id,
                                            int64_t expected_sequence) {
  SH_ASSIGN_OR_RETURN(auto stmt, conn.Prepare(kSelectCheckpointStateSql));
  stmt.BindText(1, update_id);
  SH_ASSIGN_OR_RETURN(const bool row, stmt.Step());
  if (!row) return Fail(UpdateNotFound());
  CheckpointState state{ToStatus(stmt.ColumnInt(0)), stmt.ColumnInt(1), stmt.ColumnInt(2) != 0,
                        stmt.ColumnInt(3),           stmt.ColumnInt(4), stmt.ColumnInt(5),
                        stmt.ColumnText(6)};
  if (state.status != UpdateStatus::kRunning) {
    return Fail(Error::Conflict("The update is not in progress"));
  }
  if (state.last_sequence != expected_sequence) {
    return Fail(Error::Conflict("Checkpoint sequence number changed concurrently"));
  }
  return state;
}

Result<void> MakeStackState(Connection& conn, const std::string& stack_id,
                            const std::string& update_id, int64_t resource_count) {
  SH_ASSIGN_OR_RETURN(auto stmt, conn.Prepare(kMakeStackStateSql));
  stmt.BindText(1, stack_id).BindText(2, update_id).BindInt(3, resource_count);
  return stmt.Run();
}

Result<void> WriteBase(Connection& conn, const CheckpointState& state, const std::string& update_id,
                       int64_t sequence, const std::string& hash, const std::string& text,
                       int64_t resource_count) {
  {
    SH_ASSIGN_OR_RETURN(auto stmt, conn.Prepare(kUpsertBaseSql));
    stmt.BindText(1, update_id).BindBlob(2, text);
    SH_TRY(stmt.Run());
  }
  if (state.delta_count > 0) {
    SH_ASSIGN_OR_RETURN(auto stmt, conn.Prepare(kDeleteDeltasSql));
    stmt.BindText(1, update_id);
    SH_TRY(stmt.Run());
  }
  {
    SH_ASSIGN_OR_RETURN(auto stmt, conn.Prepare(kRecordBaseSql));
    stmt.BindText(1, update_id)
        .BindInt(2, sequence)
        .BindText(3, hash)
        .BindInt(4, resource_count)
        .BindInt(5, static_cast<int64_t>(text.size()));
    SH_TRY(stmt.Run());
  }
  return MakeStackState(conn, state.stack_id, update_id, resource_count);
}

}  // namespace
}  // namespace sqlite

Result<void> SqliteStore::CreateUpdate(const UpdateRecord& u) {
  return Write([&](Connection& conn) -> Result<void> {
    {
      SH_ASSIGN_OR_RETURN(auto stmt, conn.Prepare(sqlite::kStackExistsSql));
      stmt.BindText(1, u.stack_id);
      SH_ASSIGN_OR_RETURN(const bool row, stmt.Step());
      if (!row) return Fail(Error::NotFound("stack not found"));
    }
    SH_ASSIGN_OR_RETURN(auto stmt, conn.Prepare(sqlite::kInsertUpdateSql));
    stmt.BindText(1, u.id)
        .BindText(2, u.stack_id)
        .BindText(3, u.kind)
        .BindInt(4, u.dry_run ? 1 : 0)
        .BindText(5, u.message)
        .BindText(6, u.environment_json)
        .BindText(7, u.config_json)
        .BindText(8, u.requested_by)
        .BindText(9, u.requested_by_login)
        .BindText(10, u.requested_by_name)
        .BindInt(11, u.created);
    return sqlite::AlreadyExistsAs(stmt.Run(), "update already exists");
  });
}

Result<UpdateRecord> SqliteStore::GetUpdate(const std::string& update_id) {
  return Query([&](Connection& conn) { return sqlite::LoadUpdate(conn, update_id); });
}

Result<UpdateRecord> SqliteStore::StartUpdate(const std::string& update_id,
                                              const std::string& lease_hash,
                                              int64_t lease_expires, int64_t now) {
  return Write([&](Connection& conn) -> Result<UpdateRecord> {
    SH_ASSIGN_OR_RETURN(UpdateRecord update, sqlite::LoadUpdate(conn, update_id));
    if (update.status != UpdateStatus::kNotStarted) {
      return Fail(Error::Conflict("The update has already been started"));
    }
    struct Running {
      std::string id;
      int64_t lease_expires;
      bool dry_run;
      int64_t version;
    };
    std::vector<Running> running;
    {
      SH_ASSIGN_OR_RETURN(auto stmt, conn.Prepare(sqlite::kSelectRunningSql));
      stmt.BindText(1, update.stack_id).BindText(2, update.id);
      for (;;) {
        SH_ASSIGN_OR_RETURN(const bool row, stmt.Step());
        if (!row) break;
        running.push_back(Running{stmt.ColumnText(0), stmt.ColumnInt(1), stmt.ColumnInt(2) != 0,
                                  stmt.ColumnInt(3)});
      }
    }
    for (const Running& other : running) {
      if (other.lease_expires > now) {
        return Fail(Error::Conflict("Another update is currently in progress."));
      }
    }
    for (const Running& other : running) {
      SH_TRY(sqlite::RunWith(conn, sqlite::kExpireUpdateSql, other.id, now));
      if (!other.dry_run) {
        SH_TRY(sqlite::RunWith(conn, sqlite::kBumpStackVersionSql, update.stack_id, other.version));
      }
    }
    int64_t stack_version = 0;
    {
      SH_ASSIGN_OR_RETURN(auto stmt, conn.Prepare(sqlite::kStackExistsSql));
      stmt.BindText(1, update.stack_id);
      SH_ASSIGN_OR_RETURN(const bool row, stmt.Step());
      if (!row) return Fail(Error::NotFound("stack not found"));
      stack_version = stmt.ColumnInt(0);
    }
    const int64_t version = update.dry_run ? stack_version : stack_version + 1;
    {
      SH_ASSIGN_OR_RETURN(auto stmt, conn.Prepare(sqlite::kStartUpdateSql));
      stmt.BindText(1, update.id)
          .BindInt(2, version)
          .BindInt(3, now)
          .BindText(4, lease_hash)
          .BindInt(5, lease_expires);
      SH_TRY(stmt.Run());
    }
    {
      SH_ASSIGN_OR_RETURN(auto stmt, conn.Prepare(sqlite::kMarkStackActiveSql));
      stmt.BindText(1, update.stack_id)
          .BindText(2, update.id)
          .BindInt(3, now)
          .BindInt(4, update.dry_run ? 1 : 0);
      SH_TRY(stmt.Run());
    }
    return sqlite::LoadUpdate(conn, update.id);
  });
}

Result<void> SqliteStore::RenewLease(const std::string& update_id, const std::string& lease_hash,
                                     int64_t lease_expires) {
  return Write([&](Connection& conn) -> Result<void> {
    {
      SH_ASSIGN_OR_RETURN(auto stmt, conn.Prepare(sqlite::kRenewLeaseSql));
      stmt.BindText(1, update_id).BindText(2, lease_hash).BindInt(3, lease_expires);
      SH_TRY(stmt.Run());
    }
    if (conn.Changes() > 0) return {};
    SH_TRY(sqlite::LoadUpdate(conn, update_id));
    return Fail(Error::Conflict("The update is not in progress"));
  });
}

Result<UpdateRecord> SqliteStore::FinishUpdate(const std::string& update_id, UpdateStatus status,
                                               int64_t now) {
  return Write([&](Connection& conn) -> Result<UpdateRecord> {
    SH_ASSIGN_OR_RETURN(UpdateRecord update, sqlite::LoadUpdate(conn, update_id));
    if (update.status == status) return update;
    const bool may_end =
        update.status == UpdateStatus::kRunning ||
        (update.status == UpdateStatus::kNotStarted && status == UpdateStatus::kCancelled);
    if (!may_end || status == UpdateStatus::kRunning || status == UpdateStatus::kNotStarted) {
      return Fail(Error::Conflict("The update is not in progress"));
    }
    {
      SH_ASSIGN_OR_RETURN(auto stmt, conn.Prepare(sqlite::kFinishUpdateSql));
      stmt.BindText(1, update.id).BindInt(2, sqlite::FromStatus(status)).BindInt(3, now);
      SH_TRY(stmt.Run());
    }
    if (!update.dry_run && update.status == UpdateStatus::kRunning) {
      SH_TRY(sqlite::RunWith(conn, sqlite::kBumpStackVersionSql, update.stack_id, update.version));
    }
    return sqlite::LoadUpdate(conn, update.id);
  });
}

Result<std::optional<std::string>> SqliteStore::GetCheckpoint(const std::string& update_id) {
  return Read([&](Connection& conn) -> Result<std::optional<std::string>> {
    SH_TRY(sqlite::LoadUpdate(conn, update_id));
    return sqlite::ReadCheckpoint(conn, update_id);
  });
}

Result<void> SqliteStore::PutCheckpoint(const std::string& update_id, int64_t expected_sequence,
                                        int64_t sequence, const std::string& hash,
                                        const std::string& text, int64_t resource_count) {
  return Write([&](Connection& conn) -> Result<void> {
    SH_ASSIGN_OR_RETURN(auto state,
                        sqlite::LoadCheckpointState(conn, update_id, expected_sequence));
    return sqlite::WriteBase(conn, state, update_id, sequence, hash, text, resource_count);
  });
}

Result<void> SqliteStore::AppendCheckpointDelta(const std::string& update_id,
                                                int64_t expected_sequence, int64_t sequence,
                                                const std::string& hash,
                                                const std::string& delta_json,
                                                const std::string& full_text,
                                                int64_t resource_count,
                                                const CompactionPolicy& policy) {
  return Write([&](Connection& conn) -> Result<void> {
    SH_ASSIGN_OR_RETURN(auto state,
                        sqlite::LoadCheckpointState(conn, update_id, expected_sequence));
    if (!state.has_checkpoint) {
      return Fail(Error::Conflict("The update has no checkpoint to apply a delta to"));
    }
    const int64_t log_bytes = state.delta_bytes + static_cast<int64_t>(delta_json.size());
    if (state.delta_count + 1 > policy.max_deltas ||
        static_cast<double>(log_bytes) >
            policy.max_log_fraction * static_cast<double>(state.base_size)) {
      return sqlite::WriteBase(conn, state, update_id, sequence, hash, full_text, resource_count);
    }
    {
      SH_ASSIGN_OR_RETURN(auto stmt, conn.Prepare(sqlite::kInsertDeltaSql));
      stmt.BindText(1, update_id).BindInt(2, state.delta_count).BindBlob(3, delta_json);
      SH_TRY(stmt.Run());
    }
    {
      SH_ASSIGN_OR_RETURN(auto stmt, conn.Prepare(sqlite::kRecordDeltaSql));
      stmt.BindText(1, update_id)
          .BindInt(2, sequence)
          .BindText(3, hash)
          .BindInt(4, resource_count)
          .BindInt(5, static_cast<int64_t>(delta_json.size()));
      SH_TRY(stmt.Run());
    }
    return sqlite::MakeStackState(conn, state.stack_id, update_id, resource_count);
  });
}

Result<std::optional<std::string>> SqliteStore::GetCurrentState(const std::string& stack_id) {
  return Read([&](Connection& conn) -> Result<std::optional<std::string>> {
    std::string state_update;
    {
      SH_ASSIGN_OR_RETURN(auto stmt, conn.Prepare(sqlite::kSelectStateUpdateSql));
      stmt.BindText(1, stack_id);
      SH_ASSIGN_OR_RETURN(const bool row, stmt.Step());
      if (!row) return std::optional<std::string>();
      state_update = stmt.ColumnText(0);
    }
    if (!state_update.empty()) return sqlite::ReadCheckpoint(conn, state_update);
    SH_ASSIGN_OR_RETURN(auto stmt, conn.Prepare(sqlite::kSelectStackStateSql));
    stmt.BindText(1, stack_id);
    SH_ASSIGN_OR_RETURN(const bool row, stmt.Step());
    if (!row) return std::optional<std::string>();
    return std::optional<std::string>(stmt.ColumnBlob(0));
  });
}

Result<UpdateHistoryPage> SqliteStore::ListHistory(const std::string& stack_id, int64_t offset,
                                                   int64_t limit) {
  return Read([&](Connection& conn) -> Result<UpdateHistoryPage> {
    UpdateHistoryPage page;
    {
      SH_ASSIGN_OR_RETURN(auto stmt, conn.Prepare(sqlite::kCountHistorySql));
      stmt.BindText(1, stack_id);
      SH_ASSIGN_OR_RETURN(const bool row, stmt.Step());
      page.total = row ? stmt.ColumnInt(0) : 0;
    }
    SH_ASSIGN_OR_RETURN(auto stmt, conn.Prepare(sqlite::kListHistorySql));
    stmt.BindText(1, stack_id).BindInt(2, limit < 0 ? -1 : limit).BindInt(3, std::max<int64_t>(offset, 0));
    for (;;) {
      SH_ASSIGN_OR_RETURN(const bool row, stmt.Step());
      if (!row) break;
      page.updates.push_back(sqlite::ReadUpdate(stmt));
    }
    return page;
  });
}

Result<UpdateHistoryPage> SqliteStore::ListPreviews(const std::string& stack_id, int64_t version,
                                                    bool ascending, int64_t offset, int64_t limit) {
  return Read([&](Connection& conn) -> Result<UpdateHistoryPage> {
    UpdateHistoryPage page;
    {
      SH_ASSIGN_OR_RETURN(auto stmt, conn.Prepare(sqlite::kCountPreviewsSql));
      stmt.BindText(1, stack_id).BindInt(2, version);
      SH_ASSIGN_OR_RETURN(const bool row, stmt.Step());
      page.total = row ? stmt.ColumnInt(0) : 0;
    }
    SH_ASSIGN_OR_RETURN(auto stmt, conn.Prepare(ascending ? sqlite::kListPreviewsAscSql
                                                          : sqlite::kListPreviewsDescSql));
    stmt.BindText(1, stack_id)
        .BindInt(2, version)
        .BindInt(3, limit < 0 ? -1 : limit)
        .BindInt(4, std::max<int64_t>(offset, 0));
    for (;;) {
      SH_ASSIGN_OR_RETURN(const bool row, stmt.Step());
      if (!row) break;
      page.updates.push_back(sqlite::ReadUpdate(stmt));
    }
    return page;
  });
}

Result<UpdateRecord> SqliteStore::GetHistoryEntry(const std::string& stack_id, int64_t version) {
  return Query([&](Connection& conn) -> Result<UpdateRecord> {
    SH_ASSIGN_OR_RETURN(auto stmt, conn.Prepare(sqlite::kSelectHistoryEntrySql));
    stmt.BindText(1, stack_id).BindInt(2, version);
    SH_ASSIGN_OR_RETURN(const bool row, stmt.Step());
    if (!row) return Fail(Error::NotFound(fmt::format("Update version {} not found", version)));
    return sqlite::ReadUpdate(stmt);
  });
}

Result<std::optional<std::string>> SqliteStore::GetStateAtVersion(const std::string& stack_id,
                                                                  int64_t version) {
  return Read([&](Connection& conn) -> Result<std::optional<std::string>> {
    std::string update_id;
    {
      SH_ASSIGN_OR_RETURN(auto stmt, conn.Prepare(sqlite::kSelectVersionCheckpointSql));
      stmt.BindText(1, stack_id).BindInt(2, version);
      SH_ASSIGN_OR_RETURN(const bool row, stmt.Step());
      if (!row) return std::optional<std::string>();
      update_id = stmt.ColumnText(0);
    }
    return sqlite::ReadCheckpoint(conn, update_id);
  });
}

}  // namespace statehouse::storage
