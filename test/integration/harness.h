#pragma once

#include <gtest/gtest.h>
#include <sys/types.h>

#include <boost/json.hpp>
#include <chrono>
#include <initializer_list>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <source_location>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "test/fakes/pg_cluster.h"

namespace statehouse::testing {

// The storage backend the integration tests run against: env
// STATEHOUSE_TEST_BACKEND=postgres selects PostgreSQL (every ServerProcess
// gets a fresh database on the shared test server of pg_cluster.h); unset or
// anything else selects SQLite in the server's data directory.
bool BackendIsPostgres();
// "postgres" or "sqlite", as the server names its store engine.
std::string BackendName();

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct HttpResponse {
  long status = 0;  // 0 when no response was received
  std::string body;
  std::map<std::string, std::string> headers;  // names in lower case
  std::string transport_error;                 // curl error text, if any

  std::string Header(std::string_view name) const;
  bool HasHeader(std::string_view name) const;
};

std::ostream& operator<<(std::ostream& os, const HttpResponse& response);

struct ServerConfig {
  // When true (default) the server gets `--bootstrap-token <random>`.
  bool pass_bootstrap_token = true;
  // Empty: pick a fresh `pul-` + 40 hex value at construction.
  std::string bootstrap_token;
  std::vector<std::string> extra_args;
  std::vector<std::pair<std::string, std::string>> env;
  // Passed as `--database`. Empty: the backend under test decides (SQLite in
  // the data directory, or a fresh PostgreSQL database that the
  // ServerProcess creates and drops). Servers sharing one URL are replicas:
  // give them the same master key and bootstrap token (SharedDatabase).
  std::string database_url;
};

// Runs the real server binary (STATEHOUSE_BINARY) on 127.0.0.1 port 0 with a
// private temporary data directory and, on PostgreSQL, a private database
// (unless ServerConfig::database_url names one); both outlive Stop() and
// Restart() and are removed on destruction (kept with env STATEHOUSE_IT_KEEP).
class ServerProcess {
 public:
  explicit ServerProcess(ServerConfig config = {});
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  // Starts the process and waits (max 15 s) for its listening line. On
  // failure the result carries the server log.
  ::testing::AssertionResult Start();
  // Start() of every server at the same moment (all processes are spawned
  // before any is waited for); the first failure, if any.
  static ::testing::AssertionResult StartTogether(std::initializer_list<ServerProcess*> servers);
  // SIGTERM, wait up to `grace` (then SIGKILL). Returns the raw wait status,
  // or -1 if the process was not running.
  int Stop(std::chrono::seconds grace = std::chrono::seconds(10));
  void Kill9();
  // Stop() then Start() on the same data directory (new port, new log file).
  ::testing::AssertionResult Restart();

  bool running() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }
  uint16_t port() const { return port_; }
  std::string base_url() const;
  const std::string& data_dir() const { return data_dir_; }
  const std::string& root_dir() const { return root_dir_; }
  // The `--database` URL; empty for SQLite in data_dir().
  const std::string& database_url() const { return config_.database_url; }
  // The token the server was told to create (or printed on first start).
  const std::string& bootstrap_token() const { return token_; }
  ServerConfig& config() { return config_; }

  // Output of the current (most recent) run.
  std::string Log() const;
  // Output of every run so far.
  std::string AllLogs() const;

 private:
  // The two halves of Start(). The child dies with the thread that spawned
  // it (PR_SET_PDEATHSIG): spawn on a thread that outlives the server.
  ::testing::AssertionResult Spawn();
  ::testing::AssertionResult AwaitListening();

  ServerConfig config_;
  std::string root_dir_;
  std::string data_dir_;
  std::vector<std::string> log_files_;
  std::string token_;
  bool owns_database_ = false;  // created here; dropped on destruction
  std::string setup_error_;     // why Start() cannot run, if non-empty
  pid_t pid_ = -1;
  uint16_t port_ = 0;
};

// A fresh PostgreSQL database on the test server (whatever the backend under
// test) for several servers at once, with the master key and bootstrap token
// they must share; dropped on destruction (after the servers using it have
// been destroyed: declare it first). Not thread-safe.
class SharedDatabase {
 public:
  explicit SharedDatabase(TestDatabaseSchema schema = TestDatabaseSchema::kMigrated);
  ~SharedDatabase();
  SharedDatabase(const SharedDatabase&) = delete;
  SharedDatabase& operator=(const SharedDatabase&) = delete;

  // Empty when the database could not be created; then ok() is false and
  // error() says why.
  const std::string& url() const { return url_; }
  bool ok() const { return !url_.empty(); }
  const std::string& error() const { return error_; }
  const std::string& master_key() const { return master_key_; }  // 64 hex digits
  const std::string& bootstrap_token() const { return bootstrap_token_; }

  // The config of one more replica on this database: `--database url()`,
  // env STATEHOUSE_MASTER_KEY = master_key() and the shared bootstrap token.
  ServerConfig ReplicaConfig() const;

 private:
  std::string url_;
  std::string error_;
  std::string master_key_;
  std::string bootstrap_token_;
};

