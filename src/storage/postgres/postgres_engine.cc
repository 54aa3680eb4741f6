#include "storage/postgres/postgres_engine.h"

#include <fmt/format.h>

#include <exception>
#include <utility>
#include <vector>

#include "storage/engine/connection_pool.h"
#include "storage/migrations.h"
#include "storage/postgres/pg_change_feed.h"
#include "storage/postgres/pg_connection.h"

namespace statehouse::storage {
namespace pg {
namespace {

constexpr char kDatabase[] = "postgres database";  // in schema version errors
// Key of the session advisory lock held while migrating.
constexpr int64_t kMigrationLockKey = 0x5354415445484f55;  // "STATEHOU"
// Creates the bookkeeping table itself. Idempotent; run (under the lock)
// before reading the recorded version.
constexpr char kCreateSchemaMigrationsSql[] =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version INTEGER PRIMARY KEY,"
    " name TEXT NOT NULL,"
    " applied_at BIGINT NOT NULL)";
constexpr char kMigrationLockSql[] = "SELECT pg_advisory_lock($1)";
constexpr char kMigrationUnlockSql[] = "SELECT pg_advisory_unlock($1)";
constexpr char kSchemaTableExistsSql[] = "SELECT to_regclass('schema_migrations') IS NOT NULL";
constexpr char kInsertSchemaMigrationSql[] =
    "INSERT INTO schema_migrations (version, name, applied_at)"
    " VALUES ($1, $2, EXTRACT(EPOCH FROM now())::bigint)";

Error LostConnection() {
  return Error{ErrorCode::kUnavailable, kStorageUnavailableMessage, "postgres: connection lost"};
}

Error Unexpected(const std::exception& e) {
  return Error::Internal(fmt::format("postgres store: exception: {}", e.what()));
}

class PgSession final : public Session {
 public:
  explicit PgSession(Connection& conn) : conn_(conn) {}

  Result<storage::Rows> Query(const NamedQuery& query, const Params& params) override {
    SH_ASSIGN_OR_RETURN(auto rows, conn_.Exec(query.postgres, params));
    return storage::Rows(std::make_unique<Rows>(std::move(rows)));
  }
  Result<int64_t> Execute(const NamedQuery& query, const Params& params) override {
    SH_ASSIGN_OR_RETURN(auto rows, conn_.Exec(query.postgres, params));
    return rows.Affected();
  }
  Result<storage::Rows> QueryDynamic(const std::string& sql, const Params& params) override {
    SH_ASSIGN_OR_RETURN(auto rows, conn_.ExecDynamic(sql, params));
    return storage::Rows(std::make_unique<Rows>(std::move(rows)));
  }
  Result<void> LockKey(const std::string& key) override {
    return conn_.Run(kAdvisoryXactLockSql, Params().Text(key));
  }

 private:
  Connection& conn_;
};

using Pool = storage::ConnectionPool<Connection>;

class PostgresEngine final : public Engine {
 public:
  PostgresEngine(std::unique_ptr<Pool> pool, std::unique_ptr<ChangeFeed> feed)
      : pool_(std::move(pool)), feed_(std::move(feed)) {}

  Result<void> Run(Mode mode, const SessionFn& fn) override {
    try {
      if (void* ambient = AmbientConnection(); ambient != nullptr) {
        Connection& conn = *static_cast<Connection*>(ambient);
        PgSession session(conn);
        return RunJoined(mode, session, fn,
                         [&conn](const char* sql) { return conn.Run(sql); });
      }
      for (int attempt = 1;; ++attempt) {
        SH_ASSIGN_OR_RETURN(auto conn, Acquire());
        PgSession session(*conn);
        bool started = false;  // fn was called
        Result<void> result = [&]() -> Result<void> {
          if (mode == Mode::kSingle) {
            conn->clear_retryable();
            started = true;
            return fn(session);
          }
          SH_ASSIGN_OR_RETURN(auto tx, Transaction::Begin(*conn, mode == Mode::kWrite
                                                                     ? Transaction::Mode::kWrite
                                                                     : Transaction::Mode::kRead));
          started = true;
          SH_TRY(fn(session));
          return tx.Commit();
        }();
        // A statement lost with its connection is never success, even if
        // the body went on without it.
        if (result && conn->broken()) result = Fail(LostConnection());
        if (result && mode == Mode::kWrite) feed_->NoteLocalCommit();
        if (result || attempt >= kMaxAttempts) return result;
        // Retry deadlocks and serialization failures, and a lost connection
        // when nothing can have been written.
        const bool lost = conn->broken() && (!started || mode == Mode::kRead);
        if (!conn->retryable() && !lost) return result;
        if (!lost) BackoffBeforeRetry(attempt);
      }
    } catch (const std::exception& e) {
      return Fail(Unexpected(e));
    }
  }

  PoolStats Stats() const override { return pool_->Stats(); }
  std::optional<uint64_t> AwaitChangeGeneration() override { return feed_->Await(); }
  const char* Name() const override { return "postgres"; }

