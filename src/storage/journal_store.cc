// JournalStore: journal entries stored once per (update, sequence_id)
// (schema: migration 10, journal).
//
// A batch is one transaction of multi-row INSERT ... SELECT FROM (VALUES ...)
// ... ON CONFLICT DO NOTHING statements (one round trip per kChunk entries,
// not per entry), rows in ascending sequence order (so two replicas storing
// overlapping batches of one update never wait on each other's rows in
// opposite orders); the WHERE also checks that the update exists. The
// primary key keeps the first committed copy of a sequence.

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
SH_QUERY(kListJournalEntries,
         "SELECT sequence_id, entry FROM journal_entries WHERE update_id = $1"
         " ORDER BY sequence_id");
SH_QUERY(kCountJournalEntries, "SELECT COUNT(*) FROM journal_entries WHERE update_id = $1");
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
    if (stored == 0) {
      // Either every entry is stored already or the update is absent.
      SH_ASSIGN_OR_RETURN(auto exists, s.Query(kJournalUpdateExists, Params().Text(update_id)));
      if (!exists.Next()) {
        return Fail(Error::NotFound(fmt::format("Update '{}' not found", update_id)));
      }
    }
    return stored;
  });
}

Result<std::vector<JournalEntryRecord>> SqlStore::ListJournalEntries(const std::string& update_id) {
  return engine_->Single([&](Session& s) -> Result<std::vector<JournalEntryRecord>> {
    SH_ASSIGN_OR_RETURN(auto rows, s.Query(kListJournalEntries, Params().Text(update_id)));
    std::vector<JournalEntryRecord> out;
    out.reserve(static_cast<size_t>(rows.Count()));
    while (rows.Next()) out.push_back(JournalEntryRecord{rows.Int(0), rows.Text(1)});
    return out;
  });
}

Result<int64_t> SqlStore::CountJournalEntries(const std::string& update_id) {
  return engine_->Single([&](Session& s) -> Result<int64_t> {
    SH_ASSIGN_OR_RETURN(auto rows, s.Query(kCountJournalEntries, Params().Text(update_id)));
    if (!rows.Next()) return int64_t{0};
    return rows.Int(0);
  });
}

Result<JournalTail> SqlStore::ReadJournalTail(const std::string& update_id,
                                              int64_t after_sequence) {
  return engine_->Single([&](Session& s) -> Result<JournalTail> {
    SH_ASSIGN_OR_RETURN(auto rows,
                        s.Query(kJournalTail, Params().Text(update_id).Int(after_sequence)));
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
  return engine_->Write([&](Session& s) -> Result<int64_t> {
    return s.Execute(kDeleteJournalEntries, Params().Text(update_id));
  });
}

}  // namespace statehouse::storage
