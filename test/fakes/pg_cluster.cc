#include "test/fakes/pg_cluster.h"

#include <fmt/format.h>
#include <libpq-fe.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <thread>
#include <vector>

#include "storage/migrations.h"
#include "storage/postgres/postgres_store.h"

#ifndef STATEHOUSE_SOURCE_DIR
#error "STATEHOUSE_SOURCE_DIR must name the source tree (for scripts/test-pg-cluster)"
#endif

namespace statehouse::testing {
namespace {

// Serializes template creation across processes sharing a server.
constexpr int64_t kTemplateLockKey = 0x5348544D504C4154;  // "SHTMPLAT"

struct ClusterState {
  std::mutex mu;
  std::optional<std::string> url;
  std::string state_file;  // non-empty when this process started the cluster
  bool drop_at_exit = false;
  std::vector<std::string> created;  // databases to drop at exit
  std::string template_name;         // "" until built
};

ClusterState& State() {
  static ClusterState* state = new ClusterState();  // never destroyed: used at exit
  return *state;
}

std::string ScriptPath() { return std::string(STATEHOUSE_SOURCE_DIR) + "/scripts/test-pg-cluster"; }

std::string Quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += "'\\''";
    else out += c;
  }
  return out + "'";
}

void AtExit() {
  ClusterState& state = State();
  std::lock_guard lock(state.mu);
  if (state.url && state.drop_at_exit) {
    PGconn* conn = PQconnectdb(state.url->c_str());
    if (PQstatus(conn) == CONNECTION_OK) {
      for (const std::string& name : state.created) {
        const std::string sql = fmt::format("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", name);
        PQclear(PQexec(conn, sql.c_str()));
      }
    }
    PQfinish(conn);
  }
  if (!state.state_file.empty()) {
    const std::string command =
        fmt::format("{} stop {} >/dev/null 2>&1", Quote(ScriptPath()), Quote(state.state_file));
    (void)std::system(command.c_str());
  }
}

std::string RandomHex(int chars) {
  thread_local std::mt19937_64 rng(std::random_device{}() ^
                                    static_cast<uint64_t>(::getpid()) << 32);
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (int i = 0; i < chars; ++i) out += kDigits[rng() % 16];
  return out;
}

// Name of the template database for the current migration list.
std::string TemplateName() {
  uint64_t hash = 1469598103934665603ull;
  auto mix = [&](std::string_view bytes) {
    for (unsigned char c : bytes) {
      hash ^= c;
      hash *= 1099511628211ull;
    }
  };
  for (const auto& migration : storage::AllMigrations()) {
    mix(std::to_string(migration.version));
    mix(migration.name);
    mix(migration.postgres);
  }
  return fmt::format("statehouse_tmpl_{:016x}", hash);
}

class PgConn {
 public:
  explicit PgConn(const std::string& url) : conn_(PQconnectdb(url.c_str())) {
    PQsetNoticeProcessor(conn_, [](void*, const char*) {}, nullptr);
  }
  ~PgConn() { PQfinish(conn_); }
  bool ok() const { return PQstatus(conn_) == CONNECTION_OK; }
  std::string error() const { return PQerrorMessage(conn_); }
  // Runs `sql`; the error text, or "" on success. With `rows`, the first
  // column of every row.
  std::string Exec(const std::string& sql, std::vector<std::string>* rows = nullptr) {
    PGresult* res = PQexec(conn_, sql.c_str());
    const ExecStatusType status = PQresultStatus(res);
    std::string error;
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
      error = PQresultErrorMessage(res);
      if (error.empty()) error = PQerrorMessage(conn_);
    } else if (rows != nullptr) {
      for (int i = 0; i < PQntuples(res); ++i) rows->push_back(PQgetvalue(res, i, 0));
    }
    PQclear(res);
    return error;
  }

 private:
  PGconn* conn_;
};

Error ClusterError(std::string detail) {
  return Error{ErrorCode::kUnavailable, "test PostgreSQL server unavailable", std::move(detail)};
}

// The server URL (state.mu held).
Result<std::string> ResolveLocked(ClusterState& state) {
  if (state.url) return *state.url;
  if (const char* env = std::getenv("STATEHOUSE_TEST_PG"); env != nullptr && *env != '\0') {
    state.url = env;
    state.drop_at_exit = true;
    std::atexit(&AtExit);
    return *state.url;
  }
  if (const char* file = std::getenv("STATEHOUSE_TEST_PG_FILE"); file != nullptr && *file != '\0') {
    std::ifstream in(file);
    std::string line;
    if (in && std::getline(in, line) && !line.empty()) {
      state.url = line;
      return *state.url;
    }
  }
  const std::string state_file = fmt::format("/tmp/statehouse-pg-state-{}-{}", ::getpid(), RandomHex(6));
  const std::string command = fmt::format("{} start {} {} >/tmp/statehouse-pg-start-{}.log 2>&1",
                                          Quote(ScriptPath()), Quote(state_file), ::getpid(),
                                          ::getpid());
  if (std::system(command.c_str()) != 0) {
    return Fail(ClusterError(fmt::format("'{}' failed; see /tmp/statehouse-pg-start-{}.log",
                                         command, ::getpid())));
  }
  std::remove(fmt::format("/tmp/statehouse-pg-start-{}.log", ::getpid()).c_str());
  std::ifstream in(state_file);
  std::string line;
  if (!in || !std::getline(in, line) || line.empty()) {
    return Fail(ClusterError("test-pg-cluster wrote no URL to " + state_file));
  }
  state.state_file = state_file;
  state.url = line;
  std::atexit(&AtExit);
  return *state.url;
}

