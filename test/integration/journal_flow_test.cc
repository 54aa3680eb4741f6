// Whole journaled `pulumi up`s over a real socket (shared/spec/journaling.md
// §3, §4, §10; scenario in journal_flow.h): creates, updates, both kinds of
// replacement, deletes, a refresh, failed steps and a cancel, with the export
// checked after every batch and the stored version after every end; retries
// and out-of-order batches; kill -9 of the server between batches; and two
// replicas on one PostgreSQL database taking turns.

#include <gtest/gtest.h>

#include <chrono>
#include <latch>
#include <string>
#include <thread>
#include <vector>

#include "test/integration/harness.h"
#include "test/integration/journal_flow.h"
#include "test/integration/journal_flow_driver.h"

namespace statehouse::testing {
namespace {

namespace jf = journal_flow;

class JournalFlowTest : public IntegrationTest {
 protected:
  std::string NewStack(std::string_view prefix) {
    const std::string stack = UniqueName(prefix);
    HttpClient admin = AdminClient();
    EXPECT_EQ(CreateStack(admin, "admin", "proj", stack).status, 200);
    return StackPath("admin", "proj", stack);
  }
};

TEST_F(JournalFlowTest, UpsRefreshFailureAndCancelMatchTheExpectedDeployments) {
  jf::Endpoint cli(server().base_url(), AdminToken());
  jf::FlowDriver flow({&cli}, NewStack("jflow"));
  flow.RunAll(jf::Scenario());
}

TEST_F(JournalFlowTest, RetriedBatchesAreAcknowledgedAndChangeNothing) {
  jf::Endpoint cli(server().base_url(), AdminToken());
  jf::FlowDriver flow({&cli}, NewStack("jflow-retry"));
  flow.resend_acknowledged = true;
  flow.RunAll(jf::Scenario());
}

TEST_F(JournalFlowTest, BatchesWithLaterSequenceIdsFirst) {
  jf::Endpoint cli(server().base_url(), AdminToken());
  jf::FlowDriver flow({&cli}, NewStack("jflow-order"));
  const std::vector<jf::Run> runs = jf::Scenario();
  flow.RunOne(runs[0], 0, 1);
  ASSERT_FALSE(HasFatalFailure());

  // Run 2's batches arrive last first (as 3.204–3.209 CLIs, whose requests
  // race, can deliver them). The export is always the replay of what is
  // stored, in sequence order, whatever is missing below it.
  const jf::Run& run = runs[1];
  const jf::States x;
  ReplayUpdate u = flow.Start(run.kind);
  ASSERT_FALSE(u.token.empty());
  const size_t n = run.batches.size();
  for (size_t b = n; b-- > 0;) {
    const std::string what = "batch " + std::to_string(b + 1) + " (sent in reverse)";
    HttpResponse r = flow.Send(u, run.batches[b].entries);
    ASSERT_EQ(r.status, 204) << what << ": " << r;
    if (b == n - 2) {
      // Entries 15–18 only: d and old c deleted (base indices 4 and 3); the
      // outputs entry names operation 1, which has no state yet: ignored.
      flow.ExpectExport(jf::Deployment({x.s1, x.p, x.a, x.b}), what);
    } else if (b == 1) {
      // Entries 6–18, without the secrets and same entries 1–5 of batch 1:
      // the new resources first, then the base's s1 and p (op 1 unknown).
      flow.ExpectExport(jf::Deployment({x.a2, x.c2, x.b2, x.s1, x.p}), what);
    } else if (b == 0) {
      flow.ExpectExport(run.expected, what);
    } else {
      EXPECT_EQ(cli.user.Get(flow.path() + "/export").status, 200) << what;
    }
  }
  // Duplicate sequence IDs with other content: the first stored copy wins.
  ASSERT_EQ(flow.Send(u, {jf::Entry(1, 7, 3, 2, {}, jf::State(jf::Pet("a", "a-1", "other")))}).status,
            204);
  ASSERT_EQ(flow.Send(u, {jf::Entry(1, 15, 9, {}, {}, jf::State(jf::Pet("z", "z-1", "z")))}).status,
            204);
  flow.ExpectExport(run.expected, "after conflicting duplicates");
  ASSERT_EQ(flow.Lease(u, "POST", "complete", R"({"status":"succeeded"})").status, 204);
  flow.ExpectFinal(run, 2);
  // The rest of the scenario continues from that state.
  for (size_t r = 2; r < runs.size(); ++r) {
    SCOPED_TRACE(::testing::Message() << "run " << r + 1);
    flow.RunOne(runs[r], r, static_cast<int64_t>(r) + 1);
    ASSERT_FALSE(HasFatalFailure());
  }
}

TEST_F(JournalFlowTest, ConcurrentBatchesAsOldClisSendThem) {
  // CLIs 3.204–3.209 send one request per entry from the step goroutines,
  // so requests of one update race; a retry may race its original too.
  jf::Endpoint cli(server().base_url(), AdminToken());
  jf::FlowDriver flow({&cli}, NewStack("jflow-race"));
  const std::vector<jf::Run> runs = jf::Scenario();
  for (size_t r = 0; r < 2; ++r) {
    SCOPED_TRACE(::testing::Message() << "run " << r + 1);
    const jf::Run& run = runs[r];
    ReplayUpdate u = flow.Start(run.kind);
    ASSERT_FALSE(u.token.empty());
    std::vector<std::string> bodies;
    for (const jf::Batch& batch : run.batches) {
      for (const std::string& entry : batch.entries) {
        bodies.push_back(jf::Body({entry}));
        bodies.push_back(jf::Body({entry}));  // its retry
      }
    }
    std::vector<long> statuses(bodies.size());
    std::latch ready(static_cast<std::ptrdiff_t>(bodies.size()));
    std::vector<std::thread> threads;
    for (size_t i = 0; i < bodies.size(); ++i) {
      threads.emplace_back([&, i] {
        HttpClient lease(server().base_url());
        lease.set_gzip_body(true);
        ready.arrive_and_wait();
        statuses[i] = lease.Patch(flow.path() + "/update/" + u.id + "/journalentries", bodies[i],
                                  {{"Authorization", "update-token " + u.token}})
                          .status;
      });
    }
    for (std::thread& t : threads) t.join();
    for (size_t i = 0; i < bodies.size(); ++i) EXPECT_EQ(statuses[i], 204) << bodies[i];
    flow.ExpectExport(run.expected, "after the concurrent requests");
    ASSERT_EQ(flow.Lease(u, "POST", "complete", R"({"status":"succeeded"})").status, 204);
    flow.ExpectFinal(run, static_cast<int64_t>(r) + 1);
  }
}

TEST_F(JournalFlowTest, LapsedLeaseIsFinalisedWithTheReplayWhenTheNextUpdateStarts) {
  jf::Endpoint cli(server().base_url(), AdminToken());
  jf::FlowDriver flow({&cli}, NewStack("jflow-lapse"));
  const std::vector<jf::Run> runs = jf::Scenario();
  const jf::Run& run = runs[0];
  ReplayUpdate u = flow.Start(run.kind);
  ASSERT_FALSE(u.token.empty());
  for (size_t b = 0; b < 5; ++b) ASSERT_EQ(flow.Send(u, run.batches[b].entries).status, 204);
  // The CLI died: its last renewal asked for one second.
  ASSERT_EQ(flow.Lease(u, "POST", "renew_lease", R"({"token":"","duration":1})").status, 200);
  std::this_thread::sleep_for(std::chrono::milliseconds(2100));
  const std::string& partial = run.batches[4].expected;
  flow.ExpectExport(partial, "lease lapsed");
  EXPECT_EQ(flow.Send(u, run.batches[5].entries).status / 100, 4);

  // The next update ends it as failed, with its replay as version 1, and
  // starts from there.
  ReplayUpdate next = flow.Start("update");
  ASSERT_FALSE(next.token.empty());
  EXPECT_EQ(next.version, 2);
  flow.ExpectExport(partial, "version 1", "/1");
  HttpResponse v1 = cli.user.Get(flow.path() + "/updates/1");
  ASSERT_EQ(v1.status, 200) << v1;
  EXPECT_EQ(GetString(ParseJson(v1.body).at("info"), "result"), "failed") << v1;
  EXPECT_EQ(GetInt(ParseJson(v1.body).at("info"), "resourceCount"), 3) << v1;
  flow.ExpectExport(partial, "next update started");
  // Its base is that replay: base index 2 is c.
  const jf::States x;
  ASSERT_EQ(flow.Send(next, {jf::Secrets(1), jf::Entry(0, 2, 1, {}, {}, R"(,"operation":)" + jf::Op(x.c, "deleting")),
                             jf::Entry(1, 3, 1, 2)}).status,
            204);
  ASSERT_EQ(flow.Lease(next, "POST", "complete", R"({"status":"succeeded"})").status, 204);
  const std::string final = jf::Deployment({x.s0, x.p}, {jf::Op(jf::PetGoal("a", "a1"), "creating")});
  flow.ExpectExport(final, "final");
  flow.ExpectExport(final, "final", "/2");
}

TEST_F(JournalFlowTest, LateEntriesBelowALongRunOfLaterOnesAreReplayedInOrder) {
  // Entries 2 and 3 (x's create) arrive only after 1200 later entries, more
  // than a replayer buffers above a gap before it takes the gap for a lost
  // batch (journal/replayer.h): the export must still be the sorted replay.
  jf::Endpoint cli(server().base_url(), AdminToken());
  jf::FlowDriver flow({&cli}, NewStack("jflow-late"));
  ReplayUpdate u = flow.Start("update");
  ASSERT_FALSE(u.token.empty());
  ASSERT_EQ(flow.Send(u, {jf::Secrets(1)}).status, 204);
  constexpr int kPets = 600;
  std::vector<std::string> later;
  std::vector<std::string> pets;
  for (int i = 0; i < kPets; ++i) {
    const std::string name = "r" + std::to_string(i);
    const std::string pet = jf::Pet(name, name + "-id", "t");
    later.push_back(jf::BeginOp(4 + 2 * i, 2 + i, jf::PetGoal(name, "t"), "creating"));
    later.push_back(jf::Entry(1, 5 + 2 * i, 2 + i, {}, {}, jf::State(pet)));
    pets.push_back(pet);
  }
  ASSERT_EQ(flow.Send(u, later).status, 204);
  flow.ExpectExport(jf::Deployment(pets), "without entries 2 and 3");
  const std::string x = jf::Pet("x", "x-1", "x");
  ASSERT_EQ(flow.Send(u, {jf::BeginOp(2, 1, jf::PetGoal("x", "x"), "creating")}).status, 204);
  flow.ExpectExport(jf::Deployment(pets, {jf::Op(jf::PetGoal("x", "x"), "creating")}), "with entry 2");
  ASSERT_EQ(flow.Send(u, {jf::Entry(1, 3, 1, {}, {}, jf::State(x))}).status, 204);
  std::vector<std::string> all = {x};
  all.insert(all.end(), pets.begin(), pets.end());
  flow.ExpectExport(jf::Deployment(all), "with entries 2 and 3");
  ASSERT_EQ(flow.Lease(u, "POST", "complete", R"({"status":"succeeded"})").status, 204);
  flow.ExpectFinal(jf::Run{"update", {}, "succeeded", jf::Deployment(all), kPets + 1}, 1);
}

// Own server: it is killed.
TEST(JournalDurabilityTest, AcknowledgedEntriesSurviveKill9AndTheUpdateContinues) {
  ServerProcess server;
  ASSERT_TRUE(server.Start());
  {
    HttpClient admin(server, server.bootstrap_token());
    ASSERT_EQ(CreateStack(admin, "admin", "proj", "durable").status, 200);
  }
  jf::Endpoint cli(server.base_url(), server.bootstrap_token());
  jf::FlowDriver flow({&cli}, StackPath("admin", "proj", "durable"));
  const std::vector<jf::Run> runs = jf::Scenario();
  int kills = 0;
  flow.after_batch = [&](size_t run, size_t batch) {
    const size_t n = runs[run].batches.size();
    const bool kill = batch == (run * 3) % n || (run == 1 && batch == n - 1);
    if (!kill) return;
    server.Kill9();
    ASSERT_TRUE(server.Start());
    cli.Retarget(server.base_url());
    ++kills;
  };
  // A CLI whose request died with the server re-sends it: the re-sends of
  // acknowledged batches after each restart must be acknowledged too.
  flow.resend_acknowledged = true;
  flow.RunAll(runs);
  EXPECT_EQ(kills, 6);
}

// Two replicas on one PostgreSQL database: every call of each update goes
// to the other replica than the call before, and both export the expected
// deployment after every batch; complete and cancel land on the replica that
// did not send the last batch.
class PostgresJournalReplicaTest : public ::testing::Test {
 protected:
  SharedDatabase database_;  // first: dropped after the servers stopped
  ServerProcess a_{database_.ReplicaConfig()};
  ServerProcess b_{database_.ReplicaConfig()};
};

TEST_F(PostgresJournalReplicaTest, BatchesAlternateBetweenReplicas) {
  ASSERT_TRUE(database_.ok()) << database_.error();
  ASSERT_TRUE(ServerProcess::StartTogether({&a_, &b_}));
  jf::Endpoint on_a(a_.base_url(), database_.bootstrap_token());
  jf::Endpoint on_b(b_.base_url(), database_.bootstrap_token());
  ASSERT_EQ(CreateStack(on_a.user, "admin", "proj", "dev").status, 200);
  jf::FlowDriver flow({&on_a, &on_b}, StackPath("admin", "proj", "dev"));
  flow.pick = [](size_t call) { return call % 2; };
  flow.RunAll(jf::Scenario());
}

}  // namespace
}  // namespace statehouse::testing
