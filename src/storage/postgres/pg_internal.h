#pragma once

// Internals of the PostgreSQL store shared by its implementation files
// (postgres_store.cc and one file per store area, e.g. postgres_team_store.cc):
// parameter builder, result reader, connection with its prepared-statement
// cache, pool, transaction, error mapping, shared row helpers, and the
// definitions of PostgresStore's transaction runners (Write/Read/Query).
// Include only from src/storage/postgres/*.cc.
//
// HOW TO WRITE A METHOD (every area file follows this pattern)
//
//   constexpr char kSelectTeamSql[] =
//       "SELECT id, name, created FROM teams WHERE org_id = $1 AND sh_fold(name) = sh_fold($2)";
//
//   Result<TeamRecord> PostgresStore::GetTeam(const std::string& org_id, const std::string& name) {
//     return Query([&](Connection& conn) -> Result<TeamRecord> {
//       SH_ASSIGN_OR_RETURN(auto rows, conn.Exec(pg::kSelectTeamSql, Params().Text(org_id).Text(name)));
//       if (!rows.Next()) return Fail(Error::NotFound("team not found"));
//       return TeamRecord{rows.Text(0), ..., rows.Int(2)};
//     });
//   }
//
// * Statements are `constexpr char kXxxSql[]` constants with static storage
//   duration; Connection::Exec prepares each once per connection (named
//   statement keyed by the constant's ADDRESS) and reuses it. Placeholders
//   are $1, $2, ... Build SQL at run time only when its shape varies
//   (ExecDynamic, unnamed statement).
// * Params: Text (text format; the server converts to the column type, so
//   Text/Int/Bool all work for any scalar column), Int (int64 as text),
//   Bool ("t"/"f"), Bytes (binary, byte for byte: use for every bytea
//   column), Null. Text(const std::string&) and Bytes() BORROW the caller's
//   bytes until Exec returns; temporaries and views are copied. Texts must not
//   contain NUL bytes (PostgreSQL text cannot hold them): use bytea.
// * Results are always in binary format: Rows::Int reads int2/int4/int8/
//   bool columns (cast numeric results such as SUM() to bigint in SQL),
//   Rows::Bool reads boolean (or integer) columns, Rows::Text reads text,
//   Rows::Bytes reads bytea byte for byte. Rows::Affected() is the number of
//   rows an INSERT/UPDATE/DELETE changed.
// * Runners (PostgresStore members):
//     Write(fn)  BEGIN (READ COMMITTED) ... COMMIT; retried as a whole up to
//                kMaxAttempts times on deadlock/serialization failure, then
//                kUnavailable. fn may run more than once: only touch the
//                database and local variables in it.
//     Read(fn)   BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY: one
//                consistent snapshot for several SELECTs; retried on a lost
//                connection.
//     Query(fn)  no explicit transaction; for a single statement (a read,
//                or a write that cannot fail with an SQL error such as a
//                unique violation: a joined Query gets no savepoint, and a
//                failed statement aborts the caller's transaction).
//   Inside Store::RunInTransaction every runner joins the thread's open
//   transaction (tls_ambient) instead; a joined Write runs inside a
//   SAVEPOINT so a failing call undoes only its own writes and leaves the
//   outer transaction usable.
// * Concurrency across replicas: never rely on in-process mutexes. Under
//   READ COMMITTED a single statement is atomic, but read-check-write
//   sequences are not: take a row lock on the row that "owns" the invariant
//   first (`SELECT 1 FROM stacks WHERE id = $1 FOR NO KEY UPDATE`; use FOR
//   NO KEY UPDATE rather than FOR UPDATE on rows other tables reference, so
//   foreign-key checks of concurrent inserts are not blocked), or an
//   advisory transaction lock on a string key (LockKey(conn, "stack:" + id))
//   when there is no row to lock yet. Take locks in a fixed order (org,
//   then stack, then update) to avoid deadlocks. Prefer single statements:
//   INSERT ... ON CONFLICT DO NOTHING/UPDATE, UPDATE ... WHERE <expected
//   state> checked with Affected(), DELETE ... RETURNING.
// * A failed statement aborts the whole transaction: never continue after
//   an SQL error (e.g. catching kAlreadyExists and then updating); use
//   ON CONFLICT instead.
// * Errors: unique_violation (23505) -> kAlreadyExists "already exists"
//   (rename it with AlreadyExistsAs); deadlock/serialization failure ->
//   retried, then kUnavailable; lock_timeout, statement cancel, too many
//   connections, lost connection -> kUnavailable (the pool reconnects a lost
//   connection on its next use); anything else -> kInternal with SQLSTATE
//   and the statement in `detail`. Foreign-key violations (23503) are
//   kInternal, as in SQLite.
// * Names compared case-insensitively use the migration-defined function
//   sh_fold(text) (ASCII-only lower(), i.e. SQLite NOCASE) on both sides:
//   `sh_fold(name) = sh_fold($2)`, `ORDER BY sh_fold(name)`; unique indexes
//   are on sh_fold(col). Name columns are COLLATE "C", so ordering is by
//   bytes whatever the database locale.

