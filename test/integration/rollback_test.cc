// POST …/rollback over the real binary: version N's state becomes the next
// version byte for byte, recorded in history (an "import" whose message says
// so), audited, announced to webhooks as an update; refused while an update
// runs, for a version the stack does not have, and to users who are not
// stack admins.

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>

#include "test/integration/harness.h"
#include "test/integration/update_driver.h"
#include "test/integration/webhook_receiver.h"

namespace statehouse::testing {
namespace {

namespace json = boost::json;

std::string StateWith(const std::string& stack, int resources) {
  std::string text = R"({"version":3,"deployment":{"manifest":{"time":"2026-12-03T10:00:00Z",)"
                     R"("magic":"","version":""},"resources":[)";
  for (int i = 0; i < resources; ++i) {
    if (i > 0) text += ",";
    text += ReplayResource("proj", stack, i);
  }
  return text + "]}}";
}

class RollbackTest : public IntegrationTest {
 protected:
  void SetUp() override {
    IntegrationTest::SetUp();
    if (HasFatalFailure()) return;
    admin_ = std::make_unique<HttpClient>(AdminClient());
    stack_ = UniqueName("rb");
    path_ = StackPath("admin", "proj", stack_);
    ASSERT_EQ(CreateStack(*admin_, "admin", "proj", stack_).status, 200);
    for (int resources : {2, 5}) {
      HttpResponse r = admin_->Post(path_ + "/import", StateWith(stack_, resources));
      ASSERT_EQ(r.status, 200) << r;
    }
  }

  std::unique_ptr<HttpClient> admin_;
  std::string stack_;
  std::string path_;
};

TEST_F(RollbackTest, MakesAnOldVersionCurrentAsTheNextVersion) {
  const std::string v1 = admin_->Get(path_ + "/export/1").body;
  ASSERT_EQ(v1, StateWith(stack_, 2));

  HttpResponse r = admin_->Post(path_ + "/rollback", R"({"version":1})");
  ASSERT_EQ(r.status, 200) << r;
  const json::value answer = ParseJson(r.body);
  EXPECT_EQ(GetInt(answer, "version"), 3) << r;
  const std::string update_id = GetString(answer, "updateId");
  EXPECT_FALSE(update_id.empty()) << r;

  EXPECT_EQ(admin_->Get(path_ + "/export").body, v1);
  EXPECT_EQ(admin_->Get(path_ + "/export/3").body, v1);
  EXPECT_EQ(admin_->Get(path_ + "/export/2").body, StateWith(stack_, 5));
  const json::value stack = ParseJson(admin_->Get(path_).body);
  EXPECT_EQ(GetInt(stack, "version"), 3);

  HttpResponse poll = admin_->Get(path_ + "/update/" + update_id);
  EXPECT_EQ(GetString(ParseJson(poll.body), "status"), "succeeded") << poll;
  const json::value latest = ParseJson(admin_->Get(path_ + "/updates/3").body);
  ASSERT_NE(FindObject(latest, "info"), nullptr) << latest;
  const json::value& info = latest.at("info");
  EXPECT_EQ(GetString(info, "kind"), "import");
  EXPECT_EQ(GetString(info, "message"), "Rollback to version 1");
  EXPECT_EQ(GetString(info, "result"), "succeeded");
  EXPECT_EQ(GetInt(info, "resourceCount"), 2) << latest;
  ASSERT_NE(FindObject(info, "environment"), nullptr) << latest;
  EXPECT_EQ(GetString(info.at("environment"), "statehouse.rollbackToVersion"), "1");

  HttpResponse audit = admin_->Get("/api/orgs/admin/auditlogs?pageSize=1000&startTime=" +
                                   std::to_string(std::chrono::duration_cast<std::chrono::seconds>(
                                                      std::chrono::system_clock::now()
                                                          .time_since_epoch())
                                                      .count() +
                                                  3600));
  ASSERT_EQ(audit.status, 200) << audit;
  bool recorded = false;
  const json::value events = ParseJson(audit.body);
  for (const json::value& e : events.at("auditLogEvents").as_array()) {
    if (GetString(e, "description") ==
        "Rolled back stack proj/" + stack_ + " to version 1 as version 3") {
      recorded = true;
    }
  }
  EXPECT_TRUE(recorded) << audit.body.substr(0, 2000);
}

TEST_F(RollbackTest, RefusesWhatItCannotDo) {
  ExpectJsonError(admin_->Post(path_ + "/rollback", R"({"version":9})"), 404);
  ExpectJsonError(admin_->Post(path_ + "/rollback", R"({"version":0})"), 404);
  ExpectJsonError(admin_->Post(path_ + "/rollback", R"({})"), 400);
  ExpectJsonError(admin_->Post(path_ + "/rollback", R"({"version":"one"})"), 400);
  ExpectJsonError(admin_->Post(path_ + "/rollback", "not json"), 400);

  HttpClient outsider = Client(CreateUser(*admin_, UniqueName("alice")));
  ExpectJsonError(outsider.Post(path_ + "/rollback", R"({"version":1})"), 404);

  ReplayDriver d(*admin_, server(), path_);
  ReplayUpdate running = d.Begin("update", false);
  ExpectJsonError(admin_->Post(path_ + "/rollback", R"({"version":1})"), 409);
  ASSERT_EQ(d.Complete(running).status, 204);
  EXPECT_EQ(admin_->Post(path_ + "/rollback", R"({"version":1})").status, 200);
  EXPECT_EQ(admin_->Get(path_ + "/export").body, StateWith(stack_, 2));
}

TEST(RollbackWebhookTest, AnnouncedAsASucceededUpdate) {
  WebhookReceiver receiver;
  ASSERT_TRUE(receiver.ok());
  ServerConfig config;
  config.extra_args = {"--webhook-allow-cidr", "127.0.0.0/8"};
  ServerProcess server(config);
  ASSERT_TRUE(server.Start());
  HttpClient admin(server, server.bootstrap_token());
  const std::string path = StackPath("admin", "proj", "dev");
  ASSERT_EQ(CreateStack(admin, "admin", "proj", "dev").status, 200);
  ASSERT_EQ(admin.Post(path + "/import", StateWith("dev", 1)).status, 200);
  HttpResponse hook = admin.Post(
      "/api/orgs/admin/hooks",
      Json({{"organizationName", "admin"},
            {"displayName", "rollbacks"},
            {"payloadUrl", receiver.Url()},
            {"active", true},
            {"filters", json::array{"update_succeeded"}}}));
  ASSERT_EQ(hook.status, 201) << hook;
  ASSERT_EQ(admin.Post(path + "/rollback", R"({"version":1})").status, 200);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (receiver.Count() == 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_EQ(receiver.Count(), 1u) << server.AllLogs();
  const json::value body = ParseJson(receiver.Requests().front().body);
  EXPECT_EQ(GetString(body, "kind"), "import") << body;
  EXPECT_EQ(GetString(body, "result"), "succeeded") << body;
  EXPECT_TRUE(GetString(body, "updateUrl").ends_with("/updates/2")) << body;
}

}  // namespace
}  // namespace statehouse::testing
