// EngineEventStore: engine events stored once per (update, sequence).

#include <fmt/format.h>

#include "storage/sqlite/sqlite_internal.h"
#include "storage/sqlite/sqlite_store.h"

namespace statehouse::storage {
namespace sqlite {
namespace {

constexpr char kUpdateExistsSql[] = "SELECT 1 FROM updates WHERE id = ?1";
constexpr char kInsertEventSql[] =
    "INSERT OR IGNORE INTO engine_events (update_id, sequence, timestamp, type, op, json)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
constexpr char kListEventsSql[] =
    "SELECT sequence, timestamp, type, json FROM engine_events"
    " WHERE update_id = ?1 AND sequence >= ?2 ORDER BY sequence LIMIT ?3";
constexpr char kCountOpsSql[] =
    "SELECT op, COUNT(*) FROM engine_events WHERE update_id = ?1 AND op != '' GROUP BY op";
constexpr char kLatestSummarySql[] =
    "SELECT json FROM engine_events WHERE update_id = ?1 AND type = 'summaryEvent'"
    " ORDER BY sequence DESC LIMIT 1";

}  // namespace
}  // namespace sqlite

Result<int64_t> SqliteStore::AppendEngineEvents(const std::string& update_id,
                                                std::span<const NewEngineEvent> events) {
  return Write([&](Connection& conn) -> Result<int64_t> {
    {
      SH_ASSIGN_OR_RETURN(auto exists, conn.Prepare(sqlite::kUpdateExistsSql));
      exists.BindText(1, update_id);
      SH_ASSIGN_OR_RETURN(const bool row, exists.Step());
      if (!row) return Fail(Error::NotFound(fmt::format("Update '{}' not found", update_id)));
    }
    int64_t stored = 0;
    for (const NewEngineEvent& event : events) {
      SH_ASSIGN_OR_RETURN(auto insert, conn.Prepare(sqlite::kInsertEventSql));
      insert.BindText(1, update_id)
          .BindInt(2, event.sequence)
          .BindInt(3, event.timestamp)
          .BindText(4, event.type)
          .BindText(5, event.op)
          .BindBlob(6, event.json);
      SH_TRY(insert.Run());
      stored += conn.Changes();
    }
    return stored;
  });
}

Result<std::vector<EngineEventRecord>> SqliteStore::ListEngineEvents(const std::string& update_id,
                                                                     int64_t from_sequence,
                                                                     int64_t limit) {
  return Query([&](Connection& conn) -> Result<std::vector<EngineEventRecord>> {
    SH_ASSIGN_OR_RETURN(auto stmt, conn.Prepare(sqlite::kListEventsSql));
    stmt.BindText(1, update_id).BindInt(2, from_sequence).BindInt(3, limit);
    std::vector<EngineEventRecord> out;
    for (;;) {
      SH_ASSIGN_OR_RETURN(const bool row, stmt.Step());
      if (!row) break;
      out.push_back(EngineEventRecord{stmt.ColumnInt(0), stmt.ColumnInt(1), stmt.ColumnText(2),
                                      stmt.ColumnBlob(3)});
    }
    return out;
  });
}

Result<std::map<std::string, ResourceChangesRecord>> SqliteStore::GetResourceChanges(
    const std::vector<std::string>& update_ids) {
  return Read([&](Connection& conn) -> Result<std::map<std::string, ResourceChangesRecord>> {
    std::map<std::string, ResourceChangesRecord> out;
    for (const std::string& id : update_ids) {
      ResourceChangesRecord record;
      {
        SH_ASSIGN_OR_RETURN(auto summary, conn.Prepare(sqlite::kLatestSummarySql));
        summary.BindText(1, id);
        SH_ASSIGN_OR_RETURN(const bool row, summary.Step());
        if (row) record.summary_json = summary.ColumnBlob(0);
      }
      {
        SH_ASSIGN_OR_RETURN(auto ops, conn.Prepare(sqlite::kCountOpsSql));
        ops.BindText(1, id);
        for (;;) {
          SH_ASSIGN_OR_RETURN(const bool row, ops.Step());
          if (!row) break;
          record.op_counts[ops.ColumnText(0)] = ops.ColumnInt(1);
        }
      }
      if (record.summary_json || !record.op_counts.empty()) out.emplace(id, std::move(record));
    }
    return out;
  });
}

}  // namespace statehouse::storage
