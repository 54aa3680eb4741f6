// Database faults under a running update, against the real binary:
// PostgreSQL backends terminated (pg_terminate_backend) and the cluster
// restarted mid-update; SQLite out of room (max_page_count standing in for
// a full disk). Requests in flight get a JSON 503 with Retry-After, never
// a 500 or a hang; the server recovers by itself, the CLI's retries
// then succeed, nothing acknowledged is lost, and the lease is not stuck.

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "crypto/crypto.h"
#include "test/fakes/pg_cluster.h"
#include "test/integration/harness.h"
#include "test/integration/update_driver.h"

namespace statehouse::testing {
namespace {

using namespace std::chrono_literals;

std::string EventsBatch(int64_t first, int64_t count) {
  std::string out = R"({"events":[)";
  for (int64_t s = first; s < first + count; ++s) {
    out += (s > first ? "," : "") + std::string(R"({"sequence":)") + std::to_string(s) +
           R"(,"timestamp":1787306401,"stdoutEvent":{"message":"line )" + std::to_string(s) +
           R"(\n","color":"raw"}})";
  }
  return out + "]}";
}

// A delta replacing the whole text (what matters here is the write path).
std::string DeltaBody(const std::string& before, const std::string& after, int64_t sequence) {
  const std::string span = R"({"uri":"","start":{"line":1,"column":1,"offset":0},"end":{"line":1,)"
                           R"("column":1,"offset":)" + std::to_string(before.size()) + "}}";
  return R"({"version":3,"checkpointHash":")" + crypto::Sha256Hex(after) +
         R"(","sequenceNumber":)" + std::to_string(sequence) + R"(,"deploymentDelta":[{"Span":)" +
         span + R"(,"NewText":)" + Json(boost::json::string(after)) + "}]}";
}

// Every status a request got, for the "503 or success, never 500" checks.
class Statuses {
 public:
  void Add(const HttpResponse& r) {
    std::lock_guard lock(mu_);
    if (r.status / 100 != 2) last_failure_ = r;
    if (r.status == 503) {
      // The answer for a lost or full database: JSON, and a hint when to retry.
      if (!IsJsonError(r, 503) || r.Header("retry-after") != "1") {
        bad_.push_back(r);
      }
    } else if (r.status < 200 || r.status >= 300) {
      bad_.push_back(r);
    }
    ++seen_[r.status];
  }
  int Count(long status) {
    std::lock_guard lock(mu_);
    return seen_[status];
  }
  // "204×12 503×2": what the requests got, for the test's output.
  std::string Summary() {
    std::lock_guard lock(mu_);
    std::string out;
    for (const auto& [status, count] : seen_) {
      out += (out.empty() ? "" : " ") + std::to_string(status) + "x" + std::to_string(count);
    }
    return out;
  }
  HttpResponse last_failure() {
    std::lock_guard lock(mu_);
    return last_failure_;
  }
  void ExpectOnlySuccessOr503() {
    std::lock_guard lock(mu_);
    EXPECT_TRUE(bad_.empty()) << bad_.size() << " bad answers, first: " << bad_.front();
  }

 private:
  std::mutex mu_;
  std::map<long, int> seen_;
  std::vector<HttpResponse> bad_;
  HttpResponse last_failure_;
};

// Sends as the CLI does for its retryable calls: again after a 5xx or a
// network error, at most `attempts` times (with `pause` between).
HttpResponse WithRetries(const std::function<HttpResponse()>& send, Statuses& statuses,
                         int attempts, std::chrono::milliseconds pause = 200ms) {
  HttpResponse r;
  for (int i = 0; i < attempts; ++i) {
    if (i > 0) std::this_thread::sleep_for(pause);
    r = send();
    statuses.Add(r);
    if (r.status != 0 && r.status < 500) break;
  }
  return r;
}

// One update driven as the CLI does: checkpoints (a verbatim one, then
// deltas) and engine-event batches, each retried; remembers what was
// acknowledged.
class FaultDriver {
 public:
  FaultDriver(const ServerProcess& server, std::string stack)
      : base_url_(server.base_url()), admin_(server, server.bootstrap_token()), lease_(server.base_url()),
        stack_(std::move(stack)), path_(StackPath("admin", "proj", stack_)) {
    lease_.set_gzip_body(true);
    admin_.set_timeout(20s);
    lease_.set_timeout(20s);
  }

  void Begin() {
    ASSERT_EQ(CreateStack(admin_, "admin", "proj", stack_).status, 200);
    update_ = Start();
    ASSERT_FALSE(update_.token.empty());
  }

  ReplayUpdate Start() {
    ReplayUpdate u;
    HttpResponse created = admin_.Post(path_ + "/update", ReplayCreateBody(false));
    EXPECT_EQ(created.status, 200) << created;
    u.id = GetString(ParseJson(created.body), "updateID");
    HttpResponse started = admin_.Post(path_ + "/update/" + u.id, "{}");
    EXPECT_EQ(started.status, 200) << started;
    if (started.status == 200) u.token = GetString(ParseJson(started.body), "token");
    return u;
  }

  // On `client` (one per thread), else on this driver's own.
  HttpResponse Lease(std::string_view method, std::string_view suffix, const std::string& body,
                     HttpClient* client = nullptr) {
    return (client != nullptr ? *client : lease_).Request(method, path_ + "/update/" + update_.id + "/" + std::string(suffix), body,
                          {{"Authorization", "update-token " + update_.token}});
  }

  // The next checkpoint (verbatim the first time, else a delta), retried;
  // true once acknowledged.
  bool Checkpoint(Statuses& statuses, int attempts, std::chrono::milliseconds pause = 200ms,
                  std::string text = "") {
    const int64_t seq = sequence_ + 1;
    if (text.empty()) {
      text = ReplayDeployment("admin", "proj", stack_, static_cast<int>(seq % 7), "t" + std::to_string(seq));
    }
    const std::string body =
        seq == 1 ? R"({"version":3,"untypedDeployment":)" + text + R"(,"sequenceNumber":1})"
                 : DeltaBody(acknowledged_text_, text, seq);
    HttpResponse r = WithRetries(
        [&] { return Lease("PATCH", seq == 1 ? "checkpointverbatim" : "checkpointdelta", body); },
        statuses, attempts, pause);
    if (r.status != 204) return false;
    sequence_ = seq;
    acknowledged_text_ = text;
    return true;
  }

  // A batch of `count` engine events from `first`, retried; true once
  // acknowledged (then remembered).
  bool Events(int64_t first, int64_t count, Statuses& statuses, int attempts,
              std::chrono::milliseconds pause = 200ms, HttpClient* client = nullptr) {
    HttpResponse r = WithRetries(
        [&] { return Lease("POST", "events/batch", EventsBatch(first, count), client); }, statuses,
        attempts, pause);
    if (r.status / 100 != 2) return false;
    std::lock_guard lock(mu_);
    for (int64_t s = first; s < first + count; ++s) acknowledged_events_.insert(s);
    return true;
  }

  // Completes the update (retried), then checks that every acknowledged
  // checkpoint and event is there and that the stack takes a new update.
  void CompleteAndVerify(Statuses& statuses) {
    HttpResponse done = WithRetries([&] { return Lease("POST", "complete", R"({"status":"succeeded"})"); },
                                    statuses, 4);
    ASSERT_EQ(done.status / 100, 2) << done;
    HttpResponse exported = admin_.Get(path_ + "/export");
    ASSERT_EQ(exported.status, 200) << exported;
    EXPECT_EQ(exported.body, acknowledged_text_);
    std::set<int64_t> stored;
    std::string token;
    for (int page = 0; page < 100; ++page) {
      HttpResponse r = admin_.Get(path_ + "/update/" + update_.id + "/events" +
                                  (token.empty() ? "" : "?continuationToken=" + token));
      ASSERT_EQ(r.status, 200) << r;
      boost::json::value body = ParseJson(r.body);
      for (const auto& e : body.at("events").as_array()) stored.insert(e.at("sequence").as_int64());
      const boost::json::value& next = body.at("continuationToken");
      if (next.is_null()) break;
      token = std::string(next.as_string());
    }
    {
      std::lock_guard lock(mu_);
      for (int64_t s : acknowledged_events_) {
        EXPECT_TRUE(stored.count(s)) << "acknowledged event " << s << " lost";
      }
      EXPECT_FALSE(acknowledged_events_.empty());
    }
    // The lease is free: the next update starts and completes.
    update_ = Start();
    ASSERT_FALSE(update_.token.empty());
    sequence_ = 0;
    EXPECT_TRUE(Checkpoint(statuses, 1));
    EXPECT_EQ(Lease("POST", "complete", R"({"status":"succeeded"})").status, 204);
  }

  // After a server restart (new port).
  void Rebase(const ServerProcess& server) {
    base_url_ = server.base_url();
    admin_.set_base_url(server.base_url());
    lease_.set_base_url(server.base_url());
  }

  HttpClient& admin() { return admin_; }
  const std::string& path() const { return path_; }
  const std::string& base_url() const { return base_url_; }
  int64_t sequence() const { return sequence_; }
  const std::string& acknowledged_text() const { return acknowledged_text_; }

 private:
  std::string base_url_;
  HttpClient admin_;
  HttpClient lease_;
  std::string stack_;
  std::string path_;
  ReplayUpdate update_;
  int64_t sequence_ = 0;
  std::string acknowledged_text_;
  std::mutex mu_;
  std::set<int64_t> acknowledged_events_;
};

// Sends event batches until told to stop, each retried `attempts` times;
// counts the batches that failed after their retries.
class EventPump {
 public:
  EventPump(FaultDriver& driver, Statuses& statuses, int attempts, int64_t first)
      : thread_([this, &driver, &statuses, attempts, first] {
          HttpClient client(driver.base_url());
          client.set_gzip_body(true);
          client.set_timeout(20s);
          for (int64_t next = first; !stop_.load(); next += 5) {
            if (!driver.Events(next, 5, statuses, attempts, 200ms, &client)) failed_.fetch_add(1);
            ++batches_;
            std::this_thread::sleep_for(20ms);
          }
        }) {}
  ~EventPump() { Stop(); }
  void Stop() {
    stop_.store(true);
    if (thread_.joinable()) thread_.join();
  }
  int failed() const { return failed_.load(); }
  int batches() const { return batches_.load(); }

 private:
  std::atomic<bool> stop_{false};
  std::atomic<int> failed_{0};
  std::atomic<int> batches_{0};
  std::thread thread_;
};

// Terminates every backend of the server's database but the caller's own;
// returns how many.
int TerminateBackends(const std::string& url) {
  return std::atoi(RunSql(url,
                          "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                          "WHERE datname = current_database() AND pid <> pg_backend_pid()")
                       .c_str());
}

TEST(PostgresDatabaseFaultTest, TerminatedBackendsAreReplacedAndNothingAcknowledgedIsLost) {
  ServerProcess server;
  ASSERT_TRUE(server.Start());
  FaultDriver d(server, UniqueName("kill"));
  ASSERT_NO_FATAL_FAILURE(d.Begin());
  Statuses statuses;
  ASSERT_TRUE(d.Checkpoint(statuses, 1));
  {
    // Event ingest runs throughout; each batch gets the first try and at
    // most two retries, as do the checkpoints.
    EventPump pump(d, statuses, 3, 1000);
    for (int round = 0; round < 4; ++round) {
      for (int i = 0; i < 3; ++i) ASSERT_TRUE(d.Checkpoint(statuses, 3)) << "round " << round;
      // Event batches flow when the backends die (however slow the machine).
      const int sent = pump.batches();
      for (int i = 0; i < 500 && pump.batches() == sent; ++i) std::this_thread::sleep_for(20ms);
      EXPECT_GE(TerminateBackends(server.database_url()), 1) << "round " << round;
      // The next request after the kill succeeds after at most a retry or two.
      EXPECT_TRUE(d.Checkpoint(statuses, 3)) << "round " << round;
    }
    pump.Stop();
    EXPECT_EQ(pump.failed(), 0) << pump.batches() << " batches";
    EXPECT_GE(pump.batches(), 4);
  }
  statuses.ExpectOnlySuccessOr503();
  ASSERT_NO_FATAL_FAILURE(d.CompleteAndVerify(statuses));
  statuses.ExpectOnlySuccessOr503();
  std::cout << "[ statuses ] " << statuses.Summary() << "\n";
  // The change feed's LISTEN connection was terminated too and came back.
  EXPECT_NE(server.Log().find("change feed: connection lost; reconnecting"), std::string::npos);
}

// The access cache of a replica whose change feed connection was terminated
// misses no change made meanwhile by another replica: a token revoked on a
// right after the kill is refused on b.
TEST(PostgresDatabaseFaultTest, AccessCacheStaysExactAcrossAChangeFeedGap) {
  SharedDatabase database;
  ASSERT_TRUE(database.ok()) << database.error();
  ServerProcess a(database.ReplicaConfig());
  ServerProcess b(database.ReplicaConfig());
  ASSERT_TRUE(ServerProcess::StartTogether({&a, &b}));
  HttpClient admin_a(a, database.bootstrap_token());
  Statuses statuses;
  for (int round = 0; round < 3; ++round) {
    HttpResponse minted = admin_a.Post("/api/user/tokens", R"({"description":"ci","expires":0})");
    ASSERT_EQ(minted.status, 200) << minted;
    const boost::json::value token = ParseJson(minted.body);
    HttpClient ci_b(b, GetString(token, "tokenValue"));
    for (int i = 0; i < 3; ++i) ASSERT_EQ(ci_b.Get("/api/user").status, 200);  // cached on b
    EXPECT_GE(TerminateBackends(database.url()), 2) << "round " << round;
    HttpResponse deleted = WithRetries(
        [&] { return admin_a.Delete("/api/user/tokens/" + GetString(token, "id")); }, statuses, 3);
    ASSERT_EQ(deleted.status, 204) << deleted;
    HttpResponse refused = WithRetries([&] { return ci_b.Get("/api/user"); }, statuses, 3);
    ExpectJsonError(refused, 401);
  }
  std::cout << "[ statuses ] " << statuses.Summary() << "\n";
}

// A private cluster (restarting the shared one would disturb other tests),
// stopped and removed on destruction.
class PrivateCluster {
 public:
  PrivateCluster() : state_("/tmp/statehouse-pg-state-" + std::to_string(getpid()) + "-" + RandomHex(8)) {
    ok_ = Script("start " + state_ + " " + std::to_string(getpid()));
    std::ifstream in(state_);
    std::getline(in, url_);
  }
  ~PrivateCluster() { Script("stop " + state_); }
  bool ok() const { return ok_ && !url_.empty(); }
  const std::string& url() const { return url_; }
  bool Restart(int down_seconds) { return Script("restart " + state_ + " " + std::to_string(down_seconds)); }

 private:
  static bool Script(const std::string& args) {
    const std::string command = std::string(STATEHOUSE_SOURCE_DIR) + "/scripts/test-pg-cluster " + args;
    return std::system(command.c_str()) == 0;
  }
  std::string state_;
  std::string url_;
  bool ok_ = false;
};

TEST(PostgresDatabaseFaultTest, ClusterRestartMidUpdateIs503ThenRecoversByItself) {
  PrivateCluster cluster;
  ASSERT_TRUE(cluster.ok());
  ASSERT_EQ(RunSql(cluster.url(), "CREATE DATABASE faults"), "");
  ServerConfig config;
  config.database_url = WithDatabase(cluster.url(), "faults");
  ServerProcess server(config);
  ASSERT_TRUE(server.Start());
  FaultDriver d(server, UniqueName("restart"));
  ASSERT_NO_FATAL_FAILURE(d.Begin());
  Statuses statuses;
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(d.Checkpoint(statuses, 1));
  ASSERT_TRUE(d.Events(1, 5, statuses, 1));

  Statuses during;  // single tries while the database is down
  std::atomic<bool> down{true};
  std::thread probe([&] {
    // Requests while the database is stopped: a quick 503 each.
    HttpClient client(d.base_url());
    client.set_timeout(20s);
    while (down.load()) {
      const auto begun = std::chrono::steady_clock::now();
      d.Events(100, 5, during, 1, 0ms, &client);
      EXPECT_LT(std::chrono::steady_clock::now() - begun, 10s);
      std::this_thread::sleep_for(100ms);
    }
  });
  const bool restarted = cluster.Restart(2);
  down.store(false);
  probe.join();
  ASSERT_TRUE(restarted);
  during.ExpectOnlySuccessOr503();
  EXPECT_GE(during.Count(503), 1);
  std::cout << "[ while down ] " << during.Summary() << "\n";

  // The server reconnects by itself: the CLI's retries (4 attempts, 1 s,
  // 2 s, 4 s apart) get through.
  EXPECT_TRUE(d.Checkpoint(statuses, 4, 1s));
  EXPECT_TRUE(d.Events(200, 5, statuses, 4, 1s));
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(d.Checkpoint(statuses, 1));
  statuses.ExpectOnlySuccessOr503();
  ASSERT_NO_FATAL_FAILURE(d.CompleteAndVerify(statuses));
  statuses.ExpectOnlySuccessOr503();
  std::cout << "[ after ] " << statuses.Summary() << "\n";
}

// PRAGMA integrity_check of the SQLite file (server stopped).
std::string IntegrityCheck(const std::string& path, int64_t* page_count = nullptr) {
  sqlite3* db = nullptr;
  std::string result = "cannot open";
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) == SQLITE_OK) {
    auto first = [&](const char* sql) {
      std::string out;
      sqlite3_stmt* stmt = nullptr;
      if (sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr) == SQLITE_OK &&
          sqlite3_step(stmt) == SQLITE_ROW) {
        out = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
      }
      sqlite3_finalize(stmt);
      return out;
    };
    result = first("PRAGMA integrity_check");
    if (page_count != nullptr) *page_count = std::atoll(first("PRAGMA page_count").c_str());
  }
  sqlite3_close(db);
  return result;
}

