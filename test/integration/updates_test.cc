// The update lifecycle over HTTP as the CLI drives it: create, start, lease
// renewal, full/verbatim/delta checkpoints, complete, cancel, export and
// history, against the real binary.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "crypto/crypto.h"
#include "test/integration/harness.h"

namespace statehouse::testing {
namespace {

namespace json = boost::json;

// The resourceCount that GET /api/user/stacks reports for stack `stack` of
// project "proj"; nullopt when the stack is not listed.
std::optional<int64_t> ListedResourceCount(HttpClient& client, const std::string& stack) {
  json::value listed = ParseJson(client.Get("/api/user/stacks?project=proj").body);
  for (const auto& s : listed.at("stacks").as_array()) {
    if (GetString(s, "stackName") == stack) return GetInt(s, "resourceCount");
  }
  return std::nullopt;
}

constexpr char kEmptyDeployment[] =
    R"({"version":3,"deployment":{"manifest":{"time":"0001-01-01T00:00:00Z","magic":"","version":""},"metadata":{}}})";

// A deployment text laid out the way the CLI writes verbatim/delta checkpoints:
// a header span, one span per resource (with its comma), and a tail. Resources
// are padded to about `resource_bytes` each.
class SpannedDeployment {
 public:
  SpannedDeployment(std::string project, std::string stack, int resources, size_t resource_bytes)
      : project_(std::move(project)), stack_(std::move(stack)), padding_(resource_bytes, 'p') {
    for (int i = 0; i < resources; ++i) resources_.push_back(Resource(i, "v0"));
  }

  void SetTime(int seconds) { time_ = seconds; }
  void SetResource(int index, const std::string& tag) { resources_[index] = Resource(index, tag); }

  std::string Header() const {
    return R"({"version":3,"deployment":{"manifest":{"time":"2026-08-21T10:00:)" +
           std::to_string(10 + time_ % 50) +
           R"(Z","magic":"m","version":"v3.200.0"},"metadata":{},"resources":[)";
  }
  std::string Span(size_t i) const {
    return resources_[i] + (i + 1 < resources_.size() ? "," : "");
  }
  static std::string Tail() { return "]}}"; }

  // One CLI checkpoint step in place: moves the manifest time to `seconds`
  // and retags resource `index`. Returns the step's deploymentDelta (one
  // edit for the header, one for the resource span).
  std::string Step(int seconds, int index, const std::string& tag) {
    const std::string old_header = Header();
    size_t offset = old_header.size();
    for (int i = 0; i < index; ++i) offset += Span(i).size();
    const size_t old_span_size = Span(index).size();
    SetTime(seconds);
    SetResource(index, tag);
    json::array edits;
    auto edit = [&](size_t start, size_t end, const std::string& text) {
      json::object span{{"uri", ""},
                        {"start", {{"line", 1}, {"column", 1}, {"offset", start}}},
                        {"end", {{"line", 1}, {"column", 1}, {"offset", end}}}};
      edits.push_back(json::object{{"Span", std::move(span)}, {"NewText", text}});
    };
    edit(0, old_header.size(), Header());
    edit(offset, offset + old_span_size, Span(index));
    return json::serialize(edits);
  }

  std::string Text() const {
    std::string out = Header();
    for (size_t i = 0; i < resources_.size(); ++i) out += Span(i);
    return out + Tail();
  }

  // The deploymentDelta turning `before` into this deployment, assuming
  // both have the same number of resources: one edit for the header and one
  // per changed resource span.
  std::string DeltaFrom(const SpannedDeployment& before) const {
    json::array edits;
    auto edit = [&](size_t start, size_t end, const std::string& text) {
      json::object span{{"uri", ""},
                        {"start", {{"line", 1}, {"column", 1}, {"offset", start}}},
                        {"end", {{"line", 1}, {"column", 1}, {"offset", end}}}};
      edits.push_back(json::object{{"Span", std::move(span)}, {"NewText", text}});
    };
    size_t offset = before.Header().size();
    edit(0, offset, Header());
    for (size_t i = 0; i < resources_.size(); ++i) {
      std::string old_span = before.Span(i);
      if (old_span != Span(i)) edit(offset, offset + old_span.size(), Span(i));
      offset += old_span.size();
    }
    return json::serialize(edits);
  }

