// Two `statehouse serve` replicas on one PostgreSQL database behave like one
// server: the calls of one CLI sequence alternate between them and every rule
// that needs shared state holds across the pair (one active update per
// stack, leases, checkpoint sequence numbers, webhook deliveries, audit
// rows). These suites always run on PostgreSQL, whatever backend the run
// selects (Postgres* suites run in the postgres set only, see
// CMakeLists.txt). Token and membership revocation across replicas is in
// backend_test.cc.

#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <latch>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "crypto/crypto.h"
#include "test/integration/harness.h"
#include "test/integration/update_driver.h"
#include "test/integration/webhook_receiver.h"

namespace statehouse::testing {
namespace {

namespace json = boost::json;
using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr int kA = 0;
constexpr int kB = 1;

const char* ReplicaName(int replica) { return replica == kA ? "a" : "b"; }

// Polls `done` every 20 ms until it holds or `timeout` passes.
template <class Fn>
bool Eventually(Fn done, milliseconds timeout = seconds(20)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(milliseconds(20));
  }
  return done();
}

int64_t WallSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// A replica on `database` whose webhook deliveries may reach the loopback
// receiver and are retried quickly.
ServerConfig WebhookReplicaConfig(const SharedDatabase& database) {
  ServerConfig config = database.ReplicaConfig();
  config.extra_args = {"--webhook-allow-cidr", "127.0.0.0/8", "--webhook-retry-base-ms", "20",
                       "--webhook-timeout-seconds", "5"};
  return config;
}

std::string VerbatimBody(const std::string& text, int64_t sequence) {
  return R"({"version":3,"untypedDeployment":)" + text + R"(,"sequenceNumber":)" +
         std::to_string(sequence) + "}";
}

// The deploymentDelta turning `before` into `after`: one edit replacing the
// bytes between their common prefix and common suffix.
std::string DeltaBetween(const std::string& before, const std::string& after) {
  size_t prefix = 0;
  while (prefix < before.size() && prefix < after.size() && before[prefix] == after[prefix]) {
    ++prefix;
  }
  size_t suffix = 0;
  while (suffix < before.size() - prefix && suffix < after.size() - prefix &&
         before[before.size() - 1 - suffix] == after[after.size() - 1 - suffix]) {
    ++suffix;
  }
  json::object span{{"uri", ""},
                    {"start", {{"line", 1}, {"column", 1}, {"offset", prefix}}},
                    {"end", {{"line", 1}, {"column", 1}, {"offset", before.size() - suffix}}}};
  json::array edits;
  edits.push_back(json::object{{"Span", std::move(span)},
                               {"NewText", after.substr(prefix, after.size() - suffix - prefix)}});
  return json::serialize(edits);
}

std::string DeltaBody(const std::string& before, const std::string& after, int64_t sequence) {
  return R"({"version":3,"checkpointHash":")" + crypto::Sha256Hex(after) +
         R"(","sequenceNumber":)" + std::to_string(sequence) + R"(,"deploymentDelta":)" +
         DeltaBetween(before, after) + "}";
}

// A full checkpoint body carrying the deployment member of `text` (an
// UntypedDeployment of version 3 as ReplayDeployment writes it), so that the
// stored text is `text` itself.
std::string FullCheckpointBody(const std::string& text) {
  const std::string prefix = R"({"version":3,"deployment":)";
  EXPECT_EQ(text.compare(0, prefix.size(), prefix), 0) << text;
  return R"({"isInvalid":false,"version":3,"deployment":)" +
         text.substr(prefix.size(), text.size() - prefix.size() - 1) + "}";
}

struct Update {
  std::string id;
  std::string token;
  int64_t version = -1;
};