#include <fmt/format.h>
#include <libpq-fe.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "storage/postgres/postgres_store.h"

namespace statehouse::storage {
namespace pg {

inline constexpr char kBusyMessage[] = "storage is busy, try again later";
inline constexpr char kUnavailableMessage[] = "storage is unavailable, try again later";

// Attempts of a Write/Read that fails with a deadlock or serialization
// failure before kUnavailable.
inline constexpr int kMaxAttempts = 4;

// Replaces the message of a kAlreadyExists error.
inline Result<void> AlreadyExistsAs(Result<void> result, std::string message) {
  if (!result && result.error().code == ErrorCode::kAlreadyExists) {
    result.error().message = std::move(message);
  }
  return result;
}

// Positional parameters ($1, $2, ...) of one statement, in order. Not
// thread-safe; cheap to build per call.
class Params {
 public:
  Params() = default;

  // Borrows `value` (it must outlive the Exec call).
  Params& Text(const std::string& value) { return Add(value.c_str(), 0, 0, -1); }
  Params& Text(std::string&& value) {
    owned_.push_back(std::move(value));
    return Add(nullptr, 0, 0, static_cast<int>(owned_.size()) - 1);
  }
  Params& Text(std::string_view value) { return Text(std::string(value)); }
  Params& Text(const char* value) { return Text(std::string(value)); }
  Params& Int(int64_t value) { return Text(std::to_string(value)); }
  Params& Bool(bool value) { return Add(value ? "t" : "f", 0, 0, -1); }
  // Binary (bytea); borrows `value` (it must outlive the Exec call).
  Params& Bytes(std::string_view value) {
    return Add(value.data() != nullptr ? value.data() : "", static_cast<int>(value.size()), 1, -1);
  }
  Params& Null() {
    params_.push_back(Param{nullptr, 0, 0, -1, true});
    return *this;
  }

  int size() const { return static_cast<int>(params_.size()); }

  // Arrays for PQexecPrepared/PQexecParams; valid while this object lives
  // unchanged.
  void Fill(std::vector<const char*>& values, std::vector<int>& lengths,
            std::vector<int>& formats) const {
    values.clear();
    lengths.clear();
    formats.clear();
    for (const Param& p : params_) {
      if (p.null) {
        values.push_back(nullptr);
      } else if (p.owned >= 0) {
        values.push_back(owned_[static_cast<size_t>(p.owned)].c_str());
      } else {
        values.push_back(p.data);
      }
      lengths.push_back(p.length);
      formats.push_back(p.format);
    }
  }

 private:
  struct Param {
    const char* data;
    int length;  // binary only
    int format;  // 0 text, 1 binary
    int owned;   // index into owned_, -1 when borrowed
    bool null = false;
  };
  Params& Add(const char* data, int length, int format, int owned) {
    params_.push_back(Param{data, length, format, owned, false});
    return *this;
  }