 private:
  std::string Resource(int i, const std::string& tag) const {
    std::string urn = "urn:pulumi:" + stack_ + "::" + project_ + "::random:index/randomPet:RandomPet::pet" +
                      std::to_string(i);
    return R"({"urn":")" + urn + R"(","custom":true,"id":"pet-)" + std::to_string(i) + "-" + tag +
           R"(","type":"random:index/randomPet:RandomPet","inputs":{"length":2,"pad":")" + padding_ +
           R"("},"outputs":{"id":"pet-)" + std::to_string(i) + "-" + tag + R"("}})";
  }

  std::string project_;
  std::string stack_;
  std::string padding_;
  int time_ = 0;
  std::vector<std::string> resources_;
};

std::string VerbatimBody(const std::string& text, int64_t sequence) {
  return R"({"version":3,"untypedDeployment":)" + text +
         R"(,"sequenceNumber":)" + std::to_string(sequence) + "}";
}

std::string DeltaBody(const std::string& delta, const std::string& new_text, int64_t sequence) {
  return R"({"version":3,"checkpointHash":")" + crypto::Sha256Hex(new_text) +
         R"(","sequenceNumber":)" + std::to_string(sequence) + R"(,"deploymentDelta":)" + delta +
         "}";
}

std::string CreateBody(bool dry_run) {
  return json::serialize(json::object{
      {"name", "proj"},
      {"runtime", "nodejs"},
      {"main", ""},
      {"description", ""},
      {"options", {{"localPolicyPackPaths", json::array{}}, {"color", "raw"}, {"dryRun", dry_run},
                   {"parallel", 8}}},
      {"config", {{"proj:dbPassword", {{"string", "c2VjcmV0"}, {"secret", true}, {"object", false}}}}},
      {"metadata",
       {{"message", "ship it"}, {"environment", {{"exec.kind", "cli"}, {"pulumi.version", "v3.200.0"}}}}}});
}

struct Started {
  std::string id;
  std::string token;
  int64_t version = -1;
};

// Drives one stack's updates: the user client for token calls and a
// gzip-sending client without a user token for update-token calls.
class StackDriver {
 public:
  StackDriver(HttpClient& user, const ServerProcess& server, std::string path)
      : user_(user), lease_(server.base_url()), path_(std::move(path)) {
    lease_.set_gzip_body(true);
  }

  std::string Create(std::string_view kind, bool dry_run) {
    HttpResponse r = user_.Post(path_ + "/" + std::string(kind), CreateBody(dry_run));
    EXPECT_EQ(r.status, 200) << r;
    std::string id = GetString(ParseJson(r.body), "updateID");
    EXPECT_FALSE(id.empty()) << r;
    return id;
  }

  // Starts as a CLI with PULUMI_DISABLE_JOURNALING set (no journalVersion):
  // these tests drive the checkpoint protocols (journaling: journal_test.cc).
  HttpResponse StartRaw(const std::string& id) {
    return user_.Post(path_ + "/update/" + id,
                      R"({"tags":{"pulumi:project":"proj","pulumi:runtime":"nodejs"}})");
  }

  Started Begin(std::string_view kind = "update", bool dry_run = false) {
    Started s;
    s.id = Create(kind, dry_run);
    HttpResponse r = StartRaw(s.id);
    EXPECT_EQ(r.status, 200) << r;
    json::value body = ParseJson(r.body);
    s.token = GetString(body, "token");
    s.version = GetInt(body, "version").value_or(-1);
    EXPECT_FALSE(s.token.empty()) << r;
    EXPECT_FALSE(body.as_object().contains("journalVersion") &&
                 GetInt(body, "journalVersion").value_or(0) != 0)
        << r;
    return s;
  }

  HttpResponse Lease(std::string_view method, const Started& s, std::string_view suffix,
                     std::string_view body) {
    return lease_.Request(method, path_ + "/update/" + s.id + "/" + std::string(suffix), body,
                          {{"Authorization", "update-token " + s.token}});
  }
  HttpResponse Verbatim(const Started& s, const std::string& text, int64_t seq) {
    return Lease("PATCH", s, "checkpointverbatim", VerbatimBody(text, seq));
  }
  HttpResponse Delta(const Started& s, const std::string& delta, const std::string& text,
                     int64_t seq) {
    return Lease("PATCH", s, "checkpointdelta", DeltaBody(delta, text, seq));
  }
  HttpResponse Complete(const Started& s, std::string_view status = "succeeded") {
    return Lease("POST", s, "complete", R"({"status":")" + std::string(status) + R"("})");
  }
  HttpResponse Export(std::string_view suffix = "") { return user_.Get(path_ + "/export" + std::string(suffix)); }