// Two replicas on one fresh PostgreSQL database, both with webhook delivery
// workers, and for each an admin client (user token) and a gzip-sending
// client for update-token calls, as the CLI uses.
class PostgresReplicaPairTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(database_.ok()) << database_.error();
    ASSERT_TRUE(ServerProcess::StartTogether({&a_, &b_}));
    for (const ServerProcess* server : {&a_, &b_}) {
      admin_.emplace_back(*server, database_.bootstrap_token());
      lease_.emplace_back(server->base_url());
      lease_.back().set_gzip_body(true);
    }
  }

  const ServerProcess& Server(int replica) const { return replica == kA ? a_ : b_; }
  HttpClient& Admin(int replica) { return admin_[replica]; }

  // POST {path}/update on `replica`; the new update's id.
  std::string CreateUpdate(int replica, const std::string& path) {
    HttpResponse r = Admin(replica).Post(path + "/update", ReplayCreateBody(false));
    EXPECT_EQ(r.status, 200) << ReplicaName(replica) << ": " << r;
    const std::string id = GetString(ParseJson(r.body), "updateID");
    EXPECT_FALSE(id.empty()) << r;
    return id;
  }

  static HttpResponse StartUpdate(HttpClient& client, const std::string& path,
                                  const std::string& id) {
    return client.Post(path + "/update/" + id, R"({"journalVersion":1})");
  }

  // Starts update `id` on `replica`, expecting 200.
  Update Start(int replica, const std::string& path, const std::string& id) {
    Update u;
    u.id = id;
    HttpResponse r = StartUpdate(Admin(replica), path, id);
    EXPECT_EQ(r.status, 200) << ReplicaName(replica) << ": " << r;
    if (r.status != 200) return u;
    const json::value body = ParseJson(r.body);
    u.token = GetString(body, "token");
    u.version = GetInt(body, "version").value_or(-1);
    EXPECT_FALSE(u.token.empty()) << r;
    return u;
  }

  // An update-token call for `u` on `replica`.
  HttpResponse Lease(int replica, const std::string& path, const Update& u,
                     std::string_view method, std::string_view suffix, std::string_view body) {
    return lease_[replica].Request(method, path + "/update/" + u.id + "/" + std::string(suffix),
                                   body, {{"Authorization", "update-token " + u.token}});
  }
  HttpResponse Renew(int replica, const std::string& path, const Update& u, int duration) {
    return Lease(replica, path, u, "POST", "renew_lease",
                 R"({"token":"","duration":)" + std::to_string(duration) + "}");
  }
  HttpResponse Verbatim(int replica, const std::string& path, const Update& u,
                        const std::string& text, int64_t sequence) {
    return Lease(replica, path, u, "PATCH", "checkpointverbatim", VerbatimBody(text, sequence));
  }
  HttpResponse Delta(int replica, const std::string& path, const Update& u,
                     const std::string& before, const std::string& after, int64_t sequence) {
    return Lease(replica, path, u, "PATCH", "checkpointdelta", DeltaBody(before, after, sequence));
  }
  HttpResponse Complete(int replica, const std::string& path, const Update& u) {
    return Lease(replica, path, u, "POST", "complete", R"({"status":"succeeded"})");
  }

  // The stack's current deployment as `replica` exports it; "" on failure.
  std::string Export(int replica, const std::string& path, std::string_view suffix = "") {
    HttpResponse r = Admin(replica).Get(path + "/export" + std::string(suffix));
    EXPECT_EQ(r.status, 200) << ReplicaName(replica) << ": " << r;
    return r.status == 200 ? r.body : std::string();
  }

  // Expects both replicas to export exactly `text`.
  void ExpectExportsEqual(const std::string& path, const std::string& text,
                          std::source_location where = std::source_location::current()) {
    SCOPED_TRACE(::testing::Message() << "checked at line " << where.line());
    for (int replica : {kA, kB}) {
      EXPECT_TRUE(Export(replica, path) == text)
          << "replica " << ReplicaName(replica) << " exports something else than the "
          << text.size() << " acknowledged bytes";
    }
  }

  SharedDatabase database_;  // first: dropped after the servers stopped
  ServerProcess a_{WebhookReplicaConfig(database_)};
  ServerProcess b_{WebhookReplicaConfig(database_)};
  std::vector<HttpClient> admin_;
  std::vector<HttpClient> lease_;
};

