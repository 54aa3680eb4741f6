#pragma once

// Folds checkpoint delta logs into their base off the acknowledging path.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "storage/update_store.h"

namespace statehouse::updates {

// A delta checkpoint is acknowledged once its small log row is durable
// (UpdateStore::AppendCheckpointDelta); when the updates service's policy
// says the log is long enough, it hands the acknowledged text here and one
// background thread stores it as the new base (UpdateStore::
// CompactCheckpoint), so no client waits for a 25 MB rewrite. Crash-safe by
// construction: until a compaction commits, the base plus the log is the
// acknowledged text; a lost or refused job leaves a longer log, and the next
// delta of the update schedules again (its log figures still call for it).
//
// At most one job per update is pending (a newer one replaces it: it folds
// more), and at most kMaxPending updates (further ones are dropped), so the
// texts held here are bounded. A job runs once its update sent no new one
// for `quiet` (0: at once), or at once when scheduled as urgent. The log
// figures a job was scheduled on may predate a fold in progress or just
// done: a job within `min_gap` sequence numbers of the last fold of its
// update is ignored (each delta takes a new sequence number).
// Thread-safe.
class CheckpointCompactor {
 public:
  static constexpr size_t kMaxPending = 8;

  CheckpointCompactor(storage::UpdateStore& store, std::chrono::milliseconds quiet,
                      int64_t min_gap);
  // Finishes the job in progress; pending ones are dropped.
  ~CheckpointCompactor();
  CheckpointCompactor(const CheckpointCompactor&) = delete;
  CheckpointCompactor& operator=(const CheckpointCompactor&) = delete;

  // Queues folding the log of `update_id` up to the delta of `sequence`,
  // whose checkpoint text is `text`. Returns at once.
  void Schedule(const std::string& update_id, int64_t sequence,
                std::shared_ptr<const std::string> text, bool urgent);
  // Runs every pending job now and waits until none is pending or running
  // (tests, benchmarks).
  void Flush();

 private:
  using Clock = std::chrono::steady_clock;
  struct Job {
    int64_t sequence = 0;
    std::shared_ptr<const std::string> text;
    Clock::time_point due;
  };
  void Loop();

  storage::UpdateStore& store_;
  const std::chrono::milliseconds quiet_;
  const int64_t min_gap_;
  std::mutex mu_;
  std::condition_variable wake_;  // a job was queued, or stopping
  std::condition_variable idle_;  // the queue emptied and nothing runs
  std::map<std::string, Job> pending_;
  std::map<std::string, int64_t> folded_;  // update id → sequence of its last fold

  bool running_ = false;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace statehouse::updates
