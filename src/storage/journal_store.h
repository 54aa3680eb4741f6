#pragma once

// Journal entries of journaled updates (shared/spec/journaling.md §3.4,
// §6.1), stored once per (update, sequenceID) with the entry's JSON bytes
// exactly as the CLI sent them (SqlStore: journal_store.cc). Same rules as
// store.h. The store never parses entries: validation and replay are the
// caller's (journal/entry.h, journal/replayer.h).

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"

namespace statehouse::storage {

// An entry to store. The view must stay valid for the duration of the call.
struct NewJournalEntry {
  int64_t sequence_id = 0;
  std::string_view raw;  // the entry object, as sent
};

struct JournalEntryRecord {
  int64_t sequence_id = 0;
  std::string raw;
};

// The stored entries of an update above a sequence, with the count and
// highest sequence of all its stored entries, read in one statement (one
// snapshot).
struct JournalTail {
  int64_t count = 0;         // entries stored
  int64_t max_sequence = 0;  // highest stored sequence_id (0 when none)
  std::vector<JournalEntryRecord> entries;  // sequence_id > after, ascending
};

class JournalStore {
 public:
  virtual ~JournalStore() = default;

  // Stores, in one transaction, the entries whose (update, sequence_id) is
  // not stored yet; entries already stored (or repeated within `entries`)
  // are ignored, never replaced: the first stored copy wins. Returns how many
  // were stored (0 for a re-sent batch). All or nothing: on error none of
  // them is stored. kNotFound if the update is absent.
  virtual Result<int64_t> AppendJournalEntries(const std::string& update_id,
                                               std::span<const NewJournalEntry> entries) = 0;
  // The entries above `after_sequence` and the figures of all of them (see
  // JournalTail); INT64_MAX reads only the figures. Empty for an unknown
  // update.
  virtual Result<JournalTail> ReadJournalTail(const std::string& update_id,
                                              int64_t after_sequence) = 0;
  // Deletes every entry of the update (nothing to do is not an error).
  // Returns how many were deleted.
  virtual Result<int64_t> DeleteJournalEntries(const std::string& update_id) = 0;
};

}  // namespace statehouse::storage
