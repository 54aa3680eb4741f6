#pragma once

// The PostgreSQL adapter's building blocks: binary result rows,
// a connection with its prepared-statement cache (named statements keyed by
// the SQL text's address), transactions and error mapping. Include only from src/storage/postgres/.
//
// Errors: unique_violation (23505) -> kAlreadyExists "already exists";
// deadlock/serialization failure -> retryable() and kUnavailable;
// lock_timeout, statement cancel, too many connections, lost connection ->
// kUnavailable (the pool reconnects a lost connection on its next use);
// anything else -> kInternal with SQLSTATE and the statement in `detail`.

#include <fmt/format.h>
#include <libpq-fe.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "storage/postgres/postgres_engine.h"

namespace statehouse::storage {
namespace pg {

// Attempts of a Write/Read that fails with a deadlock or serialization
// failure before kUnavailable.
inline constexpr int kMaxAttempts = 4;

// The rows of one statement's result (binary format), read with a cursor:
// call Next() before reading the first row. Owns the PGresult.
class Rows final : public RowSource {
 public:
  explicit Rows(PGresult* res) : res_(res, &PQclear) {}

  bool Next() override { return ++row_ < PQntuples(res_.get()); }
  int Count() const override { return PQntuples(res_.get()); }
  // Rows changed by an INSERT, UPDATE or DELETE (0 for other statements).
  int64_t Affected() const {
    const char* n = PQcmdTuples(res_.get());
    return (n == nullptr || *n == '\0') ? 0 : std::strtoll(n, nullptr, 10);
  }

  // The command tag, e.g. "INSERT 0 1" or "COMMIT".
  std::string_view Command() const { return PQcmdStatus(res_.get()); }

  bool IsNull(int col) const override { return PQgetisnull(res_.get(), row_, col) != 0; }
  // int2/int4/int8/bool columns (0 when NULL).
  int64_t Int(int col) const override;
  // text/varchar or bytea columns, byte for byte ("" when NULL).
  std::string_view View(int col) const override {
    if (IsNull(col)) return {};
    return std::string_view(PQgetvalue(res_.get(), row_, col),
                            static_cast<size_t>(PQgetlength(res_.get(), row_, col)));
  }

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
  // Prepares `sql` (cached as Exec does) without running it; returns the
  // statement's name.
  Result<const std::string*> Prepare(const char* sql);
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
  // The libpq handle, for asynchronous use (the change feed's LISTEN
  // connection); statements go through the methods above.
  PGconn* native() const { return conn_; }

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

inline constexpr char kBeginWriteSql[] = "BEGIN";
inline constexpr char kBeginReadSql[] = "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY";
inline constexpr char kCommitSql[] = "COMMIT";
inline constexpr char kRollbackSql[] = "ROLLBACK";
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

  Result<void> Commit() {
    Connection* conn = conn_.release();
    SH_ASSIGN_OR_RETURN(const Rows done, conn->Exec(kCommitSql));
    // COMMIT of a transaction an earlier statement aborted rolls back.
    if (done.Command() != "COMMIT") {
      return Fail(Error::Internal("postgres: transaction rolled back after an earlier error"));
    }
    return {};
  }

 private:
  struct RollBack {
    void operator()(Connection* conn) const {
      if (!conn->broken() && conn->in_transaction()) (void)conn->Exec(kRollbackSql);
    }
  };
  explicit Transaction(Connection* conn) : conn_(conn) {}
  std::unique_ptr<Connection, RollBack> conn_;
};

// Short randomized pause before retrying a transaction (attempt >= 1).
void BackoffBeforeRetry(int attempt);

}  // namespace pg
}  // namespace statehouse::storage