TEST_F(PostgresReplicaPairTest, ConcurrentStartsOnBothReplicasLetExactlyOneUpdateRun) {
  ASSERT_EQ(CreateStack(Admin(kA), "admin", "proj", "dev").status, 200);
  const std::string path = StackPath("admin", "proj", "dev");
  int64_t last_version = 0;
  for (int round = 0; round < 5; ++round) {
    SCOPED_TRACE(::testing::Message() << "round " << round);
    const std::array<std::string, 2> ids = {CreateUpdate(kA, path), CreateUpdate(kB, path)};
    std::array<HttpResponse, 2> started;
    std::latch ready(2);
    auto start = [&](int replica) {
      HttpClient client(Server(replica), database_.bootstrap_token());
      ready.arrive_and_wait();
      started[replica] = StartUpdate(client, path, ids[replica]);
    };
    std::thread on_a(start, kA), on_b(start, kB);
    on_a.join();
    on_b.join();

    int ok = 0;
    int conflict = 0;
    int winner = -1;
    for (int replica : {kA, kB}) {
      if (started[replica].status == 200) {
        ++ok;
        winner = replica;
      } else if (IsJsonError(started[replica], 409)) {
        ++conflict;
      }
    }
    ASSERT_EQ(ok, 1) << "a: " << started[kA] << "\nb: " << started[kB];
    ASSERT_EQ(conflict, 1) << "a: " << started[kA] << "\nb: " << started[kB];
    const int loser = 1 - winner;

    // The winner's update is the stack's active one on both replicas.
    Update running{ids[winner], GetString(ParseJson(started[winner].body), "token"),
                   GetInt(ParseJson(started[winner].body), "version").value_or(-1)};
    EXPECT_EQ(running.version, last_version + 1);
    for (int replica : {kA, kB}) {
      EXPECT_EQ(GetString(ParseJson(Admin(replica).Get(path).body), "activeUpdate"), running.id);
    }
    // The loser stays refused until the winner completes (on the loser's
    // replica); then it starts on the winner's replica.
    ExpectJsonError(StartUpdate(Admin(loser), path, ids[loser]), 409);
    ASSERT_EQ(Complete(loser, path, running).status, 204);
    Update next = Start(winner, path, ids[loser]);
    ASSERT_FALSE(next.token.empty());
    EXPECT_EQ(next.version, last_version + 2);
    ASSERT_EQ(Complete(loser, path, next).status, 204);
    last_version = next.version;
  }
  HttpResponse history = Admin(kB).Get(path + "/updates?pageSize=100&page=1");
  ASSERT_EQ(history.status, 200) << history;
  EXPECT_EQ(ParseJson(history.body).at("updates").as_array().size(), 10u);
  EXPECT_EQ(GetInt(ParseJson(Admin(kA).Get(path).body), "version"), 10);
}