 protected:
  // Runs once: a deadlock inside is not retried (the body may have had
  // effects outside the store).
  Result<void> RunOutermost(const std::function<Result<void>(void*)>& body) override {
    try {
      SH_ASSIGN_OR_RETURN(auto conn, Acquire());
      SH_ASSIGN_OR_RETURN(auto tx, Transaction::Begin(*conn, Transaction::Mode::kWrite));
      SH_TRY(body(&*conn));
      SH_TRY(tx.Commit());
      feed_->NoteLocalCommit();
      return {};
    } catch (const std::exception& e) {
      return Fail(Unexpected(e));
    }
  }

 private:
  // A pooled connection, reconnected first if the server closed it.
  Result<Pool::Lease> Acquire() {
    SH_ASSIGN_OR_RETURN(auto lease, pool_->Acquire(Pool::Access::kWrite));
    lease->Probe();
    if (lease->broken()) SH_TRY(lease->Reset());
    return lease;
  }

  std::unique_ptr<Pool> pool_;
  std::unique_ptr<ChangeFeed> feed_;
};

Result<int64_t> SchemaVersion(Connection& conn) {
  {
    SH_ASSIGN_OR_RETURN(auto rows, conn.Exec(kSchemaTableExistsSql));
    if (!rows.Next() || rows.Int(0) == 0) return 0;
  }
  SH_ASSIGN_OR_RETURN(auto rows, conn.Exec(kSelectSchemaVersionSql));
  return rows.Next() ? rows.Int(0) : 0;
}

// Applies every pending migration under the migration lock, each in its own
// transaction. Returns the resulting version.
Result<int64_t> Migrate(Connection& conn) {
  SH_TRY(conn.ExecScript("SET lock_timeout = 0"));
  SH_TRY(conn.Run(kMigrationLockSql, Params().Int(kMigrationLockKey)));
  auto migrate = [&]() -> Result<int64_t> {
    SH_TRY(conn.ExecScript(kCreateSchemaMigrationsSql));
    SH_ASSIGN_OR_RETURN(int64_t current, SchemaVersion(conn));
    if (current > LatestSchemaVersion()) return Fail(SchemaVersionError(current, true, kDatabase));
    for (const Migration& migration : AllMigrations()) {
      if (migration.version <= current) continue;
      SH_ASSIGN_OR_RETURN(auto tx, Transaction::Begin(conn, Transaction::Mode::kWrite));
      if (auto applied = conn.ExecScript(migration.postgres); !applied) {
        Error error = std::move(applied).error();
        error.detail =
            fmt::format("migration {} ({}): {}", migration.version, migration.name, error.detail);
        return Fail(std::move(error));
      }
      SH_TRY(conn.Run(kInsertSchemaMigrationSql,
                      Params().Int(migration.version).Text(migration.name)));
      SH_TRY(tx.Commit());
      current = migration.version;
    }
    return current;
  };
  Result<int64_t> result = migrate();
  if (!conn.broken()) (void)conn.Run(kMigrationUnlockSql, Params().Int(kMigrationLockKey));
  return result;
}

Result<void> ValidateOptions(const PostgresOptions& options) {
  if (options.url.empty()) return Fail(Error::InvalidArgument("postgres url is empty"));
  if (options.pool_size < 1) return Fail(Error::InvalidArgument("postgres pool size must be >= 1"));
  if (options.timeout_ms < 0) return Fail(Error::InvalidArgument("postgres timeout must be >= 0"));
  return {};
}

}  // namespace
}  // namespace pg

Result<int> MigratePostgres(const PostgresOptions& options) {
  SH_TRY(pg::ValidateOptions(options));
  try {
    SH_ASSIGN_OR_RETURN(auto conn, pg::Connection::Open(options.url, options.timeout_ms));
    SH_ASSIGN_OR_RETURN(const int64_t version, pg::Migrate(*conn));
    return static_cast<int>(version);
  } catch (const std::exception& e) {
    return Fail(pg::Unexpected(e));
  }
}

Result<std::unique_ptr<Engine>> OpenPostgresEngine(const PostgresOptions& options) {
  SH_TRY(pg::ValidateOptions(options));
  try {
    if (options.migrate) SH_TRY(MigratePostgres(options));
    std::vector<std::unique_ptr<pg::Connection>> connections;
    connections.reserve(static_cast<size_t>(options.pool_size));
    while (connections.size() < static_cast<size_t>(options.pool_size)) {
      SH_ASSIGN_OR_RETURN(auto conn, pg::Connection::Open(options.url, options.timeout_ms));
      if (connections.empty()) {
        SH_ASSIGN_OR_RETURN(const int64_t version, pg::SchemaVersion(*conn));
        if (version != LatestSchemaVersion()) {
          return Fail(SchemaVersionError(version, version > LatestSchemaVersion(), pg::kDatabase));
        }
      }
      connections.push_back(std::move(conn));
    }
    auto pool = std::make_unique<pg::Pool>(std::move(connections), options.timeout_ms,
                                           /*single_writer=*/false, "postgres");
    auto feed = std::make_unique<pg::ChangeFeed>(options.url, options.timeout_ms);
    return std::unique_ptr<Engine>(
        std::make_unique<pg::PostgresEngine>(std::move(pool), std::move(feed)));
  } catch (const std::exception& e) {
    return Fail(pg::Unexpected(e));
  }
}

}  // namespace statehouse::storage