  std::vector<Param> params_;
  std::deque<std::string> owned_;
};

// The rows of one statement's result (binary format), read with a cursor:
// call Next() before reading the first row. Owns the PGresult.
class Rows {
 public:
  explicit Rows(PGresult* res) : res_(res, &PQclear) {}

  // Advances to the next row; false past the last one.
  bool Next() { return ++row_ < PQntuples(res_.get()); }
  int count() const { return PQntuples(res_.get()); }
  // Rows changed by an INSERT, UPDATE or DELETE (0 for other statements).
  int64_t Affected() const {
    const char* n = PQcmdTuples(res_.get());
    return (n == nullptr || *n == '\0') ? 0 : std::strtoll(n, nullptr, 10);
  }

  // The command tag, e.g. "INSERT 0 1" or "COMMIT".
  std::string_view Command() const { return PQcmdStatus(res_.get()); }

  bool IsNull(int col) const { return PQgetisnull(res_.get(), row_, col) != 0; }
  // int2/int4/int8/bool columns (0 when NULL).
  int64_t Int(int col) const;
  bool Bool(int col) const { return Int(col) != 0; }
  // text/varchar or bytea columns, byte for byte ("" when NULL).
  std::string Text(int col) const {
    if (IsNull(col)) return {};
    return std::string(PQgetvalue(res_.get(), row_, col),
                       static_cast<size_t>(PQgetlength(res_.get(), row_, col)));
  }
  std::string Bytes(int col) const { return Text(col); }

 private:
  std::unique_ptr<PGresult, void (*)(PGresult*)> res_;
  int row_ = -1;
};

// One libpq connection with its prepared-statement cache. Owns the handle.
// Used by one thread at a time (the pool hands it out exclusively).
class Connection {
 public:
  // Connects with `conninfo` (a libpq keyword string or postgres:// URL).
  // Lock waits longer than `lock_timeout_ms` fail with kUnavailable.
  static Result<std::unique_ptr<Connection>> Open(const std::string& conninfo,
                                                  int lock_timeout_ms);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs the statement `sql` (static storage duration; its address keys the
  // cache) as a named prepared statement, preparing it on first use.
  Result<Rows> Exec(const char* sql, const Params& params = Params());
  // Exec, discarding the rows.
  Result<void> Run(const char* sql, const Params& params = Params()) {
    SH_TRY(Exec(sql, params));
    return {};
  }
  // Runs a statement built at run time (unnamed, not cached).
  Result<Rows> ExecDynamic(const std::string& sql, const Params& params = Params());
  // Runs a script of one or more statements without parameters (simple
  // query protocol).
  Result<void> ExecScript(const char* sql);

  // True once the connection was lost; Reset() reconnects.
  bool broken() const { return PQstatus(conn_) == CONNECTION_BAD || broken_; }
  // Reads what the server sent while the connection sat idle (without
  // blocking), so a connection the server closed (restart, terminated
  // backend) shows as broken() before it is used.
  void Probe() {
    // The first read may return the server's parting error message, the
    // second then sees the end of the stream.
    for (int i = 0; i < 2 && !broken_; ++i) {
      if (PQconsumeInput(conn_) == 0) broken_ = true;
    }
  }
  Result<void> Reset();
  // True when the last failure was a deadlock or serialization failure.
  bool retryable() const { return retryable_; }
  void clear_retryable() { retryable_ = false; }
  bool in_transaction() const { return PQtransactionStatus(conn_) != PQTRANS_IDLE; }

 private:
  Connection(PGconn* conn, int lock_timeout_ms) : conn_(conn), lock_timeout_ms_(lock_timeout_ms) {}
  Result<void> Configure();
  // Turns a failed result (or null) into an Error, recording retryable_ and
  // broken_.
  Error Failure(const PGresult* res, std::string_view sql);
  Result<Rows> Check(PGresult* res, std::string_view sql);

  PGconn* conn_;
  int lock_timeout_ms_;
  std::unordered_map<const char*, std::string> cache_;  // sql address -> statement name
  int next_statement_ = 0;
  bool broken_ = false;
  bool retryable_ = false;
};

// A fixed set of connections handed out exclusively. Thread-safe. Every
// lease must be returned before the pool is destroyed.
class ConnectionPool {
 public:
  // Returns its connection to the pool when destroyed.
  class Lease {
   public:
    Lease(ConnectionPool* pool, Connection* conn) : pool_(pool), conn_(conn) {}
    Lease(Lease&& other) noexcept
        : pool_(std::exchange(other.pool_, nullptr)), conn_(std::exchange(other.conn_, nullptr)) {}
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    Lease& operator=(Lease&&) = delete;
    ~Lease() {
      if (pool_ != nullptr) pool_->Release(conn_);
    }
    Connection& operator*() const { return *conn_; }
    Connection* operator->() const { return conn_; }

