#include "storage/postgres/pg_change_feed.h"

#include "storage/postgres/pg_connection.h"

#include <libpq-fe.h>
#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <memory>

namespace statehouse::storage::pg {
namespace {

// Names the connection (so it can be told apart in pg_stat_activity) and
// listens.
constexpr char kListenSql[] =
    "SET application_name = 'statehouse-changes'; LISTEN statehouse_changes";
constexpr char kRoundTripSql[] = "SELECT 1";
// How long the connection may sit idle before a round trip checks that it
// is still alive (a connection lost without a word is noticed then).
constexpr int kIdleCheckMs = 5000;

// Counts and frees the notifications libpq has parsed.
int DrainNotifications(PGconn* conn) {
  int count = 0;
  while (PGnotify* notify = PQnotifies(conn)) {
    PQfreemem(notify);
    ++count;
  }
  return count;
}

}  // namespace

ChangeFeed::ChangeFeed(std::string conninfo, int timeout_ms, int retry_ms)
    : conninfo_(std::move(conninfo)), timeout_ms_(std::max(timeout_ms, 100)), retry_ms_(retry_ms) {
  wake_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  thread_ = std::thread([this] { Loop(); });
  std::unique_lock lock(mu_);
  synced_.wait(lock, [&] { return attempted_; });
}

ChangeFeed::~ChangeFeed() {
  stopping_.store(true);
  Wake();
  if (thread_.joinable()) thread_.join();
  if (wake_fd_ >= 0) close(wake_fd_);
}

void ChangeFeed::Wake() {
  if (wake_fd_ < 0) return;
  const uint64_t one = 1;
  (void)!write(wake_fd_, &one, sizeof one);
}

std::optional<uint64_t> ChangeFeed::Await() {
  std::unique_lock lock(mu_);
  if (!listening_) return std::nullopt;
  // A round trip already under way may have begun before this call.
  const uint64_t target = started_ + 1;
  if (wanted_ < target) {
    wanted_ = target;
    Wake();
  }
  const uint64_t connection = connection_;
  const bool done = synced_.wait_for(lock, std::chrono::milliseconds(timeout_ms_), [&] {
    return completed_ >= target || connection_ != connection || stopping_.load();
  });
  if (!done || connection_ != connection || completed_ < target) return std::nullopt;
  return generation_.load(std::memory_order_acquire);
}

void ChangeFeed::Loop() {
  bool warned = false;
  while (!stopping_.load()) {
    auto opened = Connection::Open(conninfo_, timeout_ms_);
    Result<void> listening =
        opened ? (*opened)->ExecScript(kListenSql) : Result<void>(Fail(opened.error()));
    if (!listening) {
      {
        std::lock_guard lock(mu_);
        attempted_ = true;
        synced_.notify_all();
      }
      if (!warned) {
        spdlog::warn("postgres change feed: cannot listen ({}); reading through until it can",
                     listening.error().detail.empty() ? listening.error().message
                                                      : listening.error().detail);
        warned = true;
      }
      pollfd wake = {wake_fd_, POLLIN, 0};
      (void)poll(&wake, 1, retry_ms_);
      continue;
    }
    PGconn* conn = (*opened)->native();
    warned = false;
    // Whatever was cached before listening began may have missed changes.
    generation_.fetch_add(1, std::memory_order_acq_rel);
    {
      std::lock_guard lock(mu_);
      listening_ = true;
      attempted_ = true;
      synced_.notify_all();
    }
    const int fd = PQsocket(conn);
    bool alive = true;
    bool in_flight = false;
    uint64_t current = 0;  // the round trip in flight
    auto idle_since = std::chrono::steady_clock::now();
    while (alive && !stopping_.load()) {
      if (!in_flight) {
        bool start = false;
        {
          std::lock_guard lock(mu_);
          const bool idle_check = std::chrono::steady_clock::now() - idle_since >=
                                  std::chrono::milliseconds(kIdleCheckMs);
          if (wanted_ > started_ || idle_check) {
            current = ++started_;
            start = true;
          }
        }
        if (start) {
          if (PQsendQuery(conn, kRoundTripSql) == 0) break;
          in_flight = true;
        }
      }
      pollfd fds[2] = {{wake_fd_, POLLIN, 0}, {fd, POLLIN, 0}};
      const int ready = poll(fds, 2, in_flight ? timeout_ms_ : kIdleCheckMs);
      if (stopping_.load()) break;
      if (fds[0].revents & POLLIN) {
        uint64_t drained;
        (void)!read(wake_fd_, &drained, sizeof drained);
      }
      if (ready == 0 && in_flight) break;  // no answer in time: reconnect
      if (!(fds[1].revents & (POLLIN | POLLERR | POLLHUP))) continue;
      if (PQconsumeInput(conn) == 0) break;
      bool answered = false;
      while (in_flight && PQisBusy(conn) == 0) {
        PGresult* res = PQgetResult(conn);
        if (res == nullptr) {
          answered = true;
          in_flight = false;
          break;
        }
        const bool ok = PQresultStatus(res) == PGRES_TUPLES_OK;
        PQclear(res);
        if (!ok) alive = false;
      }
      // Everything the server sent before its answer is parsed by now.
      if (DrainNotifications(conn) > 0) {
        generation_.fetch_add(1, std::memory_order_acq_rel);
      }
      if (answered && alive) {
        idle_since = std::chrono::steady_clock::now();
        std::lock_guard lock(mu_);
        completed_ = current;
        synced_.notify_all();
      }
    }
    {
      std::lock_guard lock(mu_);
      listening_ = false;
      ++connection_;  // its round trips never complete: their waiters give up
      synced_.notify_all();
    }
    generation_.fetch_add(1, std::memory_order_acq_rel);
    if (stopping_.load()) return;
    spdlog::warn("postgres change feed: connection lost; reconnecting");
  }
}

}  // namespace statehouse::storage::pg