TEST_F(PostgresReplicaPairTest, LeasesAreRenewedAndLapseOnBothReplicas) {
  ASSERT_EQ(CreateStack(Admin(kA), "admin", "proj", "dev").status, 200);
  const std::string path = StackPath("admin", "proj", "dev");
  Update update = Start(kA, path, CreateUpdate(kA, path));
  ASSERT_FALSE(update.token.empty());

  // Renewed on b; the renewed token checkpoints on a.
  HttpResponse renewed = Renew(kB, path, update, 300);
  ASSERT_EQ(renewed.status, 200) << renewed;
  update.token = GetString(ParseJson(renewed.body), "token");
  ASSERT_FALSE(update.token.empty()) << renewed;
  const std::string text = ReplayDeployment("admin", "proj", "dev", 2);
  ASSERT_EQ(Verbatim(kA, path, update, text, 1).status, 204);

  // A short renewal on b; the lease lapses for both replicas.
  renewed = Renew(kB, path, update, 1);
  ASSERT_EQ(renewed.status, 200) << renewed;
  const Update previous = update;
  update.token = GetString(ParseJson(renewed.body), "token");
  ASSERT_FALSE(update.token.empty()) << renewed;
  const std::string status_path = path + "/update/" + update.id;
  ASSERT_TRUE(Eventually(
      [&] { return GetString(ParseJson(Admin(kA).Get(status_path).body), "status") == "failed"; },
      seconds(10)))
      << "the lease renewed for 1 s did not lapse within 10 s";
  EXPECT_EQ(GetString(ParseJson(Admin(kB).Get(status_path).body), "status"), "failed");
  for (int replica : {kA, kB}) {
    SCOPED_TRACE(ReplicaName(replica));
    for (const Update* token : std::array<const Update*, 2>{&update, &previous}) {
      ExpectJsonError(Verbatim(replica, path, *token, text, 2), 403);
      ExpectJsonError(Renew(replica, path, *token, 300), 403);
      ExpectJsonError(Complete(replica, path, *token), 403);
    }
  }

  // The stack is free: a new update starts on b and ends on a; the lapsed
  // one stays refused and counts as failed in the history.
  Update next = Start(kB, path, CreateUpdate(kA, path));
  ASSERT_FALSE(next.token.empty());
  EXPECT_EQ(next.version, 2);
  EXPECT_EQ(Export(kB, path), text);  // the lapsed update's last checkpoint
  const std::string next_text = ReplayDeployment("admin", "proj", "dev", 3, "v1");
  ASSERT_EQ(Verbatim(kA, path, next, next_text, 1).status, 204);
  for (int replica : {kA, kB}) ExpectJsonError(Verbatim(replica, path, update, text, 2), 403);
  ASSERT_EQ(Complete(kA, path, next).status, 204);
  ExpectExportsEqual(path, next_text);

  HttpResponse history = Admin(kB).Get(path + "/updates?pageSize=10&page=1");
  ASSERT_EQ(history.status, 200) << history;
  const json::value entries = ParseJson(history.body);
  std::map<int64_t, std::string> results;
  for (const json::value& entry : entries.at("updates").as_array()) {
    results[GetInt(entry, "version").value_or(-1)] = GetString(entry, "result");
  }
  EXPECT_EQ(results, (std::map<int64_t, std::string>{{1, "failed"}, {2, "succeeded"}}))
      << history;
}

