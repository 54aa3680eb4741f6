// Engine events over HTTP: gzip batches under the update token, concurrent
// duplicated out-of-order batches, the events read side, the status poll and
// history resourceChanges, against the real binary.

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "test/integration/harness.h"

namespace statehouse::testing {
namespace {

namespace json = boost::json;

std::string Event(int64_t sequence) {
  return R"({"sequence":)" + std::to_string(sequence) +
         R"(,"timestamp":1787306401,"stdoutEvent":{"message":"line )" + std::to_string(sequence) +
         R"(\n","color":"raw"}})";
}

std::string Output(int64_t sequence, std::string_view op) {
  return R"({"sequence":)" + std::to_string(sequence) +
         R"(,"timestamp":1787306402,"resOutputsEvent":{"metadata":{"op":")" + std::string(op) +
         R"(","urn":"urn:pulumi:dev::proj::t::r)" + std::to_string(sequence) +
         R"(","type":"t","old":null,"new":null,"detailedDiff":null,"provider":""}}})";
}

std::string Batch(const std::vector<std::string>& events) {
  std::string out = R"({"events":[)";
  for (size_t i = 0; i < events.size(); ++i) out += (i ? "," : "") + events[i];
  return out + "]}";
}

struct Update {
  std::string id;
  std::string token;
};

class EngineEventsTest : public IntegrationTest {
 protected:
  void SetUp() override {
    IntegrationTest::SetUp();
    admin_ = std::make_unique<HttpClient>(AdminClient());
    stack_ = UniqueName("ev");
    ASSERT_EQ(CreateStack(*admin_, "admin", "proj", stack_).status, 200);
    path_ = StackPath("admin", "proj", stack_);
    lease_ = std::make_unique<HttpClient>(server().base_url());
    lease_->set_gzip_body(true);
  }

  Update Begin(bool dry_run = false) {
    HttpResponse created =
        admin_->Post(path_ + "/update", dry_run ? R"({"options":{"dryRun":true}})" : "{}");
    EXPECT_EQ(created.status, 200) << created;
    Update u{GetString(ParseJson(created.body), "updateID"), ""};
    HttpResponse started = admin_->Post(path_ + "/update/" + u.id, "{}");
    EXPECT_EQ(started.status, 200) << started;
    u.token = GetString(ParseJson(started.body), "token");
    return u;
  }

  HttpResponse Send(HttpClient& client, const Update& u, const std::string& body,
                    const std::string& token = "") {
    return client.Post(path_ + "/update/" + u.id + "/events/batch", body,
                       {{"Authorization", "update-token " + (token.empty() ? u.token : token)}});
  }

  HttpResponse Complete(const Update& u) {
    return lease_->Post(path_ + "/update/" + u.id + "/complete", R"({"status":"succeeded"})",
                        {{"Authorization", "update-token " + u.token}});
  }

  // Every event of the update through the continuation tokens; the
  // sequences in order. Fails on a page that is not ordered.
  std::vector<int64_t> ReadAll(const Update& u, int* pages = nullptr) {
    std::vector<int64_t> out;
    std::string token;
    for (int page = 0; page < 100; ++page) {
      HttpResponse r = admin_->Get(path_ + "/update/" + u.id + "/events" +
                                   (token.empty() ? "" : "?continuationToken=" + token));
      EXPECT_EQ(r.status, 200) << r;
      json::value body = ParseJson(r.body);
      const size_t before = out.size();
      for (const auto& e : body.at("events").as_array()) {
        EXPECT_TRUE(e.as_object().contains("type")) << e;
        out.push_back(e.at("sequence").as_int64());
      }
      if (pages != nullptr) *pages = page + 1;
      const json::value& next = body.at("continuationToken");
      if (next.is_null()) break;
      token = std::string(next.as_string());
      EXPECT_TRUE(std::all_of(token.begin(), token.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
      })) << token;
      if (out.size() == before) break;  // running, nothing new
    }
    return out;
  }

  std::unique_ptr<HttpClient> admin_;
  std::unique_ptr<HttpClient> lease_;
  std::string stack_;
  std::string path_;
};

TEST_F(EngineEventsTest, GzipBatchIsStoredAndReadBackVerbatim) {
  Update u = Begin();
  const std::string spaced = R"({ "sequence": 0, "timestamp": 5, "preludeEvent": {"config": {"proj:a": "[secret]"}} })";
  HttpResponse r = Send(*lease_, u, R"({"events":[)" + spaced + "," + Event(1) + "]}");
  ASSERT_EQ(r.status, 200) << r;
  EXPECT_TRUE(r.body.empty() || ParseJson(r.body).is_object()) << r;

  HttpResponse got = admin_->Get(path_ + "/update/" + u.id + "/events");
  ASSERT_EQ(got.status, 200) << got;
  EXPECT_NE(got.body.find(R"({"type":"preludeEvent", "sequence": 0, "timestamp": 5, "preludeEvent": {"config": {"proj:a": "[secret]"}} })"),
            std::string::npos)
      << got.body;
  json::value body = ParseJson(got.body);
  EXPECT_EQ(GetString(body.at("events").as_array()[1], "type"), "stdoutEvent");
  EXPECT_TRUE(body.at("continuationToken").is_string());  // still running
  ASSERT_EQ(Complete(u).status, 204);
  EXPECT_TRUE(ParseJson(admin_->Get(path_ + "/update/" + u.id + "/events").body)
                  .at("continuationToken")
                  .is_null());
}

