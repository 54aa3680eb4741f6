#pragma once

// Internals of the SQLite store shared by its implementation files
// (sqlite_store.cc and one file per store area, e.g. sqlite_team_store.cc):
// the RAII statement/connection/pool/transaction wrappers, error mapping,
// shared row helpers, and the definitions of SqliteStore's transaction
// runners (Write/Read/Query). Include only from src/storage/sqlite/*.cc.

#include <fmt/format.h>
#include <sqlite3.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "storage/sqlite/sqlite_store.h"

namespace statehouse::storage {
namespace sqlite {


inline constexpr char kBusyMessage[] = "storage is busy, try again later";

inline bool IsBusy(int rc) {
  const int primary = rc & 0xff;
  return primary == SQLITE_BUSY || primary == SQLITE_LOCKED;
}

inline bool IsUniqueViolation(int rc) {
  return rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY;
}

// Maps an SQLite result code to an Error. `db` may be null. Unique-key
// violations become kAlreadyExists with a generic message that callers
// replace with one naming the taken key.
inline Error MakeError(int rc, sqlite3* db, std::string_view context) {
  std::string detail =
      fmt::format("sqlite {}: {} (code {}: {})", context,
                  db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc), rc, sqlite3_errstr(rc));
  if (IsBusy(rc)) {
    return Error{ErrorCode::kUnavailable, kBusyMessage, std::move(detail)};
  }
  if (IsUniqueViolation(rc)) {
    return Error{ErrorCode::kAlreadyExists, "already exists", std::move(detail)};
  }
  return Error::Internal(std::move(detail));
}

// Replaces the message of a kAlreadyExists error.
inline Result<void> AlreadyExistsAs(Result<void> result, std::string message) {
  if (!result && result.error().code == ErrorCode::kAlreadyExists) {
    result.error().message = std::move(message);
  }
  return result;
}

// A prepared statement. Cached statements (not owned) are reset and their
// bindings cleared when this handle dies; uncached ones are finalized.
// Text and blob bindings refer to the caller's bytes (SQLITE_STATIC), which
// must stay alive until the last Step() on this handle. Not thread-safe.
class Statement {
 public:
  Statement(sqlite3_stmt* stmt, bool owned) : stmt_(stmt), owned_(owned) {}
  Statement(Statement&& other) noexcept
      : stmt_(std::exchange(other.stmt_, nullptr)),
        owned_(other.owned_),
        bind_rc_(other.bind_rc_) {}
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  Statement& operator=(Statement&&) = delete;
  ~Statement() {
    if (stmt_ == nullptr) return;
    if (owned_) {
      sqlite3_finalize(stmt_);
    } else {
      sqlite3_reset(stmt_);
      sqlite3_clear_bindings(stmt_);
    }
  }

  Statement& BindText(int index, std::string_view value) {
    Check(sqlite3_bind_text64(stmt_, index, value.data() != nullptr ? value.data() : "",
                              value.size(), SQLITE_STATIC, SQLITE_UTF8));
    return *this;
  }
  Statement& BindBlob(int index, std::string_view value) {
    Check(sqlite3_bind_blob64(stmt_, index, value.data() != nullptr ? value.data() : "",
                              value.size(), SQLITE_STATIC));
    return *this;
  }
  Statement& BindInt(int index, int64_t value) {
    Check(sqlite3_bind_int64(stmt_, index, value));
    return *this;
  }

  // True when a row is available, false when the statement has finished.
  Result<bool> Step() {
    if (bind_rc_ != SQLITE_OK) return Fail(MakeError(bind_rc_, Db(), Context("bind")));
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    return Fail(MakeError(rc, Db(), Context("step")));
  }

  // Steps to completion, discarding rows.
  Result<void> Run() {
    for (;;) {
      SH_ASSIGN_OR_RETURN(const bool row, Step());
      if (!row) return {};
    }
  }

