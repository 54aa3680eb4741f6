#include "storage/sqlite/sqlite_engine.h"

#include <fmt/format.h>
#include <sqlite3.h>

#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>

#include "storage/engine/connection_pool.h"
#include "storage/migrations.h"
#include "storage/sqlite/sqlite_connection.h"
#include "storage/sqlite/sqlite_dialect.h"

namespace statehouse::storage {
namespace sqlite {
namespace {

constexpr char kCreateSchemaMigrationsSql[] =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version INTEGER PRIMARY KEY,"
    " name TEXT NOT NULL,"
    " applied_at INTEGER NOT NULL"
    ") STRICT";
constexpr char kInsertSchemaMigrationSql[] =
    "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?1, ?2, unixepoch())";

Error Unexpected(const std::exception& e) {
  return Error::Internal(fmt::format("sqlite store: exception: {}", e.what()));
}

// Every row of a statement, read at once (the statement is reset when its
// handle dies, so rows must not outlive it).
class MaterializedRows final : public RowSource {
 public:
  static Result<std::unique_ptr<RowSource>> Read(Statement& stmt) {
    auto rows = std::unique_ptr<MaterializedRows>(new MaterializedRows());
    for (;;) {
      SH_ASSIGN_OR_RETURN(const bool row, stmt.Step());
      if (!row) break;
      sqlite3_stmt* raw = stmt.raw();
      const int columns = sqlite3_column_count(raw);
      rows->columns_ = columns;
      for (int col = 0; col < columns; ++col) {
        Cell& cell = rows->cells_.emplace_back();
        cell.type = sqlite3_column_type(raw, col);
        switch (cell.type) {
          case SQLITE_INTEGER:
          case SQLITE_FLOAT:
            cell.number = sqlite3_column_int64(raw, col);
            break;
          case SQLITE_TEXT:
          case SQLITE_BLOB: {
            const void* data = cell.type == SQLITE_TEXT
                                   ? static_cast<const void*>(sqlite3_column_text(raw, col))
                                   : sqlite3_column_blob(raw, col);
            const int size = sqlite3_column_bytes(raw, col);
            if (data != nullptr) cell.bytes.assign(static_cast<const char*>(data), size);
            break;
          }
          default:
            break;
        }
      }
      ++rows->count_;
    }
    return std::unique_ptr<RowSource>(std::move(rows));
  }

  bool Next() override { return ++row_ < count_; }
  int Count() const override { return count_; }
  bool IsNull(int col) const override { return At(col).type == SQLITE_NULL; }
  int64_t Int(int col) const override {
    const Cell& cell = At(col);
    if (cell.type == SQLITE_TEXT) return std::strtoll(cell.bytes.c_str(), nullptr, 10);
    return cell.number;
  }
  std::string_view View(int col) const override { return At(col).bytes; }

 private:
  struct Cell {
    int type = SQLITE_NULL;
    int64_t number = 0;
    std::string bytes;
  };
  MaterializedRows() = default;
  const Cell& At(int col) const {
    return cells_[static_cast<size_t>(row_) * static_cast<size_t>(columns_) +
                  static_cast<size_t>(col)];
  }

  int columns_ = 0;
  int count_ = 0;
  int row_ = -1;
  std::vector<Cell> cells_;
};

// The SQLite statements of each named query (all are registered before
// main), translated once. A query's SQLite text may hold several statements
// separated by ';' (where PostgreSQL does the same in one statement with
// data-modifying CTEs); they run in order with the query's parameters.
// Read-only after construction; statements cached by connections point into
// these strings.
class QueryTexts {
 public:
  using Statements = std::vector<std::string>;

  QueryTexts() {
    for (const NamedQuery* query : AllNamedQueries()) {
      texts_.emplace(query, SplitStatements(TranslateForSqlite(query->sqlite)));
    }
  }
  const Statements& Get(const NamedQuery& query) const { return texts_.at(&query); }

 private:
  std::unordered_map<const NamedQuery*, Statements> texts_;
};

class SqliteSession final : public Session {
 public:
  SqliteSession(Connection& conn, const QueryTexts& texts) : conn_(conn), texts_(texts) {}