TEST_F(EngineEventsTest, ConcurrentDuplicatedOutOfOrderBatchesStoreTheUnionInOrder) {
  Update u = Begin();
  constexpr int kThreads = 8;
  constexpr int kBatches = 12;
  std::set<int64_t> expected;
  std::vector<std::vector<std::string>> bodies(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    for (int b = kBatches - 1; b >= 0; --b) {  // newest batch first
      std::vector<std::string> events;
      // Overlapping windows: thread t, batch b covers [b*40 + t*5, +50).
      for (int64_t s = b * 40 + t * 5; s < b * 40 + t * 5 + 50; ++s) {
        if ((s + t) % 7 == 0) continue;  // holes filled by other threads
        events.push_back(Event(s));
        expected.insert(s);
      }
      std::reverse(events.begin(), events.end());
      bodies[t].push_back(Batch(events));
    }
  }
  std::vector<std::thread> threads;
  std::vector<int> failures(kThreads, 0);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      HttpClient client(server().base_url());
      client.set_gzip_body(true);
      for (int repeat = 0; repeat < 2; ++repeat) {
        for (const auto& body : bodies[t]) {
          if (Send(client, u, body).status != 200) ++failures[t];
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(failures[t], 0) << "thread " << t;
  ASSERT_EQ(Complete(u).status, 204);
  int pages = 0;
  std::vector<int64_t> got = ReadAll(u, &pages);
  EXPECT_EQ(got, std::vector<int64_t>(expected.begin(), expected.end()));
  EXPECT_GT(pages, 1);
}

TEST_F(EngineEventsTest, UpdateTokenRules) {
  Update u = Begin();
  HttpClient plain(server().base_url());
  EXPECT_EQ(Send(plain, u, Batch({Event(0)}), "0123456789abcdef").status, 403);
  HttpResponse user_token = admin_->Post(path_ + "/update/" + u.id + "/events/batch",
                                         Batch({Event(0)}));
  EXPECT_TRUE(user_token.status == 401 || user_token.status == 403) << user_token;
  EXPECT_EQ(Send(plain, u, R"({"events":[{"timestamp":1}]})").status, 400);
  EXPECT_EQ(Send(plain, u, "not json").status, 400);
  ASSERT_EQ(Send(plain, u, Batch({Event(0)})).status, 200);
  EXPECT_EQ(ReadAll(u), (std::vector<int64_t>{0}));
  HttpResponse bad = admin_->Get(path_ + "/update/" + u.id + "/events?continuationToken=zz");
  ExpectJsonError(bad, 400);
  ExpectJsonError(admin_->Get(path_ + "/update/nope/events"), 404);
}

TEST_F(EngineEventsTest, HistoryShowsResourceChangesAndStatusPollShowsOutput) {
  Update u = Begin();
  ASSERT_EQ(Send(*lease_, u,
                 Batch({Event(0), Output(1, "create"), Output(2, "create"), Output(3, "same")}))
                .status,
            200);
  HttpResponse running = admin_->Get(path_ + "/update/" + u.id);
  ASSERT_EQ(running.status, 200) << running;
  json::value status = ParseJson(running.body);
  EXPECT_EQ(GetString(status, "status"), "running");
  ASSERT_EQ(status.at("events").as_array().size(), 1u) << status;
  EXPECT_EQ(GetString(status.at("events").as_array()[0], "kind"), "stdout");
  const std::string token = GetString(status, "continuationToken");
  EXPECT_EQ(token, "4");
  ASSERT_EQ(Complete(u).status, 204);
  json::value done = ParseJson(admin_->Get(path_ + "/update/" + u.id + "?continuationToken=" + token).body);
  EXPECT_EQ(GetString(done, "status"), "succeeded");
  EXPECT_FALSE(done.as_object().contains("continuationToken")) << done;

  const json::object expected{{"create", 2}, {"same", 1}};
  json::value history = ParseJson(admin_->Get(path_ + "/updates").body);
  EXPECT_EQ(history.at("updates").as_array()[0].at("resourceChanges"), json::value(expected))
      << history;
  json::value service = ParseJson(admin_->Get(path_ + "/updates?output-type=service").body);
  EXPECT_EQ(service.at("updates").as_array()[0].at("info").at("resourceChanges"),
            json::value(expected));
  json::value latest = ParseJson(admin_->Get(path_ + "/updates/latest").body);
  EXPECT_EQ(latest.at("info").at("resourceChanges"), json::value(expected)) << latest;

  Update second = Begin();
  ASSERT_EQ(Send(*lease_, second,
                 Batch({Output(0, "update"),
                        R"({"sequence":1,"timestamp":2,"summaryEvent":{"maybeCorrupt":false,"durationSeconds":1,"resourceChanges":{"update":1,"same":3},"PolicyPacks":null,"isPreview":false,"result":"succeeded"}})"}))
                .status,
            200);
  ASSERT_EQ(Complete(second).status, 204);
  json::value v2 = ParseJson(admin_->Get(path_ + "/updates/2").body);
  EXPECT_EQ(v2.at("info").at("resourceChanges"), (json::value(json::object{{"same", 3}, {"update", 1}})))
      << v2;
  EXPECT_EQ(ParseJson(admin_->Get(path_ + "/updates/1").body).at("info").at("resourceChanges"),
            json::value(expected));
}

}  // namespace
}  // namespace statehouse::testing
