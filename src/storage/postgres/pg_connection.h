#pragma once

// The PostgreSQL adapter's building blocks: parameters, binary result rows,
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

#include "storage/postgres/postgres_engine.h"

namespace statehouse::storage {
namespace pg {


// Attempts of a Write/Read that fails with a deadlock or serialization
// failure before kUnavailable.
inline constexpr int kMaxAttempts = 4;

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
  // Borrows a NUL-terminated text (it must outlive the Exec call).
  Params& BorrowText(const char* value) { return Add(value, 0, 0, -1); }
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
  std::string_view View(int col) const {
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

// Short randomized pause before retrying a transaction (attempt >= 1).
void BackoffBeforeRetry(int attempt);

}  // namespace pg
}  // namespace statehouse::storage