  // Runs every statement of `query`; returns the rows of the first.
  Result<Rows> Query(const NamedQuery& query, const Params& params) override {
    std::unique_ptr<RowSource> first;
    for (const std::string& sql : texts_.Get(query)) {
      SH_ASSIGN_OR_RETURN(auto stmt, conn_.Prepare(sql.c_str()));
      stmt.Bind(params);
      if (first == nullptr) {
        SH_ASSIGN_OR_RETURN(first, MaterializedRows::Read(stmt));
      } else {
        SH_TRY(stmt.Run());
      }
    }
    return Rows(std::move(first));
  }
  // Runs every statement of `query`; returns the rows the first changed.
  Result<int64_t> Execute(const NamedQuery& query, const Params& params) override {
    std::optional<int64_t> changed;
    for (const std::string& sql : texts_.Get(query)) {
      SH_ASSIGN_OR_RETURN(auto stmt, conn_.Prepare(sql.c_str()));
      stmt.Bind(params);
      SH_TRY(stmt.Run());
      if (!changed) changed = conn_.Changes();
    }
    return changed.value_or(0);
  }
  Result<Rows> QueryDynamic(const std::string& sql, const Params& params) override {
    SH_ASSIGN_OR_RETURN(auto stmt, conn_.PrepareUncached(TranslateForSqlite(sql)));
    stmt.Bind(params);
    SH_ASSIGN_OR_RETURN(auto source, MaterializedRows::Read(stmt));
    return Rows(std::move(source));
  }
  Result<void> LockKey(const std::string&) override { return {}; }

 private:
  Connection& conn_;
  const QueryTexts& texts_;
};

using Pool = storage::ConnectionPool<Connection>;

// Copies the write-ahead log back into the database on its own connection
// and thread, so no committing request pays for it: SQLite's default
// auto-checkpoint runs inside whichever COMMIT takes the log past 1,000 pages
// (a ~4 MB copy and fsync, the slow tail of large journal batches). Hooked
// into every connection with Attach; a hooked connection no longer
// auto-checkpoints. Checkpoints are PASSIVE: they never block readers or the
// writer, and what they cannot copy yet is copied by the next one.
class WalCheckpointer {
 public:
  static constexpr int kWakePages = 1000;

  explicit WalCheckpointer(std::unique_ptr<Connection> conn)
      : conn_(std::move(conn)), thread_([this] { Loop(); }) {}
  ~WalCheckpointer() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    wake_.notify_one();
    thread_.join();
  }
  WalCheckpointer(const WalCheckpointer&) = delete;
  WalCheckpointer& operator=(const WalCheckpointer&) = delete;

  // `conn` must be closed before this checkpointer is destroyed.
  void Attach(Connection& conn) { sqlite3_wal_hook(conn.db(), &WalCheckpointer::OnCommit, this); }

 private:
  static int OnCommit(void* self, sqlite3*, const char*, int pages) {
    if (pages >= kWakePages) {
      auto* checkpointer = static_cast<WalCheckpointer*>(self);
      {
        std::lock_guard lock(checkpointer->mu_);
        checkpointer->pending_ = true;
      }
      checkpointer->wake_.notify_one();
    }
    return SQLITE_OK;
  }

  void Loop() {
    std::unique_lock lock(mu_);
    for (;;) {
      wake_.wait(lock, [this] { return pending_ || stop_; });
      if (stop_) return;
      pending_ = false;
      lock.unlock();
      sqlite3_wal_checkpoint_v2(conn_->db(), nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr,
                                nullptr);
      lock.lock();
    }
  }

  std::unique_ptr<Connection> conn_;
  std::mutex mu_;
  std::condition_variable wake_;
  bool pending_ = false;
  bool stop_ = false;
  std::thread thread_;  // last: starts once the members above exist
};

class SqliteEngine final : public Engine {
 public:
  SqliteEngine(std::unique_ptr<WalCheckpointer> checkpointer, std::unique_ptr<Pool> pool)
      : checkpointer_(std::move(checkpointer)), pool_(std::move(pool)) {}

  Result<void> Run(Mode mode, const SessionFn& fn) override {
    try {
      if (void* ambient = AmbientConnection(); ambient != nullptr) {
        Connection& conn = *static_cast<Connection*>(ambient);
        // SQLite rolls the whole transaction back on some errors (e.g. a
        // full disk); writing on would start a new one the outer commit
        // keeps.
        if (mode == Mode::kWrite && sqlite3_get_autocommit(conn.db()) != 0) {
          return Fail(Error::Internal("sqlite: the enclosing transaction was rolled back"));
        }
        SqliteSession session(conn, texts_);
        return RunJoined(mode, session, fn, [&conn](const char* sql) { return Exec(conn, sql); });
      }
      const bool write = mode == Mode::kWrite;
      SH_ASSIGN_OR_RETURN(auto conn, pool_->Acquire(write ? Pool::Access::kWrite : Pool::Access::kRead));
      SqliteSession session(*conn, texts_);
      if (mode == Mode::kSingle) return fn(session);
      SH_ASSIGN_OR_RETURN(auto tx, Transaction::Begin(*conn, write ? Transaction::Mode::kImmediate
                                                                   : Transaction::Mode::kDeferred));
      SH_TRY(fn(session));
      return tx.Commit();
    } catch (const std::exception& e) {
      return Fail(Unexpected(e));
    }
  }