  int64_t ColumnInt(int col) const { return sqlite3_column_int64(stmt_, col); }
  std::string ColumnText(int col) const {
    const unsigned char* text = sqlite3_column_text(stmt_, col);
    const int size = sqlite3_column_bytes(stmt_, col);
    if (text == nullptr) return {};
    return std::string(reinterpret_cast<const char*>(text), static_cast<size_t>(size));
  }
  std::string ColumnBlob(int col) const {
    const void* data = sqlite3_column_blob(stmt_, col);
    const int size = sqlite3_column_bytes(stmt_, col);
    if (data == nullptr) return {};
    return std::string(static_cast<const char*>(data), static_cast<size_t>(size));
  }

 private:
  sqlite3* Db() const { return sqlite3_db_handle(stmt_); }
  std::string Context(std::string_view op) const {
    const char* sql = sqlite3_sql(stmt_);
    return fmt::format("{} [{:.120}]", op, sql != nullptr ? sql : "");
  }
  void Check(int rc) {
    if (rc != SQLITE_OK && bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  }

  sqlite3_stmt* stmt_;
  bool owned_;
  int bind_rc_ = SQLITE_OK;
};

inline constexpr char kBeginImmediateSql[] = "BEGIN IMMEDIATE";
inline constexpr char kBeginDeferredSql[] = "BEGIN";
inline constexpr char kCommitSql[] = "COMMIT";
inline constexpr char kRollbackSql[] = "ROLLBACK";
inline constexpr char kSavepointSql[] = "SAVEPOINT store_call";
inline constexpr char kRollbackToSavepointSql[] = "ROLLBACK TO store_call";
inline constexpr char kReleaseSavepointSql[] = "RELEASE store_call";

// One SQLite connection with its prepared-statement cache. Owns the handle.
// Used by one thread at a time (the pool hands it out exclusively).
class Connection {
 public:
  static Result<std::unique_ptr<Connection>> Open(const SqliteOptions& options) {
    sqlite3* db = nullptr;
    const int rc = sqlite3_open_v2(
        options.path.c_str(), &db,
        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE,
        nullptr);
    std::unique_ptr<Connection> conn(new Connection(db));
    if (rc != SQLITE_OK) {
      return Fail(MakeError(rc, db, fmt::format("open '{}'", options.path)));
    }
    sqlite3_extended_result_codes(db, 1);
    sqlite3_busy_timeout(db, options.busy_timeout_ms);
    {
      SH_ASSIGN_OR_RETURN(auto stmt, conn->PrepareUncached("PRAGMA journal_mode=WAL"));
      SH_ASSIGN_OR_RETURN(const bool row, stmt.Step());
      const std::string mode = row ? stmt.ColumnText(0) : std::string();
      if (mode != "wal") {
        return Fail(Error::Internal(fmt::format(
            "sqlite open '{}': cannot enable WAL (journal_mode is '{}')", options.path, mode)));
      }
    }
    SH_TRY(conn->Exec("PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"));
    return conn;
  }

  ~Connection() {
    for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
    sqlite3_close_v2(db_);
  }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  sqlite3* db() const { return db_; }

  // A statement from the cache, keyed by the address of `sql`, which must
  // have static storage duration. At most one handle per SQL text may be
  // alive at a time.
  Result<Statement> Prepare(const char* sql) {
    auto it = cache_.find(sql);
    if (it != cache_.end()) return Statement(it->second, /*owned=*/false);
    sqlite3_stmt* stmt = nullptr;
    const int rc = sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    if (rc != SQLITE_OK) return Fail(MakeError(rc, db_, fmt::format("prepare [{:.120}]", sql)));
    cache_.emplace(sql, stmt);
    return Statement(stmt, /*owned=*/false);
  }

  // A one-off statement, finalized when the handle dies.
  Result<Statement> PrepareUncached(std::string_view sql) {
    sqlite3_stmt* stmt = nullptr;
    const int rc =
        sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), 0, &stmt, nullptr);
    if (rc != SQLITE_OK) return Fail(MakeError(rc, db_, fmt::format("prepare [{:.120}]", sql)));
    return Statement(stmt, /*owned=*/true);
  }