   private:
    ConnectionPool* pool_;
    Connection* conn_;
  };

  ConnectionPool(std::vector<std::unique_ptr<Connection>> connections, int timeout_ms)
      : all_(std::move(connections)), timeout_(timeout_ms) {
    for (auto& conn : all_) idle_.push_back(conn.get());
  }

  // A free connection, reconnected first if it was lost. kUnavailable when
  // none frees up within the timeout or reconnecting fails.
  Result<Lease> Acquire();
  PoolStats Stats() const;

 private:
  void Release(Connection* conn);

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<Connection>> all_;
  std::vector<Connection*> idle_;
  int in_use_ = 0;
  uint64_t waits_ = 0;
  int waiting_ = 0;
  std::chrono::milliseconds timeout_;
};

inline constexpr char kBeginWriteSql[] = "BEGIN";
inline constexpr char kBeginReadSql[] = "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY";
inline constexpr char kCommitSql[] = "COMMIT";
inline constexpr char kRollbackSql[] = "ROLLBACK";
inline constexpr char kSavepointSql[] = "SAVEPOINT sh_call";
inline constexpr char kReleaseSavepointSql[] = "RELEASE SAVEPOINT sh_call";
inline constexpr char kRollbackToSavepointSql[] = "ROLLBACK TO SAVEPOINT sh_call";
inline constexpr char kAdvisoryXactLockSql[] =
    "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))";

// An open transaction on a connection; rolls back unless committed.
class Transaction {
 public:
  enum class Mode { kWrite, kRead };

  static Result<Transaction> Begin(Connection& conn, Mode mode) {
    conn.clear_retryable();
    SH_TRY(conn.Exec(mode == Mode::kWrite ? kBeginWriteSql : kBeginReadSql));
    return Transaction(&conn);
  }

  Transaction(Transaction&& other) noexcept : conn_(std::exchange(other.conn_, nullptr)) {}
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  Transaction& operator=(Transaction&&) = delete;
  ~Transaction() {
    if (conn_ == nullptr || conn_->broken() || !conn_->in_transaction()) return;
    (void)conn_->Exec(kRollbackSql);
  }

  Result<void> Commit() {
    Connection* conn = std::exchange(conn_, nullptr);
    SH_ASSIGN_OR_RETURN(const Rows done, conn->Exec(kCommitSql));
    // COMMIT of a transaction an earlier statement aborted rolls back.
    if (done.Command() != "COMMIT") {
      return Fail(Error::Internal("postgres: transaction rolled back after an earlier error"));
    }
    return {};
  }

