// JournalStore (schema: migration 10). A batch is one transaction of
// multi-row INSERT ... ON CONFLICT DO NOTHING statements (one round trip per
// kChunk entries), rows in ascending sequence order so that two replicas
// storing overlapping batches never wait on each other's rows in opposite
// orders. The primary key keeps the first committed copy of a sequence.

#include <fmt/format.h>

#include <algorithm>
#include <vector>

#include "storage/sql_store.h"

namespace statehouse::storage {
namespace {

// Rows per INSERT statement (2 parameters each, plus the update id).
constexpr size_t kChunk = 250;

// INSERT of `rows` entries: $1 the update id, then (sequence, bytes) pairs.
// VALUES columns are column1, column2 on both engines. RETURNING gives the
// rows actually inserted.
std::string InsertJournalSql(size_t rows) {
  std::string sql =
      "INSERT INTO journal_entries (update_id, sequence_id, entry)"
      " SELECT $1::text, v.column1, v.column2 FROM (VALUES ";
  for (size_t i = 0; i < rows; ++i) {
    if (i > 0) sql += ", ";
    sql += fmt::format("(${}::bigint, ${}::bytea)", 2 * i + 2, 2 * i + 3);
  }
  sql += ") AS v WHERE EXISTS (SELECT 1 FROM updates WHERE id = $1)"
         " ON CONFLICT (update_id, sequence_id) DO NOTHING RETURNING sequence_id";
  return sql;
}
SH_QUERY(kJournalUpdateExists, "SELECT 1 FROM updates WHERE id = $1");
// The figures row is always there; entries above $2 join it (none: one row
// with NULL entry columns).
SH_QUERY(kJournalTail,
         "SELECT t.n, t.m, e.sequence_id, e.entry FROM"
         " (SELECT COUNT(*) AS n, COALESCE(MAX(sequence_id), 0) AS m FROM journal_entries"
         "  WHERE update_id = $1) t"
         " LEFT JOIN journal_entries e ON e.update_id = $1 AND e.sequence_id > $2"
         " ORDER BY e.sequence_id");
SH_QUERY(kDeleteJournalEntries, "DELETE FROM journal_entries WHERE update_id = $1");

}  // namespace

Result<int64_t> SqlStore::AppendJournalEntries(const std::string& update_id,
                                               std::span<const NewJournalEntry> entries) {
  // Ascending sequence, the first of repeated sequences only.
  std::vector<const NewJournalEntry*> batch;
  batch.reserve(entries.size());
  for (const NewJournalEntry& entry : entries) batch.push_back(&entry);
  std::stable_sort(batch.begin(), batch.end(), [](const auto* a, const auto* b) {
    return a->sequence_id < b->sequence_id;
  });
  batch.erase(std::unique(batch.begin(), batch.end(),
                          [](const auto* a, const auto* b) {
                            return a->sequence_id == b->sequence_id;
                          }),
              batch.end());

  return engine_->Write([&](Session& s) -> Result<int64_t> {
    int64_t stored = 0;
    for (size_t first = 0; first < batch.size(); first += kChunk) {
      const size_t n = std::min(kChunk, batch.size() - first);
      Params params;
      params.Text(update_id);
      for (size_t i = first; i < first + n; ++i) params.Int(batch[i]->sequence_id).Bytes(batch[i]->raw);
      SH_ASSIGN_OR_RETURN(auto inserted, s.QueryDynamic(InsertJournalSql(n), params));
      while (inserted.Next()) ++stored;
    }
    // None stored: every entry is stored already, or the update is absent.
    if (stored == 0) {
      SH_TRY(s.RequireRow(kJournalUpdateExists, Params::Of(update_id),
                          fmt::format("Update '{}' not found", update_id)));
    }
    return stored;
  });
}

Result<JournalTail> SqlStore::ReadJournalTail(const std::string& update_id,
                                              int64_t after_sequence) {
  return engine_->Single([&](Session& s) -> Result<JournalTail> {
    SH_ASSIGN_OR_RETURN(auto rows,
                        s.Query(kJournalTail, Params::Of(update_id, after_sequence)));
    JournalTail tail;
    while (rows.Next()) {
      tail.count = rows.Int(0);
      tail.max_sequence = rows.Int(1);
      const int64_t sequence = rows.Int(2);
      if (sequence > after_sequence) tail.entries.push_back({sequence, rows.Text(3)});
    }
    return tail;
  });
}

Result<int64_t> SqlStore::DeleteJournalEntries(const std::string& update_id) {
  return engine_->Write(
      [&](Session& s) { return s.Execute(kDeleteJournalEntries, Params::Of(update_id)); });
}

}  // namespace statehouse::storage
