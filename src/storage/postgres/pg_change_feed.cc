#include "storage/postgres/pg_change_feed.h"

#include <libpq-fe.h>
#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <memory>

namespace statehouse::storage::pg {
namespace {

constexpr char kListenSql[] = "LISTEN statehouse_changes";
constexpr char kPingSql[] = "SELECT 1";
// How long the connection may sit silent before it is pinged, so that a
// connection lost without a word is noticed.
constexpr int kPingAfterMs = 5000;

struct ConnCloser {
  void operator()(PGconn* conn) const { PQfinish(conn); }
};
using ConnPtr = std::unique_ptr<PGconn, ConnCloser>;

bool Succeeded(PGconn* conn, const char* sql) {
  PGresult* res = PQexec(conn, sql);
  const ExecStatusType status = PQresultStatus(res);
  PQclear(res);
  return status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK;
}

// Counts and frees the notifications libpq has read.
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
    : conninfo_(std::move(conninfo)), timeout_ms_(timeout_ms), retry_ms_(retry_ms) {
  wake_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  thread_ = std::thread([this] { Loop(); });
}

ChangeFeed::~ChangeFeed() {
  stopping_.store(true);
  if (wake_fd_ >= 0) {
    const uint64_t one = 1;
    (void)!write(wake_fd_, &one, sizeof one);
  }
  if (thread_.joinable()) thread_.join();
  if (wake_fd_ >= 0) close(wake_fd_);
}

std::optional<uint64_t> ChangeFeed::Generation() const {
  if (!listening_.load(std::memory_order_acquire)) return std::nullopt;
  return generation_.load(std::memory_order_acquire);
}

void ChangeFeed::Loop() {
  // Waits up to `ms` for `fd` (or -1: none) to be readable or for the wake
  // event; false when stopping.
  auto wait = [this](int fd, int ms) -> bool {
    pollfd fds[2] = {{wake_fd_, POLLIN, 0}, {fd, POLLIN, 0}};
    (void)poll(fds, fd >= 0 ? 2 : 1, ms);
    return !stopping_.load();
  };
  const std::string connect_timeout = std::to_string(std::max(2, timeout_ms_ / 1000));
  bool warned = false;
  while (!stopping_.load()) {
    const char* keywords[] = {"connect_timeout", "fallback_application_name", "dbname", nullptr};
    const char* values[] = {connect_timeout.c_str(), "statehouse-changes", conninfo_.c_str(),
                            nullptr};
    ConnPtr conn(PQconnectdbParams(keywords, values, /*expand_dbname=*/1));
    if (!conn || PQstatus(conn.get()) != CONNECTION_OK || !Succeeded(conn.get(), kListenSql)) {
      if (!warned) {
        spdlog::warn("postgres change feed: cannot listen ({}); reading through until it can",
                     conn ? PQerrorMessage(conn.get()) : "out of memory");
        warned = true;
      }
      if (!wait(-1, retry_ms_)) return;
      continue;
    }
    warned = false;
    // Whatever was cached before listening began may have missed changes.
    generation_.fetch_add(1, std::memory_order_acq_rel);
    listening_.store(true, std::memory_order_release);
    const int fd = PQsocket(conn.get());
    bool alive = true;
    while (alive) {
      pollfd fds[2] = {{wake_fd_, POLLIN, 0}, {fd, POLLIN, 0}};
      const int ready = poll(fds, 2, kPingAfterMs);
      if (stopping_.load()) break;
      if (ready == 0) {
        alive = Succeeded(conn.get(), kPingSql);
      } else {
        alive = PQconsumeInput(conn.get()) != 0;
      }
      if (DrainNotifications(conn.get()) > 0) {
        generation_.fetch_add(1, std::memory_order_acq_rel);
      }
    }
    listening_.store(false, std::memory_order_release);
    generation_.fetch_add(1, std::memory_order_acq_rel);
    if (stopping_.load()) return;
    spdlog::warn("postgres change feed: connection lost; reconnecting");
  }
}

}  // namespace statehouse::storage::pg
