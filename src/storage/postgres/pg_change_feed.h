#pragma once

// Hears of commits that may change what the access cache holds, from this
// process and from every other process on the same database.
//
// The announcements come from statement triggers (migration 0009) that call
// pg_notify('statehouse_changes', '') when a table the authorizer reads
// changes (tokens, users, orgs, memberships, stacks, stack tags, teams, team
// members, team grants, and the lifecycle columns of updates). NOTIFY is
// delivered after the writer commits, to every listening session.

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <thread>

namespace statehouse::storage::pg {

class ChangeFeed {
 public:
  // Starts listening on its own connection to `conninfo`, in a thread of
  // its own, reconnecting after a loss (every `retry_ms`). Until it listens,
  // Generation() is nullopt.
  explicit ChangeFeed(std::string conninfo, int timeout_ms, int retry_ms = 1000);
  // Stops the thread at once.
  ~ChangeFeed();
  ChangeFeed(const ChangeFeed&) = delete;
  ChangeFeed& operator=(const ChangeFeed&) = delete;

  // Grows with every announcement heard, every local commit noted, and each
  // time listening (re)starts; nullopt while not listening.
  std::optional<uint64_t> Generation() const;
  // Records a commit of this process (before it is acknowledged).
  void NoteLocalCommit() { generation_.fetch_add(1, std::memory_order_acq_rel); }

 private:
  void Loop();

  const std::string conninfo_;
  const int timeout_ms_;
  const int retry_ms_;
  std::atomic<uint64_t> generation_{1};
  std::atomic<bool> listening_{false};
  std::atomic<bool> stopping_{false};
  int wake_fd_ = -1;  // eventfd that interrupts the loop's wait
  std::thread thread_;
};

}  // namespace statehouse::storage::pg