  const std::string& path() const { return path_; }

 private:
  HttpClient& user_;
  HttpClient lease_;
  std::string path_;
};

class UpdatesTest : public IntegrationTest {
 protected:
  std::string NewStack() {
    const std::string project = "proj";
    const std::string stack = UniqueName("dev");
    HttpClient admin = AdminClient();
    EXPECT_EQ(CreateStack(admin, "admin", project, stack).status, 200);
    return stack;
  }
};

TEST_F(UpdatesTest, PulumiUpCallSequenceWithDeltaCheckpoints) {
  HttpClient admin = AdminClient();
  const std::string stack = NewStack();
  StackDriver d(admin, server(), StackPath("admin", "proj", stack));

  json::value got = ParseJson(admin.Get(d.path()).body);
  EXPECT_EQ(GetInt(got, "version"), 0);
  EXPECT_EQ(GetString(got, "activeUpdate"), "");

  // Phase A: the preview.
  Started preview = d.Begin("update", /*dry_run=*/true);
  EXPECT_EQ(preview.version, 0);
  HttpResponse exported = d.Export();
  ASSERT_EQ(exported.status, 200) << exported;
  EXPECT_EQ(exported.body, kEmptyDeployment);
  got = ParseJson(admin.Get(d.path()).body);
  EXPECT_EQ(GetString(got, "activeUpdate"), preview.id);
  ASSERT_NE(FindObject(got, "currentOperation"), nullptr) << got;
  EXPECT_EQ(d.Complete(preview).status, 204);
  EXPECT_EQ(FindObject(ParseJson(admin.Get(d.path()).body), "currentOperation"), nullptr);

  // Phase B: the update.
  Started update = d.Begin("update", /*dry_run=*/false);
  EXPECT_EQ(update.version, 1);
  got = ParseJson(admin.Get(d.path()).body);
  EXPECT_EQ(GetString(got, "activeUpdate"), update.id);
  const json::object* op = FindObject(got, "currentOperation");
  ASSERT_NE(op, nullptr) << got;
  EXPECT_EQ(GetString(*op, "kind"), "update");
  EXPECT_EQ(GetString(*op, "author"), "admin");

  HttpResponse renewed = d.Lease("POST", update, "renew_lease", R"({"token":"","duration":300})");
  ASSERT_EQ(renewed.status, 200) << renewed;
  std::string new_token = GetString(ParseJson(renewed.body), "token");
  ASSERT_FALSE(new_token.empty());
  update.token = new_token;

  SpannedDeployment state("proj", stack, 4, 64);
  std::string text = state.Text();
  ASSERT_EQ(d.Verbatim(update, text, 1).status, 204);
  for (int seq = 2; seq <= 4; ++seq) {
    SpannedDeployment next = state;
    next.SetTime(seq);
    next.SetResource(seq % 4, "v" + std::to_string(seq));
    std::string delta = next.DeltaFrom(state);
    std::string next_text = next.Text();
    HttpResponse r = d.Delta(update, delta, next_text, seq);
    ASSERT_EQ(r.status, 204) << r;
    // A retry of the same save is acknowledged without effect.
    ASSERT_EQ(d.Delta(update, delta, next_text, seq).status, 204);
    state = next;
    text = next_text;
    HttpResponse during = d.Export();
    ASSERT_EQ(during.status, 200);
    EXPECT_EQ(during.body, text);
  }
  HttpResponse done = d.Complete(update);
  ASSERT_EQ(done.status, 204) << done;
  EXPECT_EQ(d.Complete(update).status, 204);  // retried complete

  got = ParseJson(admin.Get(d.path()).body);
  EXPECT_EQ(GetInt(got, "version"), 1);
  EXPECT_EQ(GetString(got, "activeUpdate"), update.id);
  EXPECT_EQ(FindObject(got, "currentOperation"), nullptr);
  EXPECT_EQ(d.Export().body, text);
  EXPECT_EQ(d.Export("/1").body, text);
  ExpectJsonError(d.Export("/2"), 404);

  HttpResponse history = admin.Get(d.path() + "/updates?pageSize=10&page=1");
  ASSERT_EQ(history.status, 200) << history;
  json::value h = ParseJson(history.body);
  const json::array& entries = h.at("updates").as_array();
  ASSERT_EQ(entries.size(), 1u) << history;
  EXPECT_EQ(GetString(entries[0], "kind"), "update");
  EXPECT_EQ(GetString(entries[0], "result"), "succeeded");
  EXPECT_EQ(GetString(entries[0], "message"), "ship it");
  EXPECT_EQ(GetInt(entries[0], "version"), 1);
  EXPECT_EQ(GetInt(entries[0], "resourceCount"), 4);
  EXPECT_TRUE(entries[0].at("config").as_object().contains("proj:dbPassword"));
  EXPECT_EQ(GetString(*FindObject(entries[0], "environment"), "exec.kind"), "cli");

  HttpResponse latest = admin.Get(d.path() + "/updates/latest");
  ASSERT_EQ(latest.status, 200) << latest;
  json::value l = ParseJson(latest.body);
  EXPECT_EQ(GetString(l, "updateID"), update.id);
  EXPECT_EQ(GetInt(*FindObject(l, "info"), "version"), 1);
  EXPECT_EQ(admin.Get(d.path() + "/updates/1").status, 200);
  ExpectJsonError(admin.Get(d.path() + "/updates/7"), 404);

  json::value service = ParseJson(admin.Get(d.path() + "/updates?output-type=service").body);
  EXPECT_EQ(GetInt(service, "total"), 1);
  EXPECT_EQ(service.at("updates").as_array().size(), 1u);

  HttpResponse status = admin.Get(d.path() + "/update/" + update.id);
  ASSERT_EQ(status.status, 200);
  EXPECT_EQ(GetString(ParseJson(status.body), "status"), "succeeded");
}

