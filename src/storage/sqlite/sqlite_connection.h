#pragma once

// The SQLite adapter's building blocks: RAII statement, connection (with its
// prepared-statement cache), transaction, and error mapping. Include only from src/storage/sqlite/.

#include <fmt/format.h>
#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "storage/sqlite/sqlite_engine.h"

namespace statehouse::storage {
namespace sqlite {

// Maps an SQLite result code to an Error. `db` may be null. Unique-key
// violations become kAlreadyExists with a generic message that callers
// replace with one naming the taken key.
inline Error MakeError(int rc, sqlite3* db, std::string_view context) {
  std::string detail =
      fmt::format("sqlite {}: {} (code {}: {})", context,
                  db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc), rc, sqlite3_errstr(rc));
  if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED) {
    return Error{ErrorCode::kUnavailable, kStorageBusyMessage, std::move(detail)};
  }
  if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY) {
    return Error{ErrorCode::kAlreadyExists, "already exists", std::move(detail)};
  }
  // Disk full or max_page_count reached: SQLite rolled the statement (or the
  // transaction) back; writes succeed again once there is room.
  if ((rc & 0xff) == SQLITE_FULL) {
    return Error{ErrorCode::kUnavailable, "storage is full, try again later", std::move(detail)};
  }
  return Error::Internal(std::move(detail));
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

  // Binds `params` by position, texts and bytes without a copy; those past
  // the statement's highest placeholder are left out (a statement of a
  // multi-statement query uses some of the query's parameters).
  Statement& Bind(const Params& params) {
    const int count = sqlite3_bind_parameter_count(stmt_);
    int index = 0;
    for (const Params::Value& value : params.values()) {
      if (++index > count) break;
      const char* bytes = value.bytes.data() != nullptr ? value.bytes.data() : "";
      switch (value.type) {
        case Params::Type::kNull:
          Check(sqlite3_bind_null(stmt_, index));
          break;
        case Params::Type::kText:
          Check(sqlite3_bind_text64(stmt_, index, bytes, value.bytes.size(), SQLITE_STATIC,
                                    SQLITE_UTF8));
          break;
        case Params::Type::kBytes:
          Check(sqlite3_bind_blob64(stmt_, index, bytes, value.bytes.size(), SQLITE_STATIC));
          break;
        case Params::Type::kInt:
        case Params::Type::kBool:
          Check(sqlite3_bind_int64(stmt_, index, value.number));
          break;
      }
    }
    return *this;
  }
  sqlite3_stmt* raw() const { return stmt_; }

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
    if (options.max_page_count > 0) {
      SH_TRY(conn->Exec(fmt::format("PRAGMA max_page_count={}", options.max_page_count).c_str()));
    }
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

  Result<void> Commit() {
    SH_ASSIGN_OR_RETURN(auto stmt, conn_->Prepare(kCommitSql));
    SH_TRY(stmt.Run());
    (void)conn_.release();
    return {};
  }

 private:
  struct RollBack {
    void operator()(Connection* conn) const {
      if (!sqlite3_get_autocommit(conn->db())) {
        sqlite3_exec(conn->db(), kRollbackSql, nullptr, nullptr, nullptr);
      }
    }
  };
  explicit Transaction(Connection* conn) : conn_(conn) {}
  std::unique_ptr<Connection, RollBack> conn_;
};

}  // namespace sqlite
}  // namespace statehouse::storage
