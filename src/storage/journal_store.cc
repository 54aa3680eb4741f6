// JournalStore: journal entries stored once per (update, sequence_id)
// (schema: migrations_0010_journal.cc).
//
// A batch is one transaction of single-row INSERT ... SELECT FROM updates ...
// ON CONFLICT DO NOTHING statements, in ascending sequence order (so two
// replicas storing overlapping batches of one update never wait on each
// other's rows in opposite orders); the SELECT also checks that the update
// exists. The primary key keeps the first committed copy of a sequence.

#include <fmt/format.h>

#include <algorithm>
#include <vector>

#include "storage/sql_store.h"

namespace statehouse::storage {
namespace {

SH_QUERY(kInsertJournalEntry,
         "INSERT INTO journal_entries (update_id, sequence_id, entry)"
         " SELECT id, $2::bigint, $3::bytea FROM updates WHERE id = $1"
         " ON CONFLICT (update_id, sequence_id) DO NOTHING");
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
    for (const NewJournalEntry* entry : batch) {
      SH_ASSIGN_OR_RETURN(const int64_t inserted,
                          s.Execute(kInsertJournalEntry, Params()
                                                             .Text(update_id)
                                                             .Int(entry->sequence_id)
                                                             .Bytes(entry->raw)));
      stored += inserted;
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