TEST_F(UpdatesTest, FullCheckpointsAreStoredAsUntypedDeployments) {
  HttpClient admin = AdminClient();
  const std::string stack = NewStack();
  StackDriver d(admin, server(), StackPath("admin", "proj", stack));
  Started update = d.Begin();
  const std::string deployment =
      R"({"manifest":{"time":"2026-08-21T10:00:02.1Z","magic":"abc","version":"v3.200.0"},)"
      R"("resources":[{"urn":"urn:pulumi:)" + stack +
      R"(::proj::pulumi:pulumi:Stack::proj-dev","custom":false,"type":"pulumi:pulumi:Stack"}],"metadata":{}})";
  HttpResponse r = d.Lease("PATCH", update, "checkpoint",
                           R"({"isInvalid":false,"version":3,"deployment":)" + deployment + "}");
  ASSERT_EQ(r.status, 204) << r;
  EXPECT_EQ(d.Export().body, R"({"version":3,"deployment":)" + deployment + "}");
  ASSERT_EQ(d.Complete(update).status, 204);
  json::value entry = ParseJson(admin.Get(d.path() + "/updates").body).at("updates").at(0);
  EXPECT_EQ(GetInt(entry, "resourceCount"), 1);
  EXPECT_EQ(ListedResourceCount(admin, stack), 1);
}

TEST_F(UpdatesTest, PreviewLeavesNoHistoryAndTakesNoCheckpoints) {
  HttpClient admin = AdminClient();
  const std::string stack = NewStack();
  StackDriver d(admin, server(), StackPath("admin", "proj", stack));
  Started preview = d.Begin("preview", /*dry_run=*/true);
  EXPECT_EQ(preview.version, 0);
  SpannedDeployment state("proj", stack, 1, 8);
  ExpectJsonError(d.Verbatim(preview, state.Text(), 1), 400);
  ASSERT_EQ(d.Complete(preview).status, 204);
  json::value history = ParseJson(admin.Get(d.path() + "/updates").body);
  EXPECT_TRUE(history.at("updates").as_array().empty());
  ExpectJsonError(admin.Get(d.path() + "/updates/latest"), 404);
  EXPECT_EQ(GetInt(ParseJson(admin.Get(d.path()).body), "version"), 0);
  EXPECT_EQ(d.Export().body, kEmptyDeployment);
}

