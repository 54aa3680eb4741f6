#pragma once

// The engine port: the only seam between the stores (src/storage/*_store.cc,
// each written once) and a database engine (src/storage/sqlite/,
// src/storage/postgres/). A store runs named queries with typed parameters
// on a Session inside a transaction that the Engine opens, retries and
// commits; nothing above this header knows which engine runs.
//
// SQL dialect. Every query is written once in PostgreSQL's dialect; the
// SQLite adapter rewrites it mechanically when it prepares it (the rewrites
// are listed in sqlite/sqlite_dialect.h). A query whose engines really
// differ (claims with SKIP LOCKED, data-modifying CTEs) names a text for each;
// its SQLite text may then hold several statements separated by ';', which
// run in order with the query's parameters (each statement binds those up to
// its highest placeholder; the rows and the change count are the first
// statement's), inside the caller's transaction.

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "common/error.h"

namespace statehouse::storage {

// A statement named once for both engines. Texts have static storage
// duration; adapters key their prepared-statement caches by the query's
// address, so a NamedQuery must be a namespace-scope constant.
struct NamedQuery {
  const char* name;
  const char* sqlite;    // SQLite text, PostgreSQL dialect (rewritten on prepare)
  const char* postgres;  // PostgreSQL text, used verbatim
};

// Every query defined with SH_QUERY / SH_ENGINE_QUERY in this binary.
const std::vector<const NamedQuery*>& AllNamedQueries();

// Adds `query` to AllNamedQueries() during static initialization.
struct NamedQueryRegistration {
  explicit NamedQueryRegistration(const NamedQuery& query);
};

// Defines `id`, a query with one text for both engines.
#define SH_QUERY(id, sql)                    \
  constexpr ::statehouse::storage::NamedQuery id{#id, sql, sql}; \
  const ::statehouse::storage::NamedQueryRegistration id##_registered { id }
// Defines `id`, a query with a text per engine (only where they really
// differ).
#define SH_ENGINE_QUERY(id, sqlite_sql, postgres_sql)                          \
  constexpr ::statehouse::storage::NamedQuery id{#id, sqlite_sql, postgres_sql}; \
  const ::statehouse::storage::NamedQueryRegistration id##_registered { id }

// Positional parameters ($1, $2, ...) of one statement. Text(const
// std::string&) and Bytes() borrow the caller's bytes, which must outlive the
// statement's execution; other overloads copy. Text bytes are always those
// of a std::string, so they are NUL-terminated (adapters may pass them on as
// C strings). Not thread-safe.
class Params {
 public:
  enum class Type { kNull, kText, kInt, kBool, kBytes };
  struct Value {
    Type type = Type::kNull;
    std::string_view bytes;  // kText, kBytes
    int64_t number = 0;      // kInt, kBool
  };
  // Marks bytes for Of(): kept byte for byte (BLOB / bytea), borrowed.
  struct Blob {
    std::string_view bytes;
  };

  Params() = default;
  // The parameters `values`, in order, each added by its type: bool as
  // Bool, other integers as Int, Blob as Bytes, std::optional<std::string> as
  // Text or Null, anything else as Text (borrowed or copied as Text does).
  template <class... Values>
  static Params Of(Values&&... values) {
    Params params;
    (params.AddValue(std::forward<Values>(values)), ...);
    return params;
  }
  // Moving keeps owned texts in place (deque storage is handed over); a copy
  // would point into the original, so there is none.
  Params(Params&&) = default;
  Params& operator=(Params&&) = default;
  Params(const Params&) = delete;
  Params& operator=(const Params&) = delete;

  Params& Text(const std::string& value) { return Add({Type::kText, value, 0}); }
  Params& Text(std::string&& value) { return Add({Type::kText, Own(std::move(value)), 0}); }
  Params& Text(std::string_view value) { return Add({Type::kText, Own(std::string(value)), 0}); }
  Params& Text(const char* value) { return Text(std::string_view(value)); }
  Params& Int(int64_t value) { return Add({Type::kInt, {}, value}); }
  Params& Bool(bool value) { return Add({Type::kBool, {}, value ? 1 : 0}); }
  Params& Bytes(std::string_view value) { return Add({Type::kBytes, value, 0}); }
  Params& Null() { return Add({Type::kNull, {}, 0}); }

  const std::vector<Value>& values() const { return values_; }
  size_t size() const { return values_.size(); }

 private:
  Params& Add(Value value) {
    values_.push_back(value);
    return *this;
  }
  std::string_view Own(std::string&& value) { return owned_.emplace_back(std::move(value)); }
  template <class T>
  void AddValue(T&& value) {
    using V = std::remove_cvref_t<T>;
    if constexpr (std::is_same_v<V, bool>) {
      Bool(value);
    } else if constexpr (std::is_integral_v<V>) {
      Int(value);
    } else if constexpr (std::is_same_v<V, Blob>) {
      Bytes(value.bytes);
    } else if constexpr (std::is_same_v<V, std::optional<std::string>>) {
      value ? Text(std::forward<T>(value).value()) : Null();
    } else {
      Text(std::forward<T>(value));
    }
  }

  std::vector<Value> values_;
  std::deque<std::string> owned_;
};

// The rows a statement returned, read with a cursor: call Next() before the
// first row. An engine's implementation behind a uniform face.
class RowSource {
 public:
  virtual ~RowSource() = default;
  virtual bool Next() = 0;
  virtual int Count() const = 0;
  virtual bool IsNull(int col) const = 0;
  virtual int64_t Int(int col) const = 0;
  virtual std::string_view View(int col) const = 0;
};

class Rows {
 public:
  explicit Rows(std::unique_ptr<RowSource> source) : source_(std::move(source)) {}

  // Advances to the next row; false past the last one.
  bool Next() { return source_->Next(); }
  int Count() const { return source_->Count(); }
  bool IsNull(int col) const { return source_->IsNull(col); }
  // Integer or boolean column (0 when NULL).
  int64_t Int(int col) const { return source_->Int(col); }
  bool Bool(int col) const { return Int(col) != 0; }
  // Text or bytes column, copied ("" when NULL).
  std::string Text(int col) const { return std::string(View(col)); }
  // Text or bytes column without a copy; valid until Next() or destruction.
  std::string_view View(int col) const { return source_->View(col); }
  // Every remaining row, each read with `read(const Rows&)`.
  template <class Read>
  auto All(const Read& read) {
    std::vector<std::invoke_result_t<const Read&, const Rows&>> out;
    out.reserve(static_cast<size_t>(Count()));
    while (Next()) out.push_back(read(*this));
    return out;
  }

 private:
  std::unique_ptr<RowSource> source_;
};

// One connection inside a transaction (or a single statement), handed to a
// store's function by Engine::Write/Read/Single. Used by one thread.
//
// Errors of every method: unique-key violation -> kAlreadyExists "already
// exists" (rename it with AlreadyExistsAs); lock or busy timeouts, lost
// connections, deadlocks -> kUnavailable; anything else -> kInternal with the
// engine's message and the query in `detail`. After an error the enclosing
// transaction is unusable on PostgreSQL: return the error.
class Session {
 public:
  virtual ~Session() = default;
  // Runs `query` (prepared once per connection) and returns its rows.
  virtual Result<Rows> Query(const NamedQuery& query, const Params& params = Params()) = 0;
  // Runs `query` and returns the number of rows it inserted, updated or
  // deleted.
  virtual Result<int64_t> Execute(const NamedQuery& query, const Params& params = Params()) = 0;
  // Execute, discarding the count.
  Result<void> Run(const NamedQuery& query, const Params& params = Params()) {
    SH_TRY(Execute(query, params));
    return {};
  }
  // Execute; kNotFound with `not_found` when no row changed.
  Result<void> ChangeOne(const NamedQuery& query, const Params& params,
                         std::string_view not_found) {
    SH_ASSIGN_OR_RETURN(const int64_t changed, Execute(query, params));
    if (changed == 0) return Fail(Error::NotFound(std::string(not_found)));
    return {};
  }
  // Query; kNotFound with `not_found` when it returns no row.
  Result<void> RequireRow(const NamedQuery& query, const Params& params,
                          std::string_view not_found) {
    SH_ASSIGN_OR_RETURN(auto rows, Query(query, params));
    if (!rows.Next()) return Fail(Error::NotFound(std::string(not_found)));
    return {};
  }
  // Query; its first row read with `read(const Rows&)`, kNotFound with
  // `not_found` when there is none.
  template <class Read>
  auto One(const NamedQuery& query, const Params& params, const Read& read,
           std::string_view not_found) -> Result<std::invoke_result_t<const Read&, const Rows&>> {
    SH_ASSIGN_OR_RETURN(auto rows, Query(query, params));
    if (!rows.Next()) return Fail(Error::NotFound(std::string(not_found)));
    return read(rows);
  }
  // The first column of the first row as an integer; 0 when there is none.
  Result<int64_t> QueryInt(const NamedQuery& query, const Params& params = Params()) {
    SH_ASSIGN_OR_RETURN(auto rows, Query(query, params));
    return rows.Next() ? rows.Int(0) : 0;
  }
  // Runs a statement built at run time (PostgreSQL dialect), not cached.
  // Only for statements whose shape varies with the request (filters).
  virtual Result<Rows> QueryDynamic(const std::string& sql, const Params& params) = 0;
  // Blocks until this transaction holds the lock named `key` (e.g. "stack:"
  // + id), released at commit or rollback. A PostgreSQL advisory transaction
  // lock; nothing on SQLite, whose writers are serialized. Only inside Write.
  virtual Result<void> LockKey(const std::string& key) = 0;
};

// Connection-pool figures for /metrics.
struct PoolStats {
  int size = 0;
  int in_use = 0;
  uint64_t waits = 0;  // acquisitions that had to wait for a free connection
};

// An engine: a pool of connections and the transaction discipline. Thread-
// safe.
class Engine {
 public:
  enum class Mode {
    // A write transaction (SQLite BEGIN IMMEDIATE on the single write slot;
    // PostgreSQL READ COMMITTED). On PostgreSQL the function is retried as a
    // whole after a deadlock or serialization failure, so it may run more
    // than once: it must touch only the session and its own locals.
    kWrite,
    // A read-only transaction: one consistent snapshot for several reads.
    kRead,
    // No explicit transaction: one reading statement, or several that need
    // no common snapshot. Writes use kWrite (on SQLite only kWrite holds the
    // single write slot).
    kSingle,
  };
  using SessionFn = std::function<Result<void>(Session&)>;

  virtual ~Engine() = default;

  // Runs `fn` in `mode` on a pooled connection and commits when it succeeds;
  // rolls back when it fails. Inside RunInTransaction on the same thread,
  // `fn` joins that transaction instead, and a kWrite call runs under a
  // savepoint, so a failing call leaves nothing of its own behind.
  virtual Result<void> Run(Mode mode, const SessionFn& fn) = 0;

  // Runs `body` as one write transaction: every Run this thread makes on this
  // engine while `body` runs joins it; only the outermost call commits.
  // `body` must not wait for other threads that use the engine.
  Result<void> RunInTransaction(const std::function<Result<void>()>& body);
  // Runs `fn` once the thread's outermost transaction has committed; drops it
  // on rollback; runs it at once outside a transaction.
  void AfterCommit(std::function<void()> fn);

  virtual PoolStats Stats() const = 0;
  // Waits until every write committed and acknowledged before this call,
  // by this process or any other on the same database, has been heard of;
  // then returns the change generation, a number that has grown with each
  // of them (and with every commit of this process, before it returned).
  // So a value read before reading data and read again, equal, afterwards
  // means the data is still current. nullopt when the engine cannot tell
  // (a cache keyed by it must read through); the default engine cannot.
  virtual std::optional<uint64_t> AwaitChangeGeneration() { return std::nullopt; }
  // "sqlite" or "postgres".
  virtual const char* Name() const = 0;

  // Run for a function returning Result<T>: returns its value.
  template <class Fn>
  auto Write(Fn&& fn) { return RunReturning(Mode::kWrite, std::forward<Fn>(fn)); }
  template <class Fn>
  auto Read(Fn&& fn) { return RunReturning(Mode::kRead, std::forward<Fn>(fn)); }
  template <class Fn>
  auto Single(Fn&& fn) { return RunReturning(Mode::kSingle, std::forward<Fn>(fn)); }

  // One statement, for the stores' many methods that are no more than that.
  // Single: every row of `query`, each read with `read(const Rows&)`.
  template <class Read>
  auto All(const NamedQuery& query, const Params& params, const Read& read) {
    using T = std::invoke_result_t<const Read&, const Rows&>;
    return Single([&](Session& s) -> Result<std::vector<T>> {
      SH_ASSIGN_OR_RETURN(auto rows, s.Query(query, params));
      return rows.All(read);
    });
  }
  // Single: Session::One.
  template <class Read>
  auto One(const NamedQuery& query, const Params& params, const Read& read,
           std::string_view not_found) {
    return Single([&](Session& s) { return s.One(query, params, read, not_found); });
  }
  // Single: Session::QueryInt.
  Result<int64_t> QueryInt(const NamedQuery& query, const Params& params = Params()) {
    return Single([&](Session& s) { return s.QueryInt(query, params); });
  }
  // Write: Session::ChangeOne.
  Result<void> ChangeOne(const NamedQuery& query, const Params& params,
                         std::string_view not_found) {
    return Write([&](Session& s) { return s.ChangeOne(query, params, not_found); });
  }

 protected:
  // Statements that run a joined kWrite call under a savepoint (the same
  // text on both engines).
  static constexpr char kSavepointSql[] = "SAVEPOINT sh_call";
  static constexpr char kRollbackToSavepointSql[] = "ROLLBACK TO SAVEPOINT sh_call";
  static constexpr char kReleaseSavepointSql[] = "RELEASE SAVEPOINT sh_call";

  // The connection of this thread's RunInTransaction on this engine (as
  // RunOutermost handed it over), or null.
  void* AmbientConnection() const;
  // Opens a write transaction on a pooled connection, calls `body` with that
  // connection, and commits when it succeeds (rolls back otherwise).
  virtual Result<void> RunOutermost(const std::function<Result<void>(void* connection)>& body) = 0;
  // Runs `fn` on `session`, which belongs to the ambient transaction: reads
  // as they are, kWrite under a savepoint so a failing call undoes only its
  // own writes. `exec` runs one of the savepoint statements.
  static Result<void> RunJoined(Mode mode, Session& session, const SessionFn& fn,
                                const std::function<Result<void>(const char* sql)>& exec);

 private:
  template <class Fn>
  std::invoke_result_t<Fn&, Session&> RunReturning(Mode mode, Fn&& fn) {
    using R = std::invoke_result_t<Fn&, Session&>;
    if constexpr (std::is_same_v<R, Result<void>>) {
      return Run(mode, SessionFn(std::ref(fn)));
    } else {
      std::optional<R> out;
      Result<void> status = Run(mode, [&](Session& session) -> Result<void> {
        out.emplace(fn(session));
        if (!*out) return Fail(out->error());
        return {};
      });
      if (!status) return Fail(std::move(status).error());
      return std::move(*out);
    }
  }
};

// "$first, $first+1, ..." for `count` placeholders: the IN lists of
// statements built at run time (Session::QueryDynamic).
std::string Placeholders(int first, size_t count);

// Replaces the message of a kAlreadyExists error.
template <class T>
Result<T> AlreadyExistsAs(Result<T> result, std::string message) {
  if (!result && result.error().code == ErrorCode::kAlreadyExists) {
    result.error().message = std::move(message);
  }
  return result;
}

inline constexpr char kStorageBusyMessage[] = "storage is busy, try again later";
inline constexpr char kStorageUnavailableMessage[] = "storage is unavailable, try again later";

}  // namespace statehouse::storage
