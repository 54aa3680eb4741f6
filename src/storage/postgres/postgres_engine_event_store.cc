// EngineEventStore: engine events stored once per (update, sequence).
//
// A batch is one INSERT ... SELECT FROM unnest(arrays) ON CONFLICT DO
// NOTHING, with the arrays sent as binary parameters (event JSON byte for
// byte, no escaping). Replicas storing overlapping batches of one update at
// once are fine: the primary key keeps one row per sequence, the first
// committed wins, and each batch inserts in ascending sequence order so two
// batches never wait on each other's rows in opposite orders.

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "storage/postgres/pg_internal.h"
#include "storage/postgres/postgres_store.h"

namespace statehouse::storage {
namespace pg {
namespace {

constexpr char kInsertEventsSql[] =
    "WITH stored AS ("
    " INSERT INTO engine_events (update_id, sequence, timestamp, type, op, json)"
    " SELECT $1::text, e.sequence, e.timestamp, e.type, e.op, e.json"
    " FROM unnest($2::bigint[], $3::bigint[], $4::text[], $5::text[], $6::bytea[])"
    " AS e (sequence, timestamp, type, op, json)"
    " WHERE EXISTS (SELECT 1 FROM updates WHERE id = $1::text)"
    " ON CONFLICT (update_id, sequence) DO NOTHING RETURNING 1)"
    " SELECT EXISTS (SELECT 1 FROM updates WHERE id = $1::text), (SELECT COUNT(*) FROM stored)";
constexpr char kUpdateExistsSql[] = "SELECT 1 FROM updates WHERE id = $1";
constexpr char kListEventsSql[] =
    "SELECT sequence, timestamp, type, json FROM engine_events"
    " WHERE update_id = $1 AND sequence >= $2 ORDER BY sequence LIMIT $3";
// Per update: counted ops (op set, json NULL) and the latest summaryEvent
// (op NULL).
constexpr char kResourceChangesSql[] =
    "SELECT update_id, op, COUNT(*), NULL::bytea FROM engine_events"
    " WHERE update_id = ANY($1::text[]) AND op <> '' GROUP BY update_id, op"
    " UNION ALL"
    " SELECT i.id, NULL, 0::bigint, s.json FROM unnest($1::text[]) AS i (id)"
    " CROSS JOIN LATERAL (SELECT json FROM engine_events"
    " WHERE update_id = i.id AND type = 'summaryEvent' ORDER BY sequence DESC LIMIT 1) AS s";

// Batches at least this large are planned generically: a custom plan (the
// first five executions of a statement on a connection) copies every
// parameter into the plan as a constant.
constexpr size_t kGenericPlanBytes = 64 * 1024;
constexpr char kGenericPlansSql[] = "SET LOCAL plan_cache_mode = force_generic_plan";

// Type oids of array elements.
constexpr uint32_t kByteaOid = 17;
constexpr uint32_t kInt8Oid = 20;
constexpr uint32_t kTextOid = 25;

// A one-dimensional array without NULLs in PostgreSQL's binary format
// (array_recv), for an `$n::type[]` parameter sent with Params::Bytes.
class BinaryArray {
 public:
  BinaryArray(uint32_t element_oid, size_t count, size_t payload_bytes) {
    data_.reserve(20 + count * 4 + payload_bytes);
    Put32(1);  // dimensions
    Put32(0);  // no NULLs
    Put32(element_oid);
    Put32(static_cast<uint32_t>(count));
    Put32(1);  // lower bound
  }

  void Add(std::string_view bytes) {
    Put32(static_cast<uint32_t>(bytes.size()));
    data_.append(bytes);
  }
  void AddInt8(int64_t value) {
    Put32(8);
    const auto v = static_cast<uint64_t>(value);
    for (int shift = 56; shift >= 0; shift -= 8) data_.push_back(static_cast<char>(v >> shift));
  }

  const std::string& data() const { return data_; }