TEST_F(PostgresReplicaPairTest, CheckpointSequenceIsKeptAcrossReplicas) {
  ASSERT_EQ(CreateStack(Admin(kB), "admin", "proj", "dev").status, 200);
  const std::string path = StackPath("admin", "proj", "dev");
  Update update = Start(kB, path, CreateUpdate(kA, path));
  ASSERT_FALSE(update.token.empty());
  auto state = [](int resources, int step) {
    return ReplayDeployment("admin", "proj", "dev", resources, "s" + std::to_string(step));
  };

  // A full checkpoint on a, then saves with increasing sequence numbers
  // alternating b/a, each retried once on the other replica.
  const std::string s0 = state(2, 0);
  ASSERT_EQ(Lease(kA, path, update, "PATCH", "checkpoint", FullCheckpointBody(s0)).status, 204);
  ExpectExportsEqual(path, s0);

  const std::string s1 = state(3, 1);
  ASSERT_EQ(Delta(kB, path, update, s0, s1, 1).status, 204);
  ASSERT_EQ(Delta(kA, path, update, s0, s1, 1).status, 204);  // replayed: no effect
  ExpectExportsEqual(path, s1);

  const std::string s2 = state(4, 2);
  ASSERT_EQ(Verbatim(kA, path, update, s2, 2).status, 204);
  ASSERT_EQ(Verbatim(kB, path, update, s2, 2).status, 204);  // replayed
  ExpectExportsEqual(path, s2);

  const std::string s3 = state(4, 3);
  ASSERT_EQ(Delta(kB, path, update, s2, s3, 3).status, 204);
  const std::string s4 = state(5, 4);
  ASSERT_EQ(Delta(kA, path, update, s3, s4, 4).status, 204);
  ASSERT_EQ(Delta(kB, path, update, s3, s4, 4).status, 204);  // replayed
  ExpectExportsEqual(path, s4);

  // Stale and out-of-order saves are refused on either replica and change
  // nothing.
  const std::string s5 = state(6, 5);
  ExpectJsonError(Verbatim(kA, path, update, s5, 3), 409);  // older than the last save
  ExpectJsonError(Verbatim(kB, path, update, s5, 1), 409);
  ExpectJsonError(Delta(kB, path, update, s4, s5, 4), 409);  // reuses the last number
  ExpectJsonError(Delta(kA, path, update, s3, s5, 2), 409);
  ExpectJsonErrorIn(Delta(kA, path, update, s3, s5, 5), {400, 409});  // wrong baseline
  ExpectExportsEqual(path, s4);

  // Back in order: a verbatim fallback on b, a delta on a, completion on b.
  ASSERT_EQ(Verbatim(kB, path, update, s5, 5).status, 204);
  const std::string s6 = state(6, 6);
  ASSERT_EQ(Delta(kA, path, update, s5, s6, 6).status, 204);
  ExpectExportsEqual(path, s6);
  ASSERT_EQ(Complete(kB, path, update).status, 204);
  ExpectJsonErrorIn(Delta(kA, path, update, s6, state(6, 7), 7), {403, 409});  // ended
  ExpectExportsEqual(path, s6);
  for (int replica : {kA, kB}) {
    EXPECT_TRUE(Export(replica, path, "/1") == s6) << ReplicaName(replica);
  }
  HttpResponse history = Admin(kA).Get(path + "/updates?pageSize=10&page=1");
  ASSERT_EQ(history.status, 200) << history;
  const json::array entries = ParseJson(history.body).at("updates").as_array();
  ASSERT_EQ(entries.size(), 1u) << history;
  EXPECT_EQ(GetString(entries[0], "result"), "succeeded");
  EXPECT_EQ(GetInt(entries[0], "resourceCount"), 6);
}

TEST_F(PostgresReplicaPairTest, EachWebhookEventIsDeliveredOnceByOneReplica) {
  constexpr int kStacks = 20;
  WebhookReceiver receiver;
  ASSERT_TRUE(receiver.ok());
  CreateOrg(Admin(kA), "acme", "admin");
  HttpResponse hook = Admin(kB).Post(
      "/api/orgs/acme/hooks",
      Json({{"organizationName", "acme"},
            {"name", "stacks"},
            {"displayName", "Stacks"},
            {"payloadUrl", receiver.Url()},
            {"active", true},
            {"filters", json::array{"stack_created"}}}));
  ASSERT_EQ(hook.status, 201) << hook;

  std::set<std::string> created;
  for (int i = 0; i < kStacks; ++i) {
    const std::string name = "s" + std::to_string(i);
    ASSERT_EQ(CreateStack(Admin(i % 2 == 0 ? kA : kB), "acme", "proj", name).status, 200);
    created.insert(name);
  }

  ASSERT_TRUE(receiver.WaitForCount(kStacks, seconds(30)))
      << "only " << receiver.Count() << " of " << kStacks << " deliveries arrived";
  // Longer than a delivery worker's poll interval (1 s): a duplicate would
  // show up here.
  std::this_thread::sleep_for(milliseconds(1500));
  const std::vector<ReceivedRequest> requests = receiver.Requests();
  EXPECT_EQ(requests.size(), static_cast<size_t>(kStacks));
  std::set<std::string> ids;
  std::multiset<std::string> stacks;
  for (const ReceivedRequest& r : requests) {
    EXPECT_EQ(r.Header("pulumi-webhook-kind"), "stack");
    ids.insert(r.Header("pulumi-webhook-id"));
    const json::value body = ParseJson(r.body);
    EXPECT_EQ(GetString(body, "action"), "created");
    stacks.insert(GetString(body, "stackName"));
  }
  EXPECT_EQ(ids.size(), requests.size()) << "a Pulumi-Webhook-ID was delivered twice";
  EXPECT_FALSE(ids.contains(""));
  EXPECT_EQ(stacks, std::multiset<std::string>(created.begin(), created.end()));

  // Both replicas list the same delivery records, one per request received.
  for (int replica : {kA, kB}) {
    HttpResponse r = Admin(replica).Get("/api/orgs/acme/hooks/stacks/deliveries");
    ASSERT_EQ(r.status, 200) << r;
    const json::value records = ParseJson(r.body);
    ASSERT_TRUE(records.is_array()) << r.body;
    std::set<std::string> recorded;
    for (const json::value& rec : records.as_array()) {
      EXPECT_EQ(GetInt(rec, "responseCode"), 200);
      recorded.insert(GetString(rec, "id"));
    }
    EXPECT_EQ(recorded, ids) << ReplicaName(replica);
  }
}