  PoolStats Stats() const override { return pool_->Stats(); }
  const char* Name() const override { return "sqlite"; }

 protected:
  Result<void> RunOutermost(const std::function<Result<void>(void*)>& body) override {
    try {
      SH_ASSIGN_OR_RETURN(auto conn, pool_->Acquire(Pool::Access::kWrite));
      SH_ASSIGN_OR_RETURN(auto tx, Transaction::Begin(*conn, Transaction::Mode::kImmediate));
      SH_TRY(body(&*conn));
      return tx.Commit();
    } catch (const std::exception& e) {
      return Fail(Unexpected(e));
    }
  }

 private:
  static Result<void> Exec(Connection& conn, const char* sql) {
    SH_ASSIGN_OR_RETURN(auto stmt, conn.Prepare(sql));
    return stmt.Run();
  }

  QueryTexts texts_;  // before pool_: statements cached by connections point into it
  std::unique_ptr<WalCheckpointer> checkpointer_;  // before pool_: hooked into its connections
  std::unique_ptr<Pool> pool_;
};

Result<int64_t> SchemaVersion(Connection& conn) {
  SH_ASSIGN_OR_RETURN(auto stmt, conn.Prepare(kSelectSchemaVersionSql));
  SH_ASSIGN_OR_RETURN(const bool row, stmt.Step());
  return row ? stmt.ColumnInt(0) : 0;
}

Error NewerSchemaError(int64_t version, const std::string& path) {
  return SchemaVersionError(version, true, fmt::format("sqlite database '{}'", path));
}

// Applies every pending migration, each in its own write transaction that
// re-reads the recorded version (another process may be migrating too).
Result<void> Migrate(Connection& conn, const std::string& path) {
  SH_TRY(conn.Exec(kCreateSchemaMigrationsSql));
  SH_ASSIGN_OR_RETURN(const int64_t initial, SchemaVersion(conn));
  if (initial > LatestSchemaVersion()) return Fail(NewerSchemaError(initial, path));
  if (initial == LatestSchemaVersion()) return {};
  for (const Migration& migration : AllMigrations()) {
    SH_ASSIGN_OR_RETURN(auto tx, Transaction::Begin(conn, Transaction::Mode::kImmediate));
    SH_ASSIGN_OR_RETURN(const int64_t current, SchemaVersion(conn));
    if (current > LatestSchemaVersion()) return Fail(NewerSchemaError(current, path));
    if (migration.version <= current) continue;
    if (auto applied = conn.Exec(migration.sqlite); !applied) {
      Error error = std::move(applied).error();
      error.detail =
          fmt::format("migration {} ({}): {}", migration.version, migration.name, error.detail);
      return Fail(std::move(error));
    }
    {
      SH_ASSIGN_OR_RETURN(auto stmt, conn.Prepare(kInsertSchemaMigrationSql));
      // One expression: the bound name lives until the statement has run.
      SH_TRY(stmt.Bind(Params().Int(migration.version).Text(migration.name)).Run());
    }
    SH_TRY(tx.Commit());
  }
  return {};
}

}  // namespace
}  // namespace sqlite

Result<std::unique_ptr<Engine>> OpenSqliteEngine(const SqliteOptions& options) {
  if (options.path.empty()) return Fail(Error::InvalidArgument("sqlite path is empty"));
  if (options.pool_size < 1) return Fail(Error::InvalidArgument("sqlite pool size must be >= 1"));
  if (options.busy_timeout_ms < 0) {
    return Fail(Error::InvalidArgument("sqlite busy timeout must be >= 0"));
  }
  try {
    std::vector<std::unique_ptr<sqlite::Connection>> connections;
    connections.reserve(static_cast<size_t>(options.pool_size));
    while (connections.size() < static_cast<size_t>(options.pool_size)) {
      SH_ASSIGN_OR_RETURN(auto conn, sqlite::Connection::Open(options));
      if (connections.empty()) SH_TRY(sqlite::Migrate(*conn, options.path));  // the first
      connections.push_back(std::move(conn));
    }
    SH_ASSIGN_OR_RETURN(auto checkpoint_conn, sqlite::Connection::Open(options));
    auto checkpointer = std::make_unique<sqlite::WalCheckpointer>(std::move(checkpoint_conn));
    for (auto& conn : connections) checkpointer->Attach(*conn);
    auto pool = std::make_unique<sqlite::Pool>(std::move(connections), options.busy_timeout_ms,
                                               /*single_writer=*/true, "sqlite");
    return std::unique_ptr<Engine>(
        std::make_unique<sqlite::SqliteEngine>(std::move(checkpointer), std::move(pool)));
  } catch (const std::exception& e) {
    return Fail(sqlite::Unexpected(e));
  }
}

}  // namespace statehouse::storage