// Builds the template database once per server and schema (state.mu held).
Result<std::string> TemplateLocked(ClusterState& state, const std::string& url) {
  if (!state.template_name.empty()) return state.template_name;
  const std::string name = TemplateName();
  PgConn conn(url);
  if (!conn.ok()) return Fail(ClusterError("connect: " + conn.error()));
  if (auto e = conn.Exec(fmt::format("SELECT pg_advisory_lock({})", kTemplateLockKey)); !e.empty()) {
    return Fail(ClusterError(e));
  }
  auto build = [&]() -> Result<void> {
    std::vector<std::string> found;
    if (auto e = conn.Exec(fmt::format("SELECT 1 FROM pg_database WHERE datname = '{}'", name),
                           &found);
        !e.empty()) {
      return Fail(ClusterError(e));
    }
    if (!found.empty()) return {};
    const std::string building = name + "_building";
    if (auto e = conn.Exec(fmt::format("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", building));
        !e.empty()) {
      return Fail(ClusterError(e));
    }
    if (auto e = conn.Exec(fmt::format("CREATE DATABASE \"{}\"", building)); !e.empty()) {
      return Fail(ClusterError(e));
    }
    storage::PostgresOptions options;
    options.url = WithDatabase(url, building);
    SH_TRY(storage::MigratePostgres(options));
    // The migrating session may linger for a moment after disconnecting.
    std::string error;
    for (int attempt = 0; attempt < 100; ++attempt) {
      error = conn.Exec(fmt::format("ALTER DATABASE \"{}\" RENAME TO \"{}\"", building, name));
      if (error.empty()) return {};
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return Fail(ClusterError(error));
  };
  Result<void> built = build();
  conn.Exec(fmt::format("SELECT pg_advisory_unlock({})", kTemplateLockKey));
  SH_TRY(built);
  state.template_name = name;
  return name;
}

}  // namespace

std::string WithDatabase(const std::string& url, const std::string& name) {
  for (const char* scheme : {"postgres://", "postgresql://"}) {
    const std::string_view prefix = scheme;
    if (url.compare(0, prefix.size(), prefix) != 0) continue;
    const size_t authority_end = url.find_first_of("/?", prefix.size());
    if (authority_end == std::string::npos) return url + "/" + name;
    if (url[authority_end] == '?') return url.substr(0, authority_end) + "/" + name + url.substr(authority_end);
    const size_t query = url.find('?', authority_end);
    return url.substr(0, authority_end) + "/" + name +
           (query == std::string::npos ? "" : url.substr(query));
  }
  return url + " dbname=" + name;
}

Result<std::string> TestPostgresUrl() {
  ClusterState& state = State();
  std::lock_guard lock(state.mu);
  return ResolveLocked(state);
}

Result<std::string> CreateTestDatabase(TestDatabaseSchema schema) {
  ClusterState& state = State();
  std::string url;
  std::string template_name;
  {
    std::lock_guard lock(state.mu);
    SH_ASSIGN_OR_RETURN(url, ResolveLocked(state));
    if (schema == TestDatabaseSchema::kMigrated) {
      SH_ASSIGN_OR_RETURN(template_name, TemplateLocked(state, url));
    }
  }
  const std::string name = "statehouse_t_" + RandomHex(16);
  PgConn conn(url);
  if (!conn.ok()) return Fail(ClusterError("connect: " + conn.error()));
  const std::string sql =
      template_name.empty()
          ? fmt::format("CREATE DATABASE \"{}\" TEMPLATE template0", name)
          : fmt::format("CREATE DATABASE \"{}\" TEMPLATE \"{}\"", name, template_name);
  if (auto e = conn.Exec(sql); !e.empty()) return Fail(ClusterError(sql + ": " + e));
  {
    std::lock_guard lock(state.mu);
    state.created.push_back(name);
  }
  return WithDatabase(url, name);
}

Result<void> DropTestDatabase(const std::string& url) {
  ClusterState& state = State();
  std::string server_url;
  std::string name;
  {
    std::lock_guard lock(state.mu);
    if (state.url) {
      for (auto it = state.created.begin(); it != state.created.end(); ++it) {
        if (WithDatabase(*state.url, *it) != url) continue;
        server_url = *state.url;
        name = *it;
        state.created.erase(it);
        break;
      }
    }
  }
  if (name.empty()) {
    return Fail(Error::InvalidArgument("not a database made by CreateTestDatabase: " + url));
  }
  PgConn conn(server_url);
  if (!conn.ok()) return Fail(ClusterError("connect: " + conn.error()));
  const std::string sql = fmt::format("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", name);
  if (auto e = conn.Exec(sql); !e.empty()) return Fail(ClusterError(sql + ": " + e));
  return {};
}

}  // namespace statehouse::testing

namespace statehouse::testing {

std::string RunSql(const std::string& url, const std::string& sql) {
  PGconn* conn = PQconnectdb(url.c_str());
  std::string out;
  if (PQstatus(conn) != CONNECTION_OK) {
    out = std::string("ERROR: ") + PQerrorMessage(conn);
  } else {
    PGresult* res = PQexec(conn, sql.c_str());
    const ExecStatusType status = PQresultStatus(res);
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
      out = std::string("ERROR: ") + PQresultErrorMessage(res);
    } else if (PQntuples(res) > 0) {
      out = PQgetvalue(res, 0, 0);
    }
    PQclear(res);
  }
  PQfinish(conn);
  return out;
}

}  // namespace statehouse::testing
