#include "updates/journal_folds.h"

#include <algorithm>
#include <atomic>
#include <limits>
#include <set>
#include <vector>

namespace statehouse::updates {

struct JournalFolds::Fold {
  explicit Fold(std::string id) : update_id(std::move(id)) {}
  const std::string update_id;
  std::timed_mutex mu;
  // Guarded by mu.
  std::shared_ptr<const journal::Snapshot> base;
  std::optional<journal::Replayer> replayer;  // null until built, or after a failed add
  int64_t folded_total = 0;                   // entries folded (buffered ones not included)
  int64_t max_sequence = 0;
  int64_t count() const { return folded_total + static_cast<int64_t>(replayer->buffered()); }
  // Guarded by map_mu_ (base_bytes also written under mu).
  int64_t last_used = 0;
  uint64_t stamp = 0;
  std::atomic<size_t> base_bytes{0};
};

namespace {

// Adds entries to a built fold; drops the replayer when it needs a rebuild.
template <class Fold>
void AddEntries(Fold& fold, std::span<const journal::Entry> entries) {
  auto added = fold.replayer->Add(entries);
  if (!added || added->rebuild_required) {
    fold.replayer.reset();
    return;
  }
  fold.folded_total += added->folded;
  for (const auto& e : entries) fold.max_sequence = std::max(fold.max_sequence, e.sequence_id);
}

Result<std::vector<journal::Entry>> ParseStored(const std::vector<storage::JournalEntryRecord>& rows) {
  std::vector<journal::Entry> entries;
  entries.reserve(rows.size());
  for (const auto& row : rows) {
    auto entry = journal::ParseEntry(row.raw);
    if (!entry) {
      return Fail(Error::Internal("cannot read a stored journal entry: " + entry.error().message));
    }
    entries.push_back(std::move(*entry));
  }
  return entries;
}

Result<std::shared_ptr<const journal::Snapshot>> LoadBase(const JournalFolds::BaseLoader& loader,
                                                          size_t* bytes) {
  SH_ASSIGN_OR_RETURN(const std::string text, loader());
  auto base = journal::ParseUntypedDeployment(text);
  if (!base) {
    return Fail(Error::Internal("cannot read the journal's base deployment: " + base.error().message));
  }
  *bytes = text.size();
  return std::move(*base);
}

constexpr int64_t kAll = 0;

}  // namespace

JournalFolds::~JournalFolds() = default;

std::shared_ptr<JournalFolds::Fold> JournalFolds::Find(const std::string& update_id) {
  std::lock_guard<std::mutex> lock(map_mu_);
  auto it = folds_.find(update_id);
  if (it == folds_.end()) return nullptr;
  it->second->last_used = clock_.NowSeconds();
  it->second->stamp = ++stamp_;
  return it->second;
}

std::shared_ptr<JournalFolds::Fold> JournalFolds::FindOrCreate(const std::string& update_id) {
  std::lock_guard<std::mutex> lock(map_mu_);
  auto& slot = folds_[update_id];
  if (!slot) slot = std::make_shared<Fold>(update_id);
  slot->last_used = clock_.NowSeconds();
  slot->stamp = ++stamp_;
  return slot;
}

// Drops idle folds, then the least recently used ones over the caps.
void JournalFolds::Evict() {
  const int64_t now = clock_.NowSeconds();
  size_t bytes = 0;
  for (auto it = folds_.begin(); it != folds_.end();) {
    if (it->second->last_used + options_.idle_seconds < now) {
      it = folds_.erase(it);
      ++stats_.evictions;
    } else {
      bytes += it->second->base_bytes.load();
      ++it;
    }
  }
  // Least recently used first; the one just used (highest stamp) stays.
  while (folds_.size() > 1 && (folds_.size() > options_.max_folds || bytes > options_.max_base_bytes)) {
    auto oldest = std::min_element(folds_.begin(), folds_.end(), [](const auto& a, const auto& b) {
      return a.second->stamp < b.second->stamp;
    });
    bytes -= std::min(bytes, oldest->second->base_bytes.load());
    folds_.erase(oldest);
    ++stats_.evictions;
  }
}

void JournalFolds::Forget(const std::string& update_id) {
  std::lock_guard<std::mutex> lock(map_mu_);
  folds_.erase(update_id);
}

size_t JournalFolds::size() const {
  std::lock_guard<std::mutex> lock(map_mu_);
  return folds_.size();
}

JournalFoldStats JournalFolds::stats() const {
  std::lock_guard<std::mutex> lock(map_mu_);
  return stats_;
}

void JournalFolds::Acknowledged(const std::string& update_id,
                                std::span<const journal::Entry> entries, int64_t stored) {
  if (stored <= 0) return;
  std::set<int64_t> distinct;
  for (const auto& e : entries) distinct.insert(e.sequence_id);
  if (static_cast<int64_t>(distinct.size()) != stored) return;  // some were stored elsewhere first
  auto fold = Find(update_id);
  if (!fold) return;
  std::unique_lock<std::timed_mutex> lock(fold->mu, std::defer_lock);
  if (!lock.try_lock_for(options_.lock_wait) || !fold->replayer) return;
  AddEntries(*fold, entries);
  std::lock_guard<std::mutex> stats_lock(map_mu_);
  ++stats_.acknowledged;
}

Result<bool> JournalFolds::Rebuild(Fold& fold, const BaseLoader& base) {
  fold.replayer.reset();
  SH_ASSIGN_OR_RETURN(auto tail, store_.ReadJournalTail(fold.update_id, kAll));
  if (tail.count == 0) return false;
  if (!fold.base) {
    size_t bytes = 0;
    SH_ASSIGN_OR_RETURN(fold.base, LoadBase(base, &bytes));
    fold.base_bytes = bytes;
  }
  SH_ASSIGN_OR_RETURN(auto entries, ParseStored(tail.entries));
  fold.replayer.emplace(fold.base);
  fold.folded_total = 0;
  fold.max_sequence = 0;
  AddEntries(fold, entries);
  if (!fold.replayer) return Fail(Error::Internal("cannot replay the stored journal"));
  return true;
}

Result<std::optional<journal::Materialized>> JournalFolds::Materialize(
    const std::string& update_id, const BaseLoader& base, const journal::ManifestInfo& manifest) {
  using Out = std::optional<journal::Materialized>;
  auto fold = FindOrCreate(update_id);
  std::unique_lock<std::timed_mutex> lock(fold->mu, std::defer_lock);
  if (!lock.try_lock_for(options_.lock_wait)) {
    // Busy: replay from the store on a fold of our own, not kept.
    Fold own(update_id);
    SH_ASSIGN_OR_RETURN(const bool any, Rebuild(own, base));
    {
      std::lock_guard<std::mutex> stats_lock(map_mu_);
      ++stats_.uncached;
    }
    if (!any) return Out();
    SH_ASSIGN_OR_RETURN(auto materialized, own.replayer->Materialize(manifest));
    return Out(std::move(materialized));
  }
  bool current = false;
  bool caught_up = false;
  if (fold->replayer) {
    SH_ASSIGN_OR_RETURN(auto tail, store_.ReadJournalTail(update_id, fold->replayer->folded_through()));
    if (!tail.entries.empty()) {
      SH_ASSIGN_OR_RETURN(auto entries, ParseStored(tail.entries));
      const int64_t before = fold->count();
      AddEntries(*fold, entries);
      caught_up = fold->replayer && fold->count() != before;
    }
    current = fold->replayer && fold->count() == tail.count && fold->max_sequence == tail.max_sequence;
  }
  if (!current) {
    auto built = Rebuild(*fold, base);
    std::lock_guard<std::mutex> map_lock(map_mu_);
    if (!built || !*built) {
      // Nothing to hold (an update without entries yet): the fold goes.
      if (auto it = folds_.find(update_id); it != folds_.end() && it->second == fold) folds_.erase(it);
      if (!built) return Fail(std::move(built).error());
      return Out();
    }
    Evict();  // only a fold that holds something makes room
  }
  {
    std::lock_guard<std::mutex> stats_lock(map_mu_);
    ++(!current ? stats_.rebuilds : caught_up ? stats_.catch_ups : stats_.hits);
  }
  SH_ASSIGN_OR_RETURN(auto materialized, fold->replayer->Materialize(manifest));
  return Out(std::move(materialized));
}

}  // namespace statehouse::updates