TEST_F(UpdatesTest, CancelEndsTheUpdateRevokesTheLeaseAndKeepsItsLastCheckpoint) {
  HttpClient admin = AdminClient();
  const std::string stack = NewStack();
  StackDriver d(admin, server(), StackPath("admin", "proj", stack));
  Started update = d.Begin();
  SpannedDeployment state("proj", stack, 2, 8);
  ASSERT_EQ(d.Verbatim(update, state.Text(), 1).status, 204);

  const std::string cancel = d.path() + "/update/" + update.id + "/cancel";
  EXPECT_EQ(admin.Post(cancel, "").status, 204);
  EXPECT_EQ(admin.Post(cancel, "").status, 204);  // retried
  ExpectJsonError(d.Verbatim(update, state.Text(), 2), 403);
  ExpectJsonError(d.Complete(update), 403);
  EXPECT_EQ(GetString(ParseJson(admin.Get(d.path() + "/update/" + update.id).body), "status"),
            "cancelled");
  EXPECT_EQ(d.Export().body, state.Text());
  json::value got = ParseJson(admin.Get(d.path()).body);
  EXPECT_EQ(GetInt(got, "version"), 1);
  EXPECT_EQ(FindObject(got, "currentOperation"), nullptr);
  json::value entry = ParseJson(admin.Get(d.path() + "/updates").body).at("updates").at(0);
  EXPECT_EQ(GetString(entry, "result"), "failed");

  // The stack is free again.
  Started next = d.Begin();
  EXPECT_EQ(next.version, 2);
  EXPECT_EQ(d.Complete(next).status, 204);
  ExpectJsonError(admin.Post(d.path() + "/update/" + next.id + "/cancel", ""), 409);
}

TEST_F(UpdatesTest, OnlyOneOfTwoConcurrentStartsWins) {
  HttpClient admin = AdminClient();
  const std::string stack = NewStack();
  StackDriver d(admin, server(), StackPath("admin", "proj", stack));
  const std::string first = d.Create("update", false);
  const std::string second = d.Create("update", false);
  std::atomic<int> ok{0}, conflict{0};
  auto start = [&](const std::string& id) {
    HttpClient client = AdminClient();
    HttpResponse r = client.Post(d.path() + "/update/" + id, "{}");
    if (r.status == 200) ++ok;
    if (r.status == 409 && IsJsonError(r, 409)) ++conflict;
  };
  std::thread a(start, first), b(start, second);
  a.join();
  b.join();
  EXPECT_EQ(ok.load(), 1);
  EXPECT_EQ(conflict.load(), 1);
  // Starting an already started update is a conflict too.
  ExpectJsonError(d.StartRaw(first), 409);
}

TEST_F(UpdatesTest, CheckpointSequenceAndTokenRules) {
  HttpClient admin = AdminClient();
  const std::string stack = NewStack();
  StackDriver d(admin, server(), StackPath("admin", "proj", stack));
  Started update = d.Begin();
  SpannedDeployment v1("proj", stack, 3, 16);
  SpannedDeployment v2 = v1;
  v2.SetTime(2);
  v2.SetResource(1, "b");

  // No baseline yet: a delta is refused with a 4xx so the CLI falls back.
  ExpectJsonError(d.Delta(update, v2.DeltaFrom(v1), v2.Text(), 1), 409);
  ASSERT_EQ(d.Verbatim(update, v1.Text(), 2).status, 204);
  ASSERT_EQ(d.Verbatim(update, v1.Text(), 2).status, 204);  // retry
  ExpectJsonError(d.Verbatim(update, v1.Text(), 1), 409);   // older
  // Wrong hash → 400; stale sequence → 409; malformed delta → 400.
  HttpResponse bad_hash = d.Lease("PATCH", update, "checkpointdelta",
                                  DeltaBody(v2.DeltaFrom(v1), v1.Text(), 3));
  ExpectJsonError(bad_hash, 400);
  ExpectJsonError(d.Delta(update, v2.DeltaFrom(v1), v2.Text(), 2), 409);
  ExpectJsonError(d.Delta(update, R"([{"Span":{"start":{"offset":5},"end":{"offset":1}},"NewText":""}])",
                          v2.Text(), 3),
                  400);
  // The fallback: verbatim with the same sequence number is accepted.
  ASSERT_EQ(d.Verbatim(update, v2.Text(), 3).status, 204);
  EXPECT_EQ(d.Export().body, v2.Text());

  // Update-token routes take the lease token only, for this update only.
  HttpClient lease(server().base_url());
  const std::string checkpoint = d.path() + "/update/" + update.id + "/checkpointverbatim";
  ExpectJsonError(lease.Patch(checkpoint, VerbatimBody(v2.Text(), 4)), 401);
  ExpectJsonError(lease.Patch(checkpoint, VerbatimBody(v2.Text(), 4),
                              {{"Authorization", "token " + AdminToken()}}),
                  401);
  ExpectJsonError(lease.Patch(checkpoint, VerbatimBody(v2.Text(), 4),
                              {{"Authorization", "update-token not-the-lease"}}),
                  403);
  Started other_stack_update;
  {
    const std::string other = NewStack();
    StackDriver o(admin, server(), StackPath("admin", "proj", other));
    other_stack_update = o.Begin();
  }
  ExpectJsonError(lease.Patch(checkpoint, VerbatimBody(v2.Text(), 4),
                              {{"Authorization", "update-token " + other_stack_update.token}}),
                  403);
  ExpectJsonError(lease.Patch(d.path() + "/update/" + other_stack_update.id + "/checkpointverbatim",
                              VerbatimBody(v2.Text(), 4),
                              {{"Authorization", "update-token " + other_stack_update.token}}),
                  404);
  ExpectJsonError(d.Lease("POST", update, "renew_lease", R"({"token":"","duration":301})"), 400);
  ExpectJsonError(d.Complete(update, "sideways"), 400);
  ASSERT_EQ(d.Complete(update, "failed").status, 204);
  ExpectJsonError(d.Complete(update, "succeeded"), 409);
  EXPECT_EQ(GetString(ParseJson(admin.Get(d.path() + "/updates").body).at("updates").at(0),
                      "result"),
            "failed");
  EXPECT_EQ(d.Export().body, v2.Text());  // a failed update's last checkpoint stays current
}

