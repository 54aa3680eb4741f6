#include "bench_backend.h"

#include <fmt/format.h>
#include <libpq-fe.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string_view>

#include "storage/postgres/postgres_store.h"
#include "storage/sqlite/sqlite_store.h"

namespace statehouse::bench {
namespace {

// `url` with its database replaced by `name` (URL or keyword form).
std::string WithDatabaseName(const std::string& url, const std::string& name) {
  for (std::string_view scheme : {"postgres://", "postgresql://"}) {
    if (!url.starts_with(scheme)) continue;
    const size_t path = url.find_first_of("/?", scheme.size());
    if (path == std::string::npos) return url + "/" + name;
    const size_t query = url.find('?', path);
    return url.substr(0, path) + "/" + name +
           (query == std::string::npos ? "" : url.substr(query));
  }
  return url + " dbname=" + name;
}

// Runs one statement on a new connection to `url`; returns libpq's error, or
// "" on success.
std::string Execute(const std::string& url, const std::string& sql) {
  PGconn* conn = PQconnectdb(url.c_str());
  std::string error;
  if (PQstatus(conn) != CONNECTION_OK) {
    error = PQerrorMessage(conn);
  } else {
    PGresult* result = PQexec(conn, sql.c_str());
    if (PQresultStatus(result) != PGRES_COMMAND_OK) error = PQresultErrorMessage(result);
    PQclear(result);
  }
  PQfinish(conn);
  return error;
}

std::string UniqueSuffix() {
  static std::atomic<int> counter{0};
  std::random_device device;
  return fmt::format("{}_{}_{:08x}", ::getpid(), counter.fetch_add(1), device());
}

}  // namespace

Result<std::unique_ptr<BenchDatabase>> BenchDatabase::Open(Backend backend, int pool_size) {
  std::unique_ptr<BenchDatabase> db(new BenchDatabase());
  if (backend == Backend::kSqlite) {
    db->sqlite_dir_ =
        (std::filesystem::temp_directory_path() / ("statehouse-bench-" + UniqueSuffix())).string();
    std::error_code ec;
    std::filesystem::create_directories(db->sqlite_dir_, ec);
    if (ec) return Fail(Error::Unavailable("cannot create " + db->sqlite_dir_ + ": " + ec.message()));
    storage::SqliteOptions options;
    options.path = db->sqlite_dir_ + "/bench.db";
    options.pool_size = pool_size;
    SH_ASSIGN_OR_RETURN(db->store_, storage::OpenSqliteStore(options));
    return db;
  }

  const char* server_url = std::getenv(kPostgresUrlEnv);
  if (server_url == nullptr || *server_url == '\0') {
    return Fail(Error::Unavailable(
        fmt::format("{} is not set (a postgres:// URL of a maintenance database); skipped, "
                    "see bench/run-micro-bench-postgres.sh",
                    kPostgresUrlEnv)));
  }
  const std::string name = "statehouse_bench_" + UniqueSuffix();
  const std::string sql = fmt::format("CREATE DATABASE \"{}\" TEMPLATE template0", name);
  if (std::string error = Execute(server_url, sql); !error.empty()) {
    return Fail(Error::Unavailable(sql + ": " + error));
  }
  db->server_url_ = server_url;
  db->database_name_ = name;
  storage::PostgresOptions options;
  options.url = WithDatabaseName(server_url, name);
  options.pool_size = pool_size;
  SH_ASSIGN_OR_RETURN(db->store_, storage::OpenPostgresStore(options));
  return db;
}

BenchDatabase::~BenchDatabase() {
  store_.reset();
  if (!sqlite_dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(sqlite_dir_, ec);
  }
  if (!database_name_.empty()) {
    (void)Execute(server_url_,
                  fmt::format("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", database_name_));
  }
}

std::string Describe(const Error& error) {
  return error.detail.empty() ? error.message : error.message + ": " + error.detail;
}

}  // namespace statehouse::bench