TEST_F(PostgresReplicaPairTest, AuditRowsAreWrittenOnceWhicheverReplicaActs) {
  constexpr int kActions = 10;
  CreateOrg(Admin(kA), "acme", "admin");
  std::multiset<std::string> expected;
  for (int i = 0; i < kActions; ++i) {
    HttpClient& admin = Admin(i % 2 == 0 ? kA : kB);
    const std::string team = "team" + std::to_string(i);
    ASSERT_EQ(admin
                  .Post("/api/orgs/acme/teams/pulumi",
                        Json({{"name", team}, {"displayName", team}, {"description", ""}}))
                  .status,
              201);
    expected.insert("Team Created: Created team \"" + team + "\"");
    const std::string stack = "s" + std::to_string(i);
    ASSERT_EQ(CreateStack(admin, "acme", "proj", stack).status, 200);
    expected.insert("Stack Created: Created stack \"proj/" + stack + "\"");
  }

  // Every event of the org as `replica` lists it, following continuation
  // tokens with small pages.
  auto events_on = [&](int replica) {
    std::vector<json::object> out;
    std::string query = "startTime=" + std::to_string(WallSeconds() + 3600) + "&pageSize=7";
    for (int page = 0; page < 100; ++page) {
      HttpResponse r = Admin(replica).Get("/api/orgs/acme/auditlogs?" + query);
      EXPECT_EQ(r.status, 200) << r;
      if (r.status != 200) break;
      const json::value body = ParseJson(r.body);
      for (const json::value& e : body.at("auditLogEvents").as_array()) {
        out.push_back(e.as_object());
      }
      if (!body.as_object().contains("continuationToken")) break;
      query = "continuationToken=" + UrlEncode(GetString(body, "continuationToken")) + "&pageSize=7";
    }
    return out;
  };

  const std::vector<json::object> on_a = events_on(kA);
  const std::vector<json::object> on_b = events_on(kB);
  std::multiset<std::string> seen;
  for (const json::object& e : on_a) {
    const std::string kind = GetString(e, "event");
    if (kind == "Team Created" || kind == "Stack Created") {
      seen.insert(kind + ": " + GetString(e, "description"));
      EXPECT_EQ(GetString(e.at("user"), "githubLogin"), "admin");
    }
  }
  EXPECT_EQ(seen, expected);
  ASSERT_EQ(on_a.size(), on_b.size());
  for (size_t i = 0; i < on_a.size(); ++i) {
    EXPECT_EQ(json::value(on_a[i]), json::value(on_b[i])) << "event " << i;
  }
}

}  // namespace
}  // namespace statehouse::testing