TEST_F(UpdatesTest, ReadersSeeHistoryButCannotStartUpdates) {
  HttpClient admin = AdminClient();
  const std::string stack = NewStack();
  const std::string path = StackPath("admin", "proj", stack);
  const std::string outsider_login = UniqueName("outsider");
  HttpClient outsider = Client(CreateUser(admin, outsider_login));
  ExpectJsonError(outsider.Get(path + "/updates"), 404);
  ExpectJsonError(outsider.Post(path + "/update", CreateBody(false)), 404);
  ExpectJsonError(outsider.Get(path + "/export"), 404);
  ExpectJsonError(admin.Post(path + "/update/no-such-update", "{}"), 404);
  ExpectJsonError(admin.Get(path + "/update/no-such-update"), 404);
}

TEST_F(UpdatesTest, LargeStateVerbatimThenDeltasExportsByteForByte) {
  HttpClient admin = AdminClient();
  const std::string stack = NewStack();
  StackDriver d(admin, server(), StackPath("admin", "proj", stack));
  Started update = d.Begin();
  SpannedDeployment state("proj", stack, 5000, 4900);
  std::string text = state.Text();
  ASSERT_GT(text.size(), 24u * 1000 * 1000);
  const auto began = std::chrono::steady_clock::now();
  HttpResponse r = d.Verbatim(update, text, 1);
  ASSERT_EQ(r.status, 204) << r;
  for (int seq = 2; seq <= 6; ++seq) {
    SpannedDeployment next = state;
    next.SetTime(seq);
    next.SetResource((seq * 997) % 5000, "changed" + std::to_string(seq));
    std::string next_text = next.Text();
    r = d.Delta(update, next.DeltaFrom(state), next_text, seq);
    ASSERT_EQ(r.status, 204) << r;
    state = std::move(next);
    text = std::move(next_text);
  }
  ASSERT_EQ(d.Complete(update).status, 204);
  HttpResponse exported = d.Export();
  ASSERT_EQ(exported.status, 200);
  EXPECT_TRUE(exported.body == text) << "export differs from the acknowledged text";
  EXPECT_EQ(GetInt(ParseJson(admin.Get(d.path() + "/updates").body).at("updates").at(0),
                   "resourceCount"),
            5000);
}