TEST(SqliteDatabaseFaultTest, FullIs503WithNothingPartialThenNormalOnceThereIsRoom) {
  ServerProcess server;
  ASSERT_TRUE(server.Start());
  const std::string stack = UniqueName("full");
  FaultDriver d(server, stack);
  ASSERT_NO_FATAL_FAILURE(d.Begin());
  Statuses statuses;
  ASSERT_TRUE(d.Checkpoint(statuses, 1));
  ASSERT_TRUE(d.Events(1, 5, statuses, 1));
  const std::string before = d.acknowledged_text();
  const std::string file = server.data_dir() + "/statehouse.db";

  // "The disk is full": the file may grow by 4 pages at most.
  int64_t pages = 0;
  ASSERT_EQ(server.Stop(), 0);
  ASSERT_EQ(IntegrityCheck(file, &pages), "ok");
  ASSERT_GT(pages, 0);
  server.config().extra_args.push_back("--testing-sqlite-max-page-count=" + std::to_string(pages + 4));
  ASSERT_TRUE(server.Restart());
  d.Rebase(server);
  // A checkpoint far above 4 pages (random text does not compress).
  const std::string big = R"({"version":3,"deployment":{"manifest":{"time":"2026-11-22T10:00:00Z",)"
                          R"("magic":"m","version":"v3.200.0"},"pad":")" + RandomHex(400000) + R"("}})";
  Statuses full;
  EXPECT_FALSE(d.Checkpoint(full, 1, 0ms, big));
  EXPECT_EQ(full.Count(503), 1);
  full.ExpectOnlySuccessOr503();
  EXPECT_EQ(ErrorMessage(full.last_failure()), "storage is full, try again later");
  // Nothing partial: the last acknowledged checkpoint is the state.
  HttpResponse exported = d.admin().Get(d.path() + "/export");
  ASSERT_EQ(exported.status, 200) << exported;
  EXPECT_EQ(exported.body, before);
  ASSERT_EQ(server.Stop(), 0);
  int64_t pages_after = 0;
  EXPECT_EQ(IntegrityCheck(file, &pages_after), "ok");
  EXPECT_LE(pages_after, pages + 4);

  // Room again: the same checkpoint (the CLI's retry) goes through, and the
  // update completes.
  server.config().extra_args.pop_back();
  ASSERT_TRUE(server.Restart());
  d.Rebase(server);
  EXPECT_TRUE(d.Checkpoint(statuses, 1, 0ms, big));
  ASSERT_NO_FATAL_FAILURE(d.CompleteAndVerify(statuses));
  statuses.ExpectOnlySuccessOr503();
  ASSERT_EQ(server.Stop(), 0);
  EXPECT_EQ(IntegrityCheck(file), "ok");
}

}  // namespace
}  // namespace statehouse::testing
