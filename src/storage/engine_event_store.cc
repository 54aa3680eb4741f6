// EngineEventStore: engine events stored once per (update, sequence)
// (schema: migration 6, engine_events).
//
// A batch is stored with one multi-row INSERT ... SELECT FROM (VALUES ...)
// ON CONFLICT DO NOTHING per chunk of up to kMaxChunkRows events (one
// statement for every batch the CLI sends), which also checks that the
// update exists. The statement texts are generated at compile time for row
// counts that are powers of two; a chunk uses the smallest one that fits and
// pads the rest with NULL rows, which the statement skips. Replicas storing
// overlapping batches of one update at once are fine: the primary key keeps
// one row per sequence, the first committed wins, and each batch inserts in
// ascending sequence order so two batches never wait on each other's rows in
// opposite orders.

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <limits>
#include <string>
#include <vector>

#include "storage/sql_store.h"

namespace statehouse::storage {
namespace {

// Parameters per event row: sequence, timestamp, type, op, json.
constexpr int kEventColumns = 5;
constexpr size_t kMaxChunkRows = 512;
// The PostgreSQL type of each, so that VALUES columns are typed.
constexpr const char* kEventCasts[kEventColumns] = {"::bigint", "::bigint", "::text", "::text",
                                                    "::bytea"};

constexpr void AppendNumber(std::string& out, int value) {
  char digits[12] = {};
  int n = 0;
  do {
    digits[n++] = static_cast<char>('0' + value % 10);
    value /= 10;
  } while (value > 0);
  while (n > 0) out += digits[--n];
}

// $1 the update id; then kEventColumns parameters per row, rows with a NULL
// sequence being padding.
constexpr std::string InsertEventsSql(size_t rows) {
  std::string sql =
      "INSERT INTO engine_events (update_id, sequence, timestamp, type, op, json)"
      " SELECT $1::text, v.column1, v.column2, v.column3, v.column4, v.column5 FROM (VALUES ";
  int param = 2;
  for (size_t r = 0; r < rows; ++r) {
    if (r > 0) sql += ", ";
    sql += '(';
    for (int c = 0; c < kEventColumns; ++c) {
      if (c > 0) sql += ", ";
      sql += '$';
      AppendNumber(sql, param++);
      sql += kEventCasts[c];
    }
    sql += ')';
  }
  sql +=
      ") AS v WHERE v.column1 IS NOT NULL AND EXISTS (SELECT 1 FROM updates WHERE id = $1)"
      " ON CONFLICT (update_id, sequence) DO NOTHING";
  return sql;
}

template <size_t Rows>
constexpr auto kInsertEventsText = [] {
  constexpr size_t size = InsertEventsSql(Rows).size();
  std::array<char, size + 1> text{};
  const std::string sql = InsertEventsSql(Rows);
  for (size_t i = 0; i < size; ++i) text[i] = sql[i];
  return text;
}();

SH_QUERY(kInsertEngineEvents1, kInsertEventsText<1>.data());
SH_QUERY(kInsertEngineEvents2, kInsertEventsText<2>.data());
SH_QUERY(kInsertEngineEvents4, kInsertEventsText<4>.data());
SH_QUERY(kInsertEngineEvents8, kInsertEventsText<8>.data());
SH_QUERY(kInsertEngineEvents16, kInsertEventsText<16>.data());
SH_QUERY(kInsertEngineEvents32, kInsertEventsText<32>.data());
SH_QUERY(kInsertEngineEvents64, kInsertEventsText<64>.data());
SH_QUERY(kInsertEngineEvents128, kInsertEventsText<128>.data());
SH_QUERY(kInsertEngineEvents256, kInsertEventsText<256>.data());
SH_QUERY(kInsertEngineEvents512, kInsertEventsText<512>.data());

// The statement for a chunk of `rows` events (1..kMaxChunkRows) and the
// number of rows it takes.
std::pair<const NamedQuery*, size_t> InsertEventsQuery(size_t rows) {
  static constexpr const NamedQuery* kQueries[] = {
      &kInsertEngineEvents1,  &kInsertEngineEvents2,   &kInsertEngineEvents4,
      &kInsertEngineEvents8,  &kInsertEngineEvents16,  &kInsertEngineEvents32,
      &kInsertEngineEvents64, &kInsertEngineEvents128, &kInsertEngineEvents256,
      &kInsertEngineEvents512};
  size_t index = 0;
  size_t capacity = 1;
  while (capacity < rows) {
    capacity *= 2;
    ++index;
  }
  return {kQueries[index], capacity};
}
static_assert(kMaxChunkRows == 512);

SH_QUERY(kEngineEventUpdateExists, "SELECT 1 FROM updates WHERE id = $1");
SH_QUERY(kListEngineEvents,
         "SELECT sequence, timestamp, type, json FROM engine_events"
         " WHERE update_id = $1 AND sequence >= $2 ORDER BY sequence LIMIT $3");

// Per update of the IN list (placeholder {}): counted ops (op set, json
// NULL) and the latest summaryEvent (op NULL).
constexpr char kResourceChangesSql[] =
    "SELECT update_id, op, COUNT(*), NULL::bytea FROM engine_events"
    " WHERE update_id IN ({0}) AND op <> '' GROUP BY update_id, op"
    " UNION ALL"
    " SELECT e.update_id, NULL, 0::bigint, e.json FROM engine_events AS e"
    " WHERE e.update_id IN ({0}) AND e.type = 'summaryEvent'"
    " AND e.sequence = (SELECT MAX(l.sequence) FROM engine_events AS l"
    " WHERE l.update_id = e.update_id AND l.type = 'summaryEvent')";

}  // namespace

Result<int64_t> SqlStore::AppendEngineEvents(const std::string& update_id,
                                             std::span<const NewEngineEvent> events) {
  // Ascending sequence, the first of repeated sequences only.
  std::vector<const NewEngineEvent*> batch;
  batch.reserve(events.size());
  for (const NewEngineEvent& event : events) batch.push_back(&event);
  std::stable_sort(batch.begin(), batch.end(),
                   [](const auto* a, const auto* b) { return a->sequence < b->sequence; });
  batch.erase(std::unique(batch.begin(), batch.end(),
                          [](const auto* a, const auto* b) { return a->sequence == b->sequence; }),
              batch.end());

  return engine_->Write([&](Session& s) -> Result<int64_t> {
    int64_t stored = 0;
    for (size_t start = 0; start < batch.size(); start += kMaxChunkRows) {
      const size_t rows = std::min(kMaxChunkRows, batch.size() - start);
      const auto [query, capacity] = InsertEventsQuery(rows);
      Params params = Params::Of(update_id);
      for (size_t i = start; i < start + rows; ++i) {
        const NewEngineEvent& event = *batch[i];
        params.Int(event.sequence)
            .Int(event.timestamp)
            .Text(event.type)
            .Text(event.op)
            .Bytes(event.json);
      }
      for (size_t i = rows * kEventColumns; i < capacity * kEventColumns; ++i) params.Null();
      SH_ASSIGN_OR_RETURN(const int64_t inserted, s.Execute(*query, params));
      stored += inserted;
    }
    if (stored == 0) {
      // Either every event is stored already or the update is absent.
      SH_TRY(s.RequireRow(kEngineEventUpdateExists, Params::Of(update_id),
                          fmt::format("Update '{}' not found", update_id)));
    }
    return stored;
  });
}

Result<std::vector<EngineEventRecord>> SqlStore::ListEngineEvents(const std::string& update_id,
                                                                  int64_t from_sequence,
                                                                  int64_t limit) {
  if (limit < 0) limit = std::numeric_limits<int64_t>::max();  // no limit
  return engine_->All(
      kListEngineEvents, Params::Of(update_id, from_sequence, limit), [](const Rows& rows) {
        return EngineEventRecord{rows.Int(0), rows.Int(1), rows.Text(2), rows.Text(3)};
      });
}

Result<std::map<std::string, ResourceChangesRecord>> SqlStore::GetResourceChanges(
    const std::vector<std::string>& update_ids) {
  if (update_ids.empty()) return std::map<std::string, ResourceChangesRecord>{};
  Params params;
  for (const std::string& id : update_ids) params.Text(id);
  const std::string sql = fmt::format(kResourceChangesSql, Placeholders(1, update_ids.size()));
  return engine_->Single([&](Session& s) -> Result<std::map<std::string, ResourceChangesRecord>> {
    SH_ASSIGN_OR_RETURN(auto rows, s.QueryDynamic(sql, params));
    std::map<std::string, ResourceChangesRecord> out;
    while (rows.Next()) {
      ResourceChangesRecord& record = out[rows.Text(0)];
      if (rows.IsNull(1)) {
        record.summary_json = rows.Text(3);
      } else {
        record.op_counts[rows.Text(1)] = rows.Int(2);
      }
    }
    return out;
  });
}

}  // namespace statehouse::storage