// libcurl easy handle with keep-alive reuse; mimics the Pulumi CLI headers.
class HttpClient {
 public:
  explicit HttpClient(std::string base_url, std::string token = "");
  HttpClient(const ServerProcess& server, std::string token);
  ~HttpClient();
  HttpClient(HttpClient&& other) noexcept;
  HttpClient& operator=(HttpClient&& other) noexcept;
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  void set_token(std::string token) { token_ = std::move(token); }
  const std::string& token() const { return token_; }
  void set_base_url(std::string base_url) { base_url_ = std::move(base_url); }
  // Gzip every request body and send `Content-Encoding: gzip`.
  void set_gzip_body(bool on) { gzip_body_ = on; }
  // Ask for gzip responses and let curl decode them (header stays visible).
  void set_accept_gzip(bool on) { accept_gzip_ = on; }
  void set_timeout(std::chrono::milliseconds timeout) { timeout_ = timeout; }

  // `headers` override the default ones of the same name; a header with an
  // empty value removes the default.
  HttpResponse Request(std::string_view method, std::string_view path,
                       std::optional<std::string_view> body = std::nullopt,
                       const HeaderList& headers = {});
  HttpResponse Get(std::string_view path, const HeaderList& headers = {});
  HttpResponse Head(std::string_view path, const HeaderList& headers = {});
  HttpResponse Delete(std::string_view path, const HeaderList& headers = {});
  HttpResponse Post(std::string_view path, std::string_view body, const HeaderList& headers = {});
  HttpResponse Patch(std::string_view path, std::string_view body, const HeaderList& headers = {});
  HttpResponse Put(std::string_view path, std::string_view body, const HeaderList& headers = {});

 private:
  void* curl_ = nullptr;
  std::string base_url_;
  std::string token_;
  bool gzip_body_ = false;
  bool accept_gzip_ = false;
  std::chrono::milliseconds timeout_{30000};
};

struct RawReply {
  bool connected = false;
  std::string data;     // everything read before EOF / timeout / complete reply
  bool closed = false;  // peer closed (EOF or reset)
  bool timed_out = false;
  int StatusCode() const;    // parsed from "HTTP/1.1 NNN", 0 if absent
  std::string Body() const;  // body of the first response (Content-Length bounded)
};

// Sends `bytes` over a fresh TCP connection and reads the reply until the
// peer closes, one complete HTTP response was read (unless `until_close`),
// or `timeout` passes.
RawReply RawExchange(uint16_t port, std::string_view bytes,
                     std::chrono::milliseconds timeout = std::chrono::seconds(5),
                     bool until_close = false);

// gzip helpers (zlib).
std::string Gzip(std::string_view data);
std::string GzipZeros(size_t count);
std::optional<std::string> Gunzip(std::string_view data);

std::string RandomHex(size_t digits);
std::string RandomToken();  // pul- + 40 lower-case hex
bool IsTokenValue(std::string_view value);

// JSON helpers.
std::optional<boost::json::value> TryParseJson(std::string_view text);
boost::json::value ParseJson(std::string_view text);  // ADD_FAILURE on error
std::string Json(const boost::json::value& value);
const boost::json::object* FindObject(const boost::json::value& value, std::string_view key);
std::string GetString(const boost::json::value& value, std::string_view key);
std::optional<int64_t> GetInt(const boost::json::value& value, std::string_view key);
std::string UrlEncode(std::string_view text);

::testing::AssertionResult IsJsonError(const HttpResponse& response, long status);
::testing::AssertionResult IsJsonErrorIn(const HttpResponse& response,
                                         const std::vector<long>& statuses);
// Body is JSON with integer `code` == `status` == HTTP status and a
// non-empty string `message`.
void ExpectJsonError(const HttpResponse& response, long status,
                     std::source_location where = std::source_location::current());
void ExpectJsonErrorIn(const HttpResponse& response, const std::vector<long>& statuses,
                       std::source_location where = std::source_location::current());
std::string ErrorMessage(const HttpResponse& response);

std::string UniqueName(std::string_view prefix);

// Base fixture: one server per test suite (started in SetUpTestSuite),
// plus helpers that talk to it as the bootstrap admin.
class IntegrationTest : public ::testing::Test {
 public:
  static void SetUpTestSuite();
  static void TearDownTestSuite();

 protected:
  void SetUp() override;

  static ServerProcess& server() { return *server_; }
  static std::string AdminToken() { return server_->bootstrap_token(); }
  HttpClient Client(std::string token = "") const;
  HttpClient AdminClient() const { return Client(AdminToken()); }

 private:
  static ServerProcess* server_;
  static std::string startup_failure_;
};

// Helpers that fail the current test on an unexpected status.
std::string CreateUser(HttpClient& site_admin, std::string_view login);  // returns its token
void CreateOrg(HttpClient& site_admin, std::string_view name, std::string_view org_admin);
void AddMember(HttpClient& org_admin, std::string_view org, std::string_view login);
// POST /api/stacks/{org}/{project} with pulumi:project/pulumi:runtime tags;
// keys of `extra` replace or extend the body (e.g. "tags", "state").
HttpResponse CreateStack(HttpClient& client, std::string_view org, std::string_view project,
                         std::string_view stack, const boost::json::object& extra = {});
std::string StackPath(std::string_view org, std::string_view project, std::string_view stack);

// The deployment used for "stack with resources" cases.
boost::json::value DeploymentWithOneResource(std::string_view project, std::string_view stack);

// The server binary (STATEHOUSE_BINARY) run once with `args`, already
// shell-quoted (see ShellQuote), to its end: exit code (-1 when it did not
// exit normally) and its stdout and stderr together.
struct CommandResult {
  int exit_code = -1;
  std::string output;
};
CommandResult RunBinary(const std::string& args);
std::string ShellQuote(const std::string& s);

}  // namespace statehouse::testing
