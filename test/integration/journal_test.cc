// Journaling over the real binary (shared/spec/journaling.md): negotiation at
// start, PATCH …/journalentries (gzip, update-token), export of the replay
// while the update runs, and finalisation at complete. Entries are those of
// the spec's §9.1 worked example.

#include <gtest/gtest.h>

#include <string>

#include "test/fakes/journal_example.h"
#include "test/integration/harness.h"
#include "test/integration/update_driver.h"

namespace statehouse::testing {
namespace {

namespace json = boost::json;
namespace jx = journal_example;

class JournalTest : public IntegrationTest {
 protected:
  std::string NewStack(std::string_view prefix) {
    const std::string stack = UniqueName(prefix);
    HttpClient admin = AdminClient();
    EXPECT_EQ(CreateStack(admin, "admin", "proj", stack).status, 200);
    return stack;
  }

  // Creates an update of `kind` and starts it asking for journalVersion 1;
  // returns the update and the start response's journalVersion (0 when
  // absent).
  std::pair<ReplayUpdate, int64_t> Start(HttpClient& user, ReplayDriver& d, bool dry_run) {
    ReplayUpdate u;
    HttpResponse created = user.Post(d.path() + "/update", ReplayCreateBody(dry_run));
    EXPECT_EQ(created.status, 200) << created;
    u.id = GetString(ParseJson(created.body), "updateID");
    HttpResponse started = user.Post(d.path() + "/update/" + u.id, R"({"journalVersion":1})");
    EXPECT_EQ(started.status, 200) << started;
    json::value body = ParseJson(started.body);
    u.token = GetString(body, "token");
    u.version = GetInt(body, "version").value_or(-1);
    return {u, GetInt(body, "journalVersion").value_or(0)};
  }
};

TEST_F(JournalTest, FirstUpJournaledEndToEnd) {
  HttpClient admin = AdminClient();
  const std::string stack = NewStack("journal");
  ReplayDriver d(admin, server(), StackPath("admin", "proj", stack));

  // A preview is never journaled.
  auto [preview, preview_journal] = Start(admin, d, true);
  EXPECT_EQ(preview_journal, 0);
  EXPECT_EQ(d.Lease("PATCH", preview, "journalentries", jx::Batch({1})).status, 409);
  ASSERT_EQ(d.Complete(preview).status, 204);

  const std::string base = d.Export().body;
  auto [u, journal_version] = Start(admin, d, false);
  EXPECT_EQ(journal_version, 1);
  EXPECT_EQ(u.version, 1);

  // The requests of §9.1, up to and including request #4.
  for (auto batch : {jx::Batch({1, 2}), jx::Batch({3, 4}), jx::Batch({5}), jx::Batch({6})}) {
    HttpResponse r = d.Lease("PATCH", u, "journalentries", batch);
    ASSERT_EQ(r.status, 204) << r;
  }
  HttpResponse mid = d.Export();
  ASSERT_EQ(mid.status, 200) << mid;
  EXPECT_EQ(jx::Mismatch(mid.body, jx::MidDeployment()), "");
  // Not finalised yet: no version 1.
  EXPECT_EQ(d.Export("/1").status, 404);

  // A re-sent batch is acknowledged and changes nothing.
  ASSERT_EQ(d.Lease("PATCH", u, "journalentries", jx::Batch({3, 4})).status, 204);
  EXPECT_EQ(jx::Mismatch(d.Export().body, jx::MidDeployment()), "");
  // So is one sent to a path alias the OpenAPI file lists (…/refresh/{id}/…).
  HttpClient lease(server().base_url());
  lease.set_gzip_body(true);
  HttpResponse aliased =
      lease.Request("PATCH", d.path() + "/refresh/" + u.id + "/journalentries",
                    jx::Batch({3, 4}), {{"Authorization", "update-token " + u.token}});
  EXPECT_EQ(aliased.status, 204) << aliased;
  EXPECT_EQ(jx::Mismatch(d.Export().body, jx::MidDeployment()), "");

  // Malformed bodies: 400 with a JSON error; nothing stored.
  for (std::string_view bad :
       {std::string_view("{"), std::string_view(R"({"entries":{}})"),
        std::string_view(R"({"entries":[{"version":1,"kind":1,"sequenceID":0,"operationID":1}]})"),
        std::string_view(R"({"entries":[{"version":1,"kind":1,"operationID":1}]})")}) {
    HttpResponse r = d.Lease("PATCH", u, "journalentries", bad);
    EXPECT_EQ(r.status, 400) << bad << "\n" << r;
    EXPECT_EQ(GetInt(ParseJson(r.body), "code"), 400) << r;
  }
  // Too many entries in one request: 413 {"code":413}, so the CLI halves.
  std::string many = R"({"entries":[)";
  for (int i = 1; i <= 10'001; ++i) {
    if (i > 1) many += ",";
    many += jx::Entry(0, 1000 + i, 1000 + i, "null", "");
  }
  many += "]}";
  HttpResponse too_many = d.Lease("PATCH", u, "journalentries", many);
  EXPECT_EQ(too_many.status, 413) << too_many;
  EXPECT_EQ(GetInt(ParseJson(too_many.body), "code"), 413) << too_many;
  // A wrong lease token.
  ReplayUpdate forged = u;
  forged.token = std::string(64, 'a');
  EXPECT_GE(d.Lease("PATCH", forged, "journalentries", jx::Batch({7})).status, 400);
  // Checkpoints are refused once the update journals.
  EXPECT_EQ(d.Verbatim(u, base, 1).status, 409);
  EXPECT_EQ(jx::Mismatch(d.Export().body, jx::MidDeployment()), "");

  // The rest, out of order, then complete.
  ASSERT_EQ(d.Lease("PATCH", u, "journalentries", jx::Batch({8, 7})).status, 204);
  ASSERT_EQ(d.Complete(u).status, 204);

  HttpResponse final_export = d.Export();
  ASSERT_EQ(final_export.status, 200);
  EXPECT_EQ(jx::Mismatch(final_export.body, jx::FinalDeployment()), "");
  HttpResponse v1 = d.Export("/1");
  ASSERT_EQ(v1.status, 200);
  EXPECT_EQ(v1.body, final_export.body);
  const json::array history = d.History();
  ASSERT_EQ(history.size(), 1u);
  EXPECT_EQ(GetString(history[0], "result"), "succeeded");
  EXPECT_EQ(GetInt(history[0], "version"), 1);
  EXPECT_EQ(GetInt(history[0], "resourceCount"), 3);
  // Finished: further entries are refused.
  EXPECT_EQ(d.Lease("PATCH", u, "journalentries", jx::Batch({8})).status, 409);
}

TEST_F(JournalTest, CancelKeepsThePendingOperations) {
  HttpClient admin = AdminClient();
  const std::string stack = NewStack("journal-cancel");
  ReplayDriver d(admin, server(), StackPath("admin", "proj", stack));
  auto [u, journal_version] = Start(admin, d, false);
  EXPECT_EQ(journal_version, 1);
  ASSERT_EQ(d.Lease("PATCH", u, "journalentries", jx::Batch({1, 2, 3, 4, 5, 6})).status, 204);
  ASSERT_EQ(admin.Post(d.path() + "/update/" + u.id + "/cancel", "").status, 204);
  EXPECT_EQ(jx::Mismatch(d.Export().body, jx::MidDeployment()), "");
  EXPECT_EQ(jx::Mismatch(d.Export("/1").body, jx::MidDeployment()), "");
}

}  // namespace
}  // namespace statehouse::testing
