#pragma once

// A fixed set of connections handed out exclusively, shared by both engine
// adapters. With `single_writer`, at most one kWrite lease is out at a time,
// so in-process writers queue here (SQLite's one write lock) instead of
// polling the engine. Thread-safe. Every lease must be returned before the
// pool is destroyed.

#include <fmt/format.h>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "common/error.h"
#include "storage/engine/engine.h"

namespace statehouse::storage {

template <class Connection>
class ConnectionPool {
 public:
  enum class Access { kRead, kWrite };

  // A connection handed out exclusively; destroying the lease returns it
  // (and the write slot) to the pool.
  struct ReturnLease {
    ConnectionPool* pool;
    Access access;
    void operator()(Connection* conn) const { pool->Release(conn, access); }
  };
  using Lease = std::unique_ptr<Connection, ReturnLease>;

  // `engine` names the engine in error details.
  ConnectionPool(std::vector<std::unique_ptr<Connection>> connections, int timeout_ms,
                 bool single_writer, const char* engine)
      : all_(std::move(connections)),
        timeout_(timeout_ms),
        single_writer_(single_writer),
        engine_(engine) {
    for (auto& conn : all_) idle_.push_back(conn.get());
  }

  // A free connection (with kWrite and single_writer, also the write slot).
  // kUnavailable when none frees up within the timeout.
  Result<Lease> Acquire(Access access) {
    const bool writer = single_writer_ && access == Access::kWrite;
    std::unique_lock lock(mu_);
    auto ready = [&] { return !idle_.empty() && !(writer && writer_active_); };
    if (!ready()) {
      ++waits_;
      ++waiting_;
      const bool got = cv_.wait_for(lock, timeout_, ready);
      --waiting_;
      if (!got) {
        return Fail(Error{ErrorCode::kUnavailable, kStorageBusyMessage,
                          fmt::format("{}: no free {}connection within {} ms ({} of {} in use)",
                                      engine_, writer ? "write " : "", timeout_.count(), in_use_,
                                      all_.size())});
      }
    }
    Connection* conn = idle_.back();
    idle_.pop_back();
    ++in_use_;
    if (writer) writer_active_ = true;
    return Lease(conn, ReturnLease{this, writer ? Access::kWrite : Access::kRead});
  }

  PoolStats Stats() const {
    std::lock_guard lock(mu_);
    return PoolStats{static_cast<int>(all_.size()), in_use_, waits_};
  }

 private:
  void Release(Connection* conn, Access access) {
    bool wake = false;
    {
      std::lock_guard lock(mu_);
      idle_.push_back(conn);
      --in_use_;
      if (access == Access::kWrite) writer_active_ = false;
      wake = waiting_ > 0;
    }
    // Waiters may wait for different things (a connection, the write slot).
    if (wake) cv_.notify_all();
  }

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<Connection>> all_;
  std::vector<Connection*> idle_;
  int in_use_ = 0;
  bool writer_active_ = false;
  uint64_t waits_ = 0;
  int waiting_ = 0;  // threads blocked in Acquire
  std::chrono::milliseconds timeout_;
  bool single_writer_;
  const char* engine_;
};

}  // namespace statehouse::storage
