#pragma once

// Incremental folds of running journaled updates (shared/spec/journaling.md
// §6.2, §8 "When to replay" and "Multi-replica").
//
// One fold per update: a journal::Replayer on the update's base holding the
// entries folded so far, with how many distinct sequence IDs it holds and the
// highest one. The journal_entries table stays the source of truth; a fold is
// only a cache of it, shared by nothing but this process:
//
//  * Acknowledged (PATCH …/journalentries, after the commit) folds the batch
//    just stored into the update's fold when one is held: O(batch). It never
//    creates a fold (that needs the base, O(resources)) and folds nothing
//    unless this call stored every entry of the batch (otherwise another
//    replica stored some first, and the stored copies are the ones to fold).
//  * Materialize reads, in one statement, the stored entries above the fold's
//    highest folded sequence together with the count and highest sequence of
//    all stored entries, folds those entries and materialises when the fold
//    then holds exactly that count and that highest sequence: O(resources +
//    entries it had missed). Entries enter a fold only after their commit and
//    under the fold's lock, which the read holds across the statement, so the
//    fold's sequence IDs are a subset of the stored ones; equal counts mean
//    equal sets, and a fold that missed a batch (stored through another
//    replica) can never be served. On any other mismatch (an entry of a gap
//    the replayer took as lost) the fold is rebuilt from all stored entries.
//  * Forget drops a fold (the update ended). Folds idle for longer than
//    Options::idle_seconds are dropped, and the least recently used ones when
//    more than Options::max_folds or more than Options::max_base_bytes of base
//    text are held.
//
// A read that cannot take a fold's lock within Options::lock_wait replays
// from the store without the fold (so a caller holding a transaction never
// waits indefinitely for another thread). Thread-safe.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>

#include "common/clock.h"
#include "common/error.h"
#include "journal/entry.h"
#include "journal/replayer.h"
#include "storage/journal_store.h"

namespace statehouse::updates {

struct JournalFoldOptions {
  size_t max_folds = 8;
  size_t max_base_bytes = size_t{256} << 20;
  int64_t idle_seconds = 600;
  std::chrono::milliseconds lock_wait{2000};
};

// How reads were answered (for tests and benches).
struct JournalFoldStats {
  uint64_t hits = 0;       // the fold was current
  uint64_t catch_ups = 0;  // the fold folded stored entries it had missed
  uint64_t rebuilds = 0;   // the fold was (re)built from every stored entry
  uint64_t uncached = 0;   // replayed without a fold (its lock was busy)
  uint64_t acknowledged = 0;  // batches folded by Acknowledged
  uint64_t evictions = 0;
};

class JournalFolds {
 public:
  using Options = JournalFoldOptions;
  // The update's base: the UntypedDeployment text its replay starts from.
  using BaseLoader = std::function<Result<std::string>()>;

  JournalFolds(storage::JournalStore& store, const Clock& clock, Options options = {})
      : store_(store), clock_(clock), options_(options) {}
  ~JournalFolds();

  // `entries` (a parsed batch) were committed for `update_id` by a call of
  // AppendJournalEntries that stored `stored` of them.
  void Acknowledged(const std::string& update_id, std::span<const journal::Entry> entries,
                    int64_t stored);

  // The deployment the update's stored entries describe on `base`; nullopt
  // when it has none. kInternal when the base or a stored entry cannot be read.
  Result<std::optional<journal::Materialized>> Materialize(const std::string& update_id,
                                                           const BaseLoader& base,
                                                           const journal::ManifestInfo& manifest);

  void Forget(const std::string& update_id);
  size_t size() const;
  JournalFoldStats stats() const;

 private:
  struct Fold;
  std::shared_ptr<Fold> Find(const std::string& update_id);
  std::shared_ptr<Fold> FindOrCreate(const std::string& update_id);
  void Evict();  // map_mu_ held
  // Rebuilds `fold` (its lock held) from every stored entry; false when none is stored.
  Result<bool> Rebuild(Fold& fold, const BaseLoader& base);

  storage::JournalStore& store_;
  const Clock& clock_;
  Options options_;
  mutable std::mutex map_mu_;
  std::map<std::string, std::shared_ptr<Fold>> folds_;
  uint64_t stamp_ = 0;
  JournalFoldStats stats_;
};

}  // namespace statehouse::updates
