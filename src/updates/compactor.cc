#include "updates/compactor.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <utility>

namespace statehouse::updates {

CheckpointCompactor::CheckpointCompactor(storage::UpdateStore& store,
                                         std::chrono::milliseconds quiet, int64_t min_gap)
    : store_(store), quiet_(quiet), min_gap_(min_gap), thread_([this] { Loop(); }) {}

CheckpointCompactor::~CheckpointCompactor() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    pending_.clear();
  }
  wake_.notify_all();
  thread_.join();
}

void CheckpointCompactor::Schedule(const std::string& update_id, int64_t sequence,
                                   std::shared_ptr<const std::string> text, bool urgent) {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    if (auto last = folded_.find(update_id);
        last != folded_.end() && sequence - last->second <= min_gap_) {
      return;
    }
    const Clock::time_point due = Clock::now() + (urgent ? Clock::duration::zero() : quiet_);
    auto it = pending_.find(update_id);
    if (it != pending_.end()) {
      if (it->second.sequence >= sequence) return;
      it->second = Job{sequence, std::move(text), urgent ? due : std::max(due, it->second.due)};
    } else if (pending_.size() < kMaxPending) {
      pending_.emplace(update_id, Job{sequence, std::move(text), due});
    } else {
      return;
    }
  }
  wake_.notify_one();
}

void CheckpointCompactor::Flush() {
  std::unique_lock lock(mu_);
  for (auto& [id, job] : pending_) job.due = Clock::time_point::min();
  wake_.notify_one();
  idle_.wait(lock, [&] { return stopping_ || (pending_.empty() && !running_); });
}

void CheckpointCompactor::Loop() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    if (pending_.empty()) {
      wake_.wait(lock, [&] { return stopping_ || !pending_.empty(); });
      continue;
    }
    auto next = std::min_element(pending_.begin(), pending_.end(), [](const auto& a, const auto& b) {
      return a.second.due < b.second.due;
    });
    if (next->second.due > Clock::now()) {
      // Woken early by a new or re-scheduled job: pick again.
      wake_.wait_until(lock, next->second.due);
      continue;
    }
    auto node = pending_.extract(next);
    running_ = true;
    if (folded_.size() >= 4 * kMaxPending) folded_.clear();
    folded_[node.key()] = node.mapped().sequence;
    lock.unlock();
    auto folded = store_.CompactCheckpoint(node.key(), node.mapped().sequence,
                                           *node.mapped().text);
    if (!folded) {
      spdlog::warn("checkpoint compaction of update {} failed (the log stays): {} {}",
                   node.key(), folded.error().message, folded.error().detail);
    }
    node.mapped().text.reset();
    lock.lock();
    running_ = false;
    if (pending_.empty()) idle_.notify_all();
  }
  running_ = false;
  idle_.notify_all();
}

}  // namespace statehouse::updates
