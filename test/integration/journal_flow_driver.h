#pragma once

// Sends the journal_flow.h scenario to one or more servers (replicas of one
// database) as the CLI would and checks GET …/export after every batch and
// the stored version after each complete/cancel (header-only; used by
// journal_flow_test.cc and replica_test.cc).

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "test/fakes/journal_example.h"
#include "test/integration/harness.h"
#include "test/integration/journal_flow.h"
#include "test/integration/update_driver.h"

namespace statehouse::testing::journal_flow {

// The two clients a CLI uses against one server: token calls, and gzip
// update-token calls.
struct Endpoint {
  Endpoint(const std::string& base_url, const std::string& token)
      : user(base_url, token), lease(base_url) {
    lease.set_gzip_body(true);
  }
  void Retarget(const std::string& base_url) {
    user.set_base_url(base_url);
    lease.set_base_url(base_url);
  }
  HttpClient user;
  HttpClient lease;
};

class FlowDriver {
 public:
  FlowDriver(std::vector<Endpoint*> endpoints, std::string path)
      : endpoints_(std::move(endpoints)), path_(std::move(path)) {}

  // Which endpoint sends call number n (every create/start/batch/complete
  // counts); the first one by default.
  std::function<size_t(size_t)> pick = [](size_t) { return size_t{0}; };
  // Called after batch `batch` of run `run` was acknowledged (and checked).
  std::function<void(size_t run, size_t batch)> after_batch;
  // Re-send every batch acknowledged so far in the run after each new one
  // (as an HTTP-level retry would): 2xx, and nothing changes.
  bool resend_acknowledged = false;

  const std::string& path() const { return path_; }

  // Creates and starts an update of `kind` asking for journalVersion 1.
  ReplayUpdate Start(const std::string& kind) {
    ReplayUpdate u;
    HttpResponse created = Next().user.Post(path_ + "/" + kind, ReplayCreateBody(false));
    EXPECT_EQ(created.status, 200) << created;
    u.id = GetString(ParseJson(created.body), "updateID");
    HttpResponse started = Next().user.Post(path_ + "/update/" + u.id, R"({"journalVersion":1})");
    EXPECT_EQ(started.status, 200) << started;
    if (started.status != 200) return u;
    const boost::json::value body = ParseJson(started.body);
    EXPECT_EQ(GetInt(body, "journalVersion"), 1) << started;
    u.token = GetString(body, "token");
    u.version = GetInt(body, "version").value_or(-1);
    return u;
  }

  HttpResponse Lease(const ReplayUpdate& u, std::string_view method, std::string_view suffix,
                     std::string_view body) {
    return Next().lease.Request(method, path_ + "/update/" + u.id + "/" + std::string(suffix),
                                body, {{"Authorization", "update-token " + u.token}});
  }
  HttpResponse Send(const ReplayUpdate& u, const std::vector<std::string>& entries) {
    return Lease(u, "PATCH", "journalentries", Body(entries));
  }

  // Every endpoint's GET …/export{suffix} matches `expected` (a deployment
  // without manifest, version 3); returns the first body.
  std::string ExpectExport(const std::string& expected, const std::string& what,
                           const std::string& suffix = "") {
    std::string first;
    for (size_t i = 0; i < endpoints_.size(); ++i) {
      HttpResponse r = endpoints_[i]->user.Get(path_ + "/export" + suffix);
      EXPECT_EQ(r.status, 200) << what << " (endpoint " << i << "): " << r;
      EXPECT_EQ(journal_example::Mismatch(r.body, expected), "")
          << what << " (endpoint " << i << ", export" << suffix << ")";
      if (i == 0) first = r.body;
    }
    return first;
  }

  // Runs `runs` in order; run r gets version first_version + r.
  void RunAll(const std::vector<Run>& runs, int64_t first_version = 1) {
    for (size_t r = 0; r < runs.size(); ++r) {
      SCOPED_TRACE(::testing::Message() << "run " << r + 1 << " (" << runs[r].kind << ")");
      RunOne(runs[r], r, first_version + static_cast<int64_t>(r));
      if (::testing::Test::HasFatalFailure()) return;
    }
  }

  void RunOne(const Run& run, size_t index, int64_t version) {
    ReplayUpdate u = Start(run.kind);
    ASSERT_FALSE(u.token.empty());
    EXPECT_EQ(u.version, version);
    for (size_t b = 0; b < run.batches.size(); ++b) {
      const std::string what = "after batch " + std::to_string(b + 1);
      HttpResponse r = Send(u, run.batches[b].entries);
      ASSERT_EQ(r.status, 204) << what << ": " << r;
      ExpectExport(run.batches[b].expected, what);
      // Not final yet.
      EXPECT_EQ(endpoints_[0]->user.Get(path_ + "/export/" + std::to_string(version)).status, 404);
      if (resend_acknowledged) {
        for (size_t again = 0; again <= b; ++again) {
          HttpResponse retry = Send(u, run.batches[again].entries);
          EXPECT_EQ(retry.status, 204) << what << ", re-sent batch " << again + 1 << ": " << retry;
        }
        ExpectExport(run.batches[b].expected, what + " and the re-sends");
      }
      if (after_batch) {
        after_batch(index, b);
        if (::testing::Test::HasFatalFailure()) return;
        ExpectExport(run.batches[b].expected, what + " and after_batch");
      }
    }
    if (run.end == "cancel") {
      HttpResponse r = Next().user.Post(path_ + "/update/" + u.id + "/cancel", "");
      ASSERT_EQ(r.status, 204) << r;
    } else {
      HttpResponse r = Lease(u, "POST", "complete", R"({"status":")" + run.end + R"("})");
      ASSERT_EQ(r.status, 204) << r;
    }
    ExpectFinal(run, version);
    // Finished: further entries are refused (409; a cancel also revokes the
    // lease: 403, §6.3), and the result stays.
    if (run.end == "cancel") {
      ExpectJsonErrorIn(Send(u, {Entry(0, 1000, 999)}), {403, 409});
    } else {
      ExpectJsonError(Send(u, {Entry(0, 1000, 999)}), 409);
    }
    ExpectExport(run.expected, "after refused entries");
  }

  void ExpectFinal(const Run& run, int64_t version) {
    const std::string current = ExpectExport(run.expected, "final");
    const std::string stored =
        ExpectExport(run.expected, "final version", "/" + std::to_string(version));
    EXPECT_EQ(current, stored);
    for (size_t i = 0; i < endpoints_.size(); ++i) {
      HttpResponse r = endpoints_[i]->user.Get(path_ + "/updates/" + std::to_string(version));
      ASSERT_EQ(r.status, 200) << r;
      const boost::json::value body = ParseJson(r.body);
      const boost::json::value& info = body.at("info");
      EXPECT_EQ(GetString(info, "result"), run.end == "succeeded" ? "succeeded" : "failed") << r;
      EXPECT_EQ(GetString(info, "kind"), run.kind) << r;
      EXPECT_EQ(GetInt(info, "version"), version) << r;
      EXPECT_EQ(GetInt(info, "resourceCount"), run.resource_count) << r;
      HttpResponse stack = endpoints_[i]->user.Get(path_);
      EXPECT_EQ(GetInt(ParseJson(stack.body), "version"), version) << stack;
    }
  }

 private:
  Endpoint& Next() { return *endpoints_.at(pick(calls_++) % endpoints_.size()); }

  std::vector<Endpoint*> endpoints_;
  std::string path_;
  size_t calls_ = 0;
};

}  // namespace statehouse::testing::journal_flow
