#include "updates/compactor.h"

#include <spdlog/spdlog.h>

#include <utility>

namespace statehouse::updates {

CheckpointCompactor::CheckpointCompactor(storage::UpdateStore& store)
    : store_(store), thread_([this] { Loop(); }) {}

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
                                   std::shared_ptr<const std::string> text) {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    auto it = pending_.find(update_id);
    if (it != pending_.end()) {
      if (it->second.sequence < sequence) it->second = Job{sequence, std::move(text)};
    } else if (pending_.size() < kMaxPending) {
      pending_.emplace(update_id, Job{sequence, std::move(text)});
    } else {
      return;
    }
  }
  wake_.notify_one();
}

void CheckpointCompactor::Flush() {
  std::unique_lock lock(mu_);
  idle_.wait(lock, [&] { return stopping_ || (pending_.empty() && !running_); });
}

void CheckpointCompactor::Loop() {
  std::unique_lock lock(mu_);
  while (true) {
    wake_.wait(lock, [&] { return stopping_ || !pending_.empty(); });
    if (stopping_) break;
    auto node = pending_.extract(pending_.begin());
    running_ = true;
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