TEST_F(UpdatesTest, LargeStateFullCheckpointThen100DeltasExportsByteForByte) {
  HttpClient admin = AdminClient();
  const std::string stack = NewStack();
  StackDriver d(admin, server(), StackPath("admin", "proj", stack));
  Started update = d.Begin();
  SpannedDeployment state("proj", stack, 5000, 4900);
  std::string text = state.Text();
  ASSERT_GT(text.size(), 24u * 1000 * 1000);
  // The stored baseline of a full checkpoint is {"version":3,"deployment":<raw>},
  // which is exactly `text` when <raw> is its deployment member.
  const std::string prefix = R"({"version":3,"deployment":)";
  ASSERT_EQ(text.compare(0, prefix.size(), prefix), 0);
  const std::string_view raw =
      std::string_view(text).substr(prefix.size(), text.size() - prefix.size() - 1);
  // Speed is measured in bench/ (run-checkpoint-bench.sh), not asserted here.
  HttpResponse r =
      d.Lease("PATCH", update, "checkpoint",
              R"({"isInvalid":false,"version":3,"deployment":)" + std::string(raw) + "}");
  ASSERT_EQ(r.status, 204) << r;
  for (int seq = 1; seq <= 100; ++seq) {
    const std::string delta = state.Step(seq, (seq * 997) % 5000, "changed" + std::to_string(seq));
    text = state.Text();
    r = d.Delta(update, delta, text, seq);
    ASSERT_EQ(r.status, 204) << "sequence " << seq << ": " << r;
  }
  ASSERT_EQ(d.Complete(update).status, 204);
  HttpResponse exported = d.Export();
  ASSERT_EQ(exported.status, 200);
  EXPECT_TRUE(exported.body == text) << "export differs from the acknowledged text";
  EXPECT_EQ(
      GetInt(ParseJson(admin.Get(d.path() + "/updates").body).at("updates").at(0), "resourceCount"),
      5000);
  EXPECT_EQ(GetInt(ParseJson(admin.Get(d.path()).body), "version"), 1);
  EXPECT_EQ(ListedResourceCount(admin, stack), 5000);
}

TEST_F(UpdatesTest, PreviewsOfTheLatestVersionAreListedAndPaged) {
  HttpClient admin = AdminClient();
  const std::string stack = NewStack();
  const std::string path = StackPath("admin", "proj", stack);
  StackDriver d(admin, server(), path);
  auto run = [&](std::string_view kind, bool dry_run) {
    Started s = d.Begin(kind, dry_run);
    EXPECT_EQ(d.Complete(s).status, 204);
    return s.id;
  };
  auto ids = [&](std::string_view query) {
    HttpResponse r = admin.Get(path + "/updates/latest/previews" + std::string(query));
    EXPECT_EQ(r.status, 200) << query << ": " << r;
    std::vector<std::string> out;
    if (r.status != 200) return out;
    json::value body = ParseJson(r.body);
    for (const json::value& u : body.at("updates").as_array()) {
      out.push_back(GetString(u, "updateID"));
    }
    return out;
  };

  json::value empty = ParseJson(admin.Get(path + "/updates/latest/previews").body);
  EXPECT_TRUE(empty.at("updates").as_array().empty()) << empty;
  EXPECT_EQ(GetInt(empty, "total"), 0);

  const std::string early = run("preview", true);  // recorded against version 0
  run("update", false);
  const std::string first = run("preview", true);
  const std::string second = run("refresh", true);

  HttpResponse listed = admin.Get(path + "/updates/latest/previews");
  ASSERT_EQ(listed.status, 200) << listed;
  json::value body = ParseJson(listed.body);
  EXPECT_EQ(GetInt(body, "total"), 2);
  EXPECT_EQ(GetInt(body, "itemsPerPage"), 2);
  const json::array& updates = body.at("updates").as_array();
  ASSERT_EQ(updates.size(), 2u) << body;
  EXPECT_EQ(GetString(updates[0], "updateID"), first);
  EXPECT_EQ(GetInt(updates[0], "version"), 1);
  EXPECT_EQ(GetInt(updates[0], "latestVersion"), 1);
  EXPECT_EQ(GetString(updates[0].at("info"), "kind"), "Pupdate");
  EXPECT_EQ(GetString(updates[0].at("info"), "result"), "succeeded");
  EXPECT_EQ(GetString(updates[0].at("info"), "message"), "ship it");
  EXPECT_EQ(GetInt(updates[0].at("info"), "version"), 1);
  EXPECT_EQ(GetString(updates[0].at("requestedBy"), "githubLogin"), "admin");
  EXPECT_EQ(GetString(updates[1], "updateID"), second);
  EXPECT_EQ(GetString(updates[1].at("info"), "kind"), "Prefresh");

  EXPECT_EQ(ids("?asc=true"), (std::vector<std::string>{first, second}));
  EXPECT_EQ(ids("?asc=false"), (std::vector<std::string>{second, first}));
  EXPECT_EQ(ids("?asc=false&pageSize=1&page=1"), (std::vector<std::string>{second}));
  EXPECT_EQ(ids("?asc=false&pageSize=1&page=2"), (std::vector<std::string>{first}));
  EXPECT_TRUE(ids("?asc=false&pageSize=1&page=3").empty());
  json::value paged =
      ParseJson(admin.Get(path + "/updates/latest/previews?page=1&pageSize=1").body);
  EXPECT_EQ(GetInt(paged, "itemsPerPage"), 1);
  EXPECT_EQ(GetInt(paged, "total"), 2);

  // Per version: the early preview belongs to version 0; version 1 is the latest.
  HttpResponse at_zero = admin.Get(path + "/updates/0/previews");
  ASSERT_EQ(at_zero.status, 200) << at_zero;
  json::value zero_body = ParseJson(at_zero.body);
  const json::array& zero = zero_body.at("updates").as_array();
  ASSERT_EQ(zero.size(), 1u);
  EXPECT_EQ(GetString(zero[0], "updateID"), early);
  HttpResponse at_one = admin.Get(path + "/updates/1/previews?asc=false");
  ASSERT_EQ(at_one.status, 200) << at_one;
  EXPECT_EQ(ParseJson(at_one.body).at("updates").as_array().size(), 2u);
  ExpectJsonError(admin.Get(path + "/updates/2/previews"), 404);
  ExpectJsonError(admin.Get(path + "/updates/x/previews"), 404);

  for (const char* query : {"?page=-1", "?page=1", "?page=1&pageSize=0", "?page=0&pageSize=5",
                            "?pageSize=5", "?page=x", "?asc=maybe"}) {
    ExpectJsonError(admin.Get(path + "/updates/latest/previews" + std::string(query)), 400);
  }

  // Previews are not history.
  EXPECT_EQ(ParseJson(admin.Get(path + "/updates").body).at("updates").as_array().size(), 1u);

  HttpClient outsider = Client(CreateUser(admin, UniqueName("outsider")));
  ExpectJsonError(outsider.Get(path + "/updates/latest/previews"), 404);
  ExpectJsonError(outsider.Get(path + "/updates/1/previews"), 404);
}