 private:
  void Put32(uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8) data_.push_back(static_cast<char>(v >> shift));
  }
  std::string data_;
};

}  // namespace
}  // namespace pg

Result<int64_t> PostgresStore::AppendEngineEvents(const std::string& update_id,
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
  size_t json_bytes = 0;
  size_t label_bytes = 0;
  for (const NewEngineEvent* event : batch) {
    json_bytes += event->json.size();
    label_bytes += event->type.size() + event->op.size();
  }
  pg::BinaryArray sequences(pg::kInt8Oid, batch.size(), batch.size() * 8);
  pg::BinaryArray timestamps(pg::kInt8Oid, batch.size(), batch.size() * 8);
  pg::BinaryArray types(pg::kTextOid, batch.size(), label_bytes);
  pg::BinaryArray ops(pg::kTextOid, batch.size(), label_bytes);
  pg::BinaryArray jsons(pg::kByteaOid, batch.size(), json_bytes);
  for (const NewEngineEvent* event : batch) {
    sequences.AddInt8(event->sequence);
    timestamps.AddInt8(event->timestamp);
    types.Add(event->type);
    ops.Add(event->op);
    jsons.Add(event->json);
  }

  return Write([&](Connection& conn) -> Result<int64_t> {
    if (batch.empty()) {
      SH_ASSIGN_OR_RETURN(auto rows, conn.Exec(pg::kUpdateExistsSql, Params().Text(update_id)));
      if (!rows.Next()) return Fail(Error::NotFound(fmt::format("Update '{}' not found", update_id)));
      return int64_t{0};
    }
    if (jsons.data().size() >= pg::kGenericPlanBytes) SH_TRY(conn.Run(pg::kGenericPlansSql));
    SH_ASSIGN_OR_RETURN(auto rows, conn.Exec(pg::kInsertEventsSql, Params()
                                                                       .Text(update_id)
                                                                       .Bytes(sequences.data())
                                                                       .Bytes(timestamps.data())
                                                                       .Bytes(types.data())
                                                                       .Bytes(ops.data())
                                                                       .Bytes(jsons.data())));
    if (!rows.Next() || !rows.Bool(0)) {
      return Fail(Error::NotFound(fmt::format("Update '{}' not found", update_id)));
    }
    return rows.Int(1);
  });
}

Result<std::vector<EngineEventRecord>> PostgresStore::ListEngineEvents(const std::string& update_id,
                                                                       int64_t from_sequence,
                                                                       int64_t limit) {
  return Query([&](Connection& conn) -> Result<std::vector<EngineEventRecord>> {
    Params params;
    params.Text(update_id).Int(from_sequence);
    if (limit < 0) {
      params.Null();
    } else {
      params.Int(limit);
    }
    SH_ASSIGN_OR_RETURN(auto rows, conn.Exec(pg::kListEventsSql, params));
    std::vector<EngineEventRecord> out;
    out.reserve(static_cast<size_t>(rows.count()));
    while (rows.Next()) {
      out.push_back(EngineEventRecord{rows.Int(0), rows.Int(1), rows.Text(2), rows.Bytes(3)});
    }
    return out;
  });
}

Result<std::map<std::string, ResourceChangesRecord>> PostgresStore::GetResourceChanges(
    const std::vector<std::string>& update_ids) {
  if (update_ids.empty()) return std::map<std::string, ResourceChangesRecord>{};
  return Query([&](Connection& conn) -> Result<std::map<std::string, ResourceChangesRecord>> {
    SH_ASSIGN_OR_RETURN(auto rows, conn.Exec(pg::kResourceChangesSql,
                                             Params().Text(pg::TextArray(update_ids))));
    std::map<std::string, ResourceChangesRecord> out;
    while (rows.Next()) {
      ResourceChangesRecord& record = out[rows.Text(0)];
      if (rows.IsNull(1)) {
        record.summary_json = rows.Bytes(3);
      } else {
        record.op_counts[rows.Text(1)] = rows.Int(2);
      }
    }
    return out;
  });
}

}  // namespace statehouse::storage