 private:
  explicit Transaction(Connection* conn) : conn_(conn) {}
  Connection* conn_;
};

// A text[] literal of `values` for `= ANY($n::text[])` parameters.
inline std::string TextArray(const std::vector<std::string>& values) {
  std::string out = "{";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ',';
    out += '"';
    for (char c : values[i]) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  out += '}';
  return out;
}

// Blocks until this transaction holds the advisory lock named `key` (e.g.
// "stack:" + id); released at commit or rollback. Only inside Write.
inline Result<void> LockKey(Connection& conn, const std::string& key) {
  SH_TRY(conn.Exec(kAdvisoryXactLockSql, Params().Text(key)));
  return {};
}

// The transaction a thread opened with PostgresStore::RunInTransaction.
// While it is open, every call that thread makes on `store` runs on `conn`
// inside it instead of taking a connection of its own.
struct AmbientTransaction {
  const PostgresStore* store = nullptr;
  Connection* conn = nullptr;
  std::vector<std::function<void()>> after_commit;
};
inline thread_local AmbientTransaction* tls_ambient = nullptr;

// Short randomized pause before retrying a transaction (attempt >= 1).
void BackoffBeforeRetry(int attempt);

// ---------------------------------------------------------------------------
// Row helpers

// Columns (id, login, name, email, site_admin, created) from `first`.
inline UserRecord ReadUser(const Rows& rows, int first) {
  UserRecord user;
  user.id = rows.Text(first);
  user.login = rows.Text(first + 1);
  user.name = rows.Text(first + 2);
  user.email = rows.Text(first + 3);
  user.site_admin = rows.Bool(first + 4);
  user.created = rows.Int(first + 5);
  return user;
}

using storage::ToRole;

template <class R>
R InternalFromException(const std::exception& e) {
  return Fail(Error::Internal(fmt::format("postgres store: exception: {}", e.what())));
}

}  // namespace pg

using pg::Connection;
using pg::Params;
using pg::Rows;
using pg::Transaction;

template <class Fn>
auto PostgresStore::InTransaction(int mode, Fn&& fn) -> std::invoke_result_t<Fn&, Connection&> {
  using R = std::invoke_result_t<Fn&, Connection&>;
  try {
    if (pg::tls_ambient != nullptr && pg::tls_ambient->store == this) {
      Connection& conn = *pg::tls_ambient->conn;
      if (mode != kWriteMode) return fn(conn);
      SH_TRY(conn.Exec(pg::kSavepointSql));
      R result = fn(conn);
      if (!result) {
        (void)conn.Exec(pg::kRollbackToSavepointSql);
        (void)conn.Exec(pg::kReleaseSavepointSql);
        return result;
      }
      SH_TRY(conn.Exec(pg::kReleaseSavepointSql));
      return result;
    }
    for (int attempt = 1;; ++attempt) {
      SH_ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
      bool started = false;  // fn was called
      R result = [&]() -> R {
        if (mode == kQueryMode) {
          conn->clear_retryable();
          started = true;
          return fn(*conn);
        }
        SH_ASSIGN_OR_RETURN(auto tx, Transaction::Begin(*conn, mode == kWriteMode
                                                                   ? Transaction::Mode::kWrite
                                                                   : Transaction::Mode::kRead));
        started = true;
        R inner = fn(*conn);
        if (!inner) return inner;
        SH_TRY(tx.Commit());
        return inner;
      }();
      if (result || attempt >= pg::kMaxAttempts) return result;
      // Retry deadlocks and serialization failures, and a lost connection
      // when nothing can have been written.
      const bool lost = conn->broken() && (!started || mode == kReadMode);
      if (!conn->retryable() && !lost) return result;
      if (!lost) pg::BackoffBeforeRetry(attempt);
    }
  } catch (const std::exception& e) {
    return pg::InternalFromException<R>(e);
  }
}

template <class Fn>
auto PostgresStore::Write(Fn&& fn) -> std::invoke_result_t<Fn&, Connection&> {
  return InTransaction(kWriteMode, std::forward<Fn>(fn));
}

template <class Fn>
auto PostgresStore::Read(Fn&& fn) -> std::invoke_result_t<Fn&, Connection&> {
  return InTransaction(kReadMode, std::forward<Fn>(fn));
}

template <class Fn>
auto PostgresStore::Query(Fn&& fn) -> std::invoke_result_t<Fn&, Connection&> {
  return InTransaction(kQueryMode, std::forward<Fn>(fn));
}

}  // namespace statehouse::storage