TEST_F(UpdatesTest, CapabilitiesAdvertiseDeltaCheckpoints) {
  HttpClient admin = AdminClient();
  json::value body = ParseJson(admin.Get("/api/capabilities").body);
  bool found = false;
  for (const json::value& cap : body.at("capabilities").as_array()) {
    if (GetString(cap, "capability") != "delta-checkpoint-uploads-v2") continue;
    found = true;
    EXPECT_EQ(GetInt(cap, "version"), 2);
    EXPECT_EQ(GetInt(cap.at("configuration"), "checkpointCutoffSizeBytes"), 1048576);
  }
  EXPECT_TRUE(found) << body;
}

// Own server: it is killed.
class UpdatesDurabilityTest : public ::testing::Test {};

TEST_F(UpdatesDurabilityTest, AcknowledgedCheckpointsSurviveKill9) {
  ServerProcess server;
  ASSERT_TRUE(server.Start());
  HttpClient admin(server, server.bootstrap_token());
  const std::string stack = "durable";
  ASSERT_EQ(CreateStack(admin, "admin", "proj", stack).status, 200);
  StackDriver d(admin, server, StackPath("admin", "proj", stack));
  Started update = d.Begin();
  SpannedDeployment state("proj", stack, 50, 256);
  ASSERT_EQ(d.Verbatim(update, state.Text(), 1).status, 204);
  SpannedDeployment next = state;
  next.SetTime(7);
  next.SetResource(3, "after");
  ASSERT_EQ(d.Delta(update, next.DeltaFrom(state), next.Text(), 2).status, 204);

  server.Kill9();
  ASSERT_TRUE(server.Restart());
  HttpClient again(server, server.bootstrap_token());
  HttpResponse exported = again.Get(d.path() + "/export");
  ASSERT_EQ(exported.status, 200) << exported;
  EXPECT_EQ(exported.body, next.Text());
}

}  // namespace
}  // namespace statehouse::testing