  // Runs a script of one or more statements.
  Result<void> Exec(const char* sql) {
    char* message = nullptr;
    const int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &message);
    sqlite3_free(message);
    if (rc != SQLITE_OK) return Fail(MakeError(rc, db_, fmt::format("exec [{:.120}]", sql)));
    return {};
  }

  // Rows changed by the last INSERT, UPDATE or DELETE.
  int64_t Changes() const { return sqlite3_changes64(db_); }

 private:
  explicit Connection(sqlite3* db) : db_(db) {}

  sqlite3* db_;
  std::unordered_map<const char*, sqlite3_stmt*> cache_;
};

// A fixed set of connections handed out exclusively, at most one of them to
// a writer at a time. Thread-safe. Every lease must be returned before the
// pool is destroyed.
class ConnectionPool {
 public:
  enum class Access { kRead, kWrite };

  // Returns its connection (and the write slot) to the pool when destroyed.
  class Lease {
   public:
    Lease(ConnectionPool* pool, Connection* conn, Access access)
        : pool_(pool), conn_(conn), access_(access) {}
    Lease(Lease&& other) noexcept
        : pool_(std::exchange(other.pool_, nullptr)),
          conn_(std::exchange(other.conn_, nullptr)),
          access_(other.access_) {}
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    Lease& operator=(Lease&&) = delete;
    ~Lease() {
      if (pool_ != nullptr) pool_->Release(conn_, access_);
    }
    Connection& operator*() const { return *conn_; }
    Connection* operator->() const { return conn_; }

   private:
    ConnectionPool* pool_;
    Connection* conn_;
    Access access_;
  };

  ConnectionPool(std::vector<std::unique_ptr<Connection>> connections, int timeout_ms)
      : all_(std::move(connections)), timeout_(timeout_ms) {
    for (auto& conn : all_) idle_.push_back(conn.get());
  }

  // A free connection; with kWrite also the pool's single write slot, so
  // in-process writers queue here instead of polling SQLite's write lock.
  // kUnavailable when they do not free up within the timeout.
  Result<Lease> Acquire(Access access) {
    const bool writer = access == Access::kWrite;
    std::unique_lock lock(mu_);
    auto ready = [&] { return !idle_.empty() && !(writer && writer_active_); };
    if (!ready()) {
      ++waits_;
      ++waiting_;
      const bool got = cv_.wait_for(lock, timeout_, ready);
      --waiting_;
      if (!got) {
        return Fail(
            Error{ErrorCode::kUnavailable, kBusyMessage,
                  fmt::format("sqlite: no free {} connection within {} ms ({} of {} in use)",
                              writer ? "write" : "read", timeout_.count(), in_use_, all_.size())});
      }
    }
    Connection* conn = idle_.back();
    idle_.pop_back();
    ++in_use_;
    if (writer) writer_active_ = true;
    return Lease(this, conn, access);
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
};

// An open transaction on a connection; rolls back unless committed.
class Transaction {
 public:
  enum class Mode { kDeferred, kImmediate };

  static Result<Transaction> Begin(Connection& conn, Mode mode) {
    SH_ASSIGN_OR_RETURN(
        auto stmt, conn.Prepare(mode == Mode::kImmediate ? kBeginImmediateSql : kBeginDeferredSql));
    SH_TRY(stmt.Run());
    return Transaction(&conn);
  }

  Transaction(Transaction&& other) noexcept : conn_(std::exchange(other.conn_, nullptr)) {}
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  Transaction& operator=(Transaction&&) = delete;
  ~Transaction() {
    if (conn_ == nullptr || sqlite3_get_autocommit(conn_->db())) return;
    sqlite3_exec(conn_->db(), kRollbackSql, nullptr, nullptr, nullptr);
  }

  Result<void> Commit() {
    SH_ASSIGN_OR_RETURN(auto stmt, conn_->Prepare(kCommitSql));
    SH_TRY(stmt.Run());
    conn_ = nullptr;
    return {};
  }

