#pragma once

// Hears of commits that may change what the access cache holds, from this
// process and from every other process on the same database.
//
// The announcements come from statement triggers (migration 0009) that call
// pg_notify('statehouse_changes', '') when a table the authorizer reads
// changes (tokens, users, orgs, memberships, stacks, stack tags, teams, team
// members, team grants, and the lifecycle columns of updates). PostgreSQL
// queues a notification before the writer's commit completes and signals
// every listening session; a listening session sends what is queued before
// it answers its next query. So after a round trip on the listening
// connection that began after a commit was acknowledged, that commit has
// been heard of: Await() makes that round trip, shared by every caller
// waiting at the time.

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

namespace statehouse::storage::pg {

class ChangeFeed {
 public:
  // Starts listening on its own connection to `conninfo`, in a thread of
  // its own, reconnecting after a loss (every `retry_ms`). Returns once the
  // first attempt to listen succeeded or failed.
  explicit ChangeFeed(std::string conninfo, int timeout_ms, int retry_ms = 1000);
  // Stops the thread at once.
  ~ChangeFeed();
  ChangeFeed(const ChangeFeed&) = delete;
  ChangeFeed& operator=(const ChangeFeed&) = delete;

  // Waits until every commit acknowledged before this call (by any process)
  // has been heard of, then returns the generation: a number that grows
  // with every announcement heard, every local commit noted, and each time
  // listening (re)starts. nullopt when not listening or when the round trip
  // takes longer than the timeout: the caller must then read through.
  std::optional<uint64_t> Await();
  // Records a commit of this process (before it is acknowledged).
  void NoteLocalCommit() { generation_.fetch_add(1, std::memory_order_acq_rel); }

 private:
  void Loop();
  void Wake();

  const std::string conninfo_;
  const int timeout_ms_;
  const int retry_ms_;
  std::atomic<uint64_t> generation_{1};
  std::atomic<bool> stopping_{false};
  int wake_fd_ = -1;  // eventfd that interrupts the loop's wait

  std::mutex mu_;
  std::condition_variable synced_;
  bool listening_ = false;  // guarded by mu_
  bool attempted_ = false;  // the first attempt to listen is over
  uint64_t connection_ = 0;  // counts listening connections; a loss fails their waiters
  uint64_t wanted_ = 0;     // the highest round trip a caller waits for
  uint64_t started_ = 0;    // round trips begun
  uint64_t completed_ = 0;  // round trips answered (all before it heard of)

  std::thread thread_;
};

}  // namespace statehouse::storage::pg