 private:
  explicit Transaction(Connection* conn) : conn_(conn) {}
  Connection* conn_;
};

// The transaction a thread opened with SqliteStore::RunInTransaction. While
// it is open, every call that thread makes on `store` runs on `conn` inside
// it instead of taking a connection of its own.
struct AmbientTransaction {
  const SqliteStore* store = nullptr;
  Connection* conn = nullptr;
  std::vector<std::function<void()>> after_commit;
};
inline thread_local AmbientTransaction* tls_ambient = nullptr;

// ---------------------------------------------------------------------------
// Row helpers

inline UserRecord ReadUser(const Statement& stmt, int first) {
  UserRecord user;
  user.id = stmt.ColumnText(first);
  user.login = stmt.ColumnText(first + 1);
  user.name = stmt.ColumnText(first + 2);
  user.email = stmt.ColumnText(first + 3);
  user.site_admin = stmt.ColumnInt(first + 4) != 0;
  user.created = stmt.ColumnInt(first + 5);
  return user;
}

using storage::ToRole;

template <class R>
R InternalFromException(const std::exception& e) {
  return Fail(Error::Internal(fmt::format("sqlite store: exception: {}", e.what())));
}

}  // namespace sqlite

using sqlite::Connection;
using sqlite::Statement;
using sqlite::Transaction;

template <class Fn>
auto SqliteStore::InTransaction(bool write, Fn&& fn) -> std::invoke_result_t<Fn&, Connection&> {
  using R = std::invoke_result_t<Fn&, Connection&>;
  try {
    if (sqlite::tls_ambient != nullptr && sqlite::tls_ambient->store == this) {
      Connection& conn = *sqlite::tls_ambient->conn;
      if (!write) return fn(conn);
      // SQLite rolls the whole transaction back on some errors (e.g. a full
      // disk); writing on would start a new one that the outer commit keeps.
      if (sqlite3_get_autocommit(conn.db()) != 0) {
        return Fail(Error::Internal("sqlite: the enclosing transaction was rolled back"));
      }
      // Inside RunInTransaction each write call stays atomic on its own: a
      // failed call undoes its partial writes and leaves the outer
      // transaction usable.
      auto run = [&conn](const char* sql) -> Result<void> {
        SH_ASSIGN_OR_RETURN(auto stmt, conn.Prepare(sql));
        return stmt.Run();
      };
      SH_TRY(run(sqlite::kSavepointSql));
      R result = fn(conn);
      if (!result) {
        (void)run(sqlite::kRollbackToSavepointSql);
        (void)run(sqlite::kReleaseSavepointSql);
        return result;
      }
      SH_TRY(run(sqlite::kReleaseSavepointSql));
      return result;
    }
    SH_ASSIGN_OR_RETURN(auto conn, pool_->Acquire(write ? sqlite::ConnectionPool::Access::kWrite
                                                        : sqlite::ConnectionPool::Access::kRead));
    SH_ASSIGN_OR_RETURN(auto tx, Transaction::Begin(*conn, write ? Transaction::Mode::kImmediate
                                                                 : Transaction::Mode::kDeferred));
    R result = fn(*conn);
    if (!result) return result;
    SH_TRY(tx.Commit());
    return result;
  } catch (const std::exception& e) {
    return sqlite::InternalFromException<R>(e);
  }
}

template <class Fn>
auto SqliteStore::Write(Fn&& fn) -> std::invoke_result_t<Fn&, Connection&> {
  return InTransaction(true, std::forward<Fn>(fn));
}

template <class Fn>
auto SqliteStore::Read(Fn&& fn) -> std::invoke_result_t<Fn&, Connection&> {
  return InTransaction(false, std::forward<Fn>(fn));
}

template <class Fn>
auto SqliteStore::Query(Fn&& fn) -> std::invoke_result_t<Fn&, Connection&> {
  using R = std::invoke_result_t<Fn&, Connection&>;
  try {
    if (sqlite::tls_ambient != nullptr && sqlite::tls_ambient->store == this) {
      return fn(*sqlite::tls_ambient->conn);
    }
    SH_ASSIGN_OR_RETURN(auto conn, pool_->Acquire(sqlite::ConnectionPool::Access::kRead));
    return fn(*conn);
  } catch (const std::exception& e) {
    return sqlite::InternalFromException<R>(e);
  }
}

}  // namespace statehouse::storage
