// `pulumi stack import` over HTTP: POST …/import stores the exact bytes as a
// new version, the status poll reports "succeeded", history shows an "import"
// entry.

#include <gtest/gtest.h>

#include <string>

#include "test/integration/harness.h"
#include "test/integration/update_driver.h"

namespace statehouse::testing {
namespace {

namespace json = boost::json;

class ImportTest : public IntegrationTest {
 protected:
  std::string NewStack() {
    const std::string stack = UniqueName("imp");
    HttpClient admin = AdminClient();
    EXPECT_EQ(CreateStack(admin, "admin", "proj", stack).status, 200);
    return stack;
  }

  // POST …/import then the CLI's poll; returns the update id.
  std::string Import(HttpClient& client, const std::string& path, const std::string& text) {
    HttpResponse r = client.Post(path + "/import", text);
    EXPECT_EQ(r.status, 200) << r;
    const std::string id = GetString(ParseJson(r.body), "updateId");
    EXPECT_FALSE(id.empty()) << r;
    HttpResponse poll = client.Get(path + "/update/" + id);
    EXPECT_EQ(poll.status, 200) << poll;
    json::value status = ParseJson(poll.body);
    EXPECT_EQ(GetString(status, "status"), "succeeded") << poll;
    const json::object& obj = status.as_object();
    EXPECT_TRUE(!obj.contains("continuationToken") || obj.at("continuationToken").is_null())
        << poll;
    return id;
  }
};

TEST_F(ImportTest, ImportThenExportIsByteEqualAndRecordedInHistory) {
  HttpClient admin = AdminClient();
  const std::string stack = NewStack();
  const std::string path = StackPath("admin", "proj", stack);
  // Odd spacing and key order must survive: the bytes are stored as sent.
  const std::string text =
      "{\"version\": 3,\n \"deployment\": {\"resources\":[" + ReplayResource("proj", stack, 0) +
      "," + ReplayResource("proj", stack, 1) +
      "],\"manifest\":{\"time\":\"2026-11-22T10:00:00Z\",\"magic\":\"\",\"version\":\"\"}}}";
  Import(admin, path, text);
  HttpResponse exported = admin.Get(path + "/export");
  ASSERT_EQ(exported.status, 200) << exported;
  EXPECT_EQ(exported.body, text);
  EXPECT_EQ(admin.Get(path + "/export/1").body, text);

  json::value got = ParseJson(admin.Get(path).body);
  EXPECT_EQ(GetInt(got, "version"), 1);
  EXPECT_EQ(FindObject(got, "currentOperation"), nullptr) << got;

  // A second import is the next version; history shows both, newest first.
  const std::string second = ReplayDeployment("admin", "proj", stack, 3);
  Import(admin, path, second);
  EXPECT_EQ(admin.Get(path + "/export").body, second);
  EXPECT_EQ(admin.Get(path + "/export/1").body, text);
  EXPECT_EQ(admin.Get(path + "/export/2").body, second);
  HttpResponse history = admin.Get(path + "/updates?pageSize=10&page=1");
  ASSERT_EQ(history.status, 200) << history;
  const json::array entries = ParseJson(history.body).at("updates").as_array();
  ASSERT_EQ(entries.size(), 2u) << history;
  EXPECT_EQ(GetString(entries[0], "kind"), "import");
  EXPECT_EQ(GetString(entries[0], "result"), "succeeded");
  EXPECT_EQ(GetInt(entries[0], "version"), 2);
  EXPECT_EQ(GetInt(entries[0], "resourceCount"), 3);
  EXPECT_GT(GetInt(entries[0], "endTime").value_or(0), 0);
  EXPECT_EQ(GetInt(entries[1], "version"), 1);
  EXPECT_EQ(GetInt(entries[1], "resourceCount"), 2);

  // The stack's resource count follows the import: delete needs force now.
  HttpResponse refused = admin.Delete(path + "?force=false");
  ExpectJsonError(refused, 400);
  EXPECT_EQ(ErrorMessage(refused), "Bad Request: Stack still contains resources.");

  // The next update starts from the imported state at the next version.
  ReplayDriver d(admin, server(), path);
  ReplayUpdate update = d.Begin("update", false);
  EXPECT_EQ(update.version, 3);
  EXPECT_EQ(d.Export().body, second);
  ASSERT_EQ(d.Complete(update).status, 204);
}

TEST_F(ImportTest, GzipBody) {
  HttpClient admin = AdminClient();
  const std::string stack = NewStack();
  const std::string path = StackPath("admin", "proj", stack);
  admin.set_gzip_body(true);
  const std::string text = ReplayDeployment("admin", "proj", stack, 40);
  Import(admin, path, text);
  admin.set_gzip_body(false);
  EXPECT_EQ(admin.Get(path + "/export").body, text);
}

TEST_F(ImportTest, InvalidDeploymentsAreRejectedAndLeaveNoTrace) {
  HttpClient admin = AdminClient();
  const std::string stack = NewStack();
  const std::string path = StackPath("admin", "proj", stack);
  for (const std::string& bad : {
           std::string(""),
           std::string("not json"),
           std::string("[]"),
           std::string(R"({"version":3})"),
           std::string(R"({"version":3,"deployment":[]})"),
           std::string(R"({"version":0,"deployment":{}})"),
           std::string(R"({"version":"3","deployment":{}})"),
           std::string(R"({"version":9,"deployment":{}})"),
           std::string(R"({"version":3,"deployment":{"resources":{}}})"),
           std::string(R"({"version":3,"deployment":{}})") + "trailing",
       }) {
    SCOPED_TRACE(bad);
    ExpectJsonError(admin.Post(path + "/import", bad), 400);
  }
  EXPECT_EQ(GetInt(ParseJson(admin.Get(path).body), "version"), 0);
  EXPECT_TRUE(ParseJson(admin.Get(path + "/updates").body).at("updates").as_array().empty());
}

TEST_F(ImportTest, ConflictWhileAnUpdateIsRunning) {
  HttpClient admin = AdminClient();
  const std::string stack = NewStack();
  const std::string path = StackPath("admin", "proj", stack);
  ReplayDriver d(admin, server(), path);
  const std::string text = ReplayDeployment("admin", "proj", stack, 1);
  for (bool dry_run : {true, false}) {
    SCOPED_TRACE(dry_run);
    ReplayUpdate running = d.Begin("update", dry_run);
    ExpectJsonError(admin.Post(path + "/import", text), 409);
    ASSERT_EQ(d.Complete(running).status, 204);
  }
  Import(admin, path, text);
  EXPECT_EQ(admin.Get(path + "/export").body, text);
}

TEST_F(ImportTest, NeedsStackWritePermission) {
  HttpClient admin = AdminClient();
  const std::string stack = NewStack();
  const std::string path = StackPath("admin", "proj", stack);
  const std::string text = ReplayDeployment("admin", "proj", stack, 1);
  HttpClient outsider = Client(CreateUser(admin, UniqueName("outsider")));
  ExpectJsonError(outsider.Post(path + "/import", text), 404);
  HttpClient anonymous = Client();
  ExpectJsonError(anonymous.Post(path + "/import", text), 401);
  ExpectJsonError(admin.Post(StackPath("admin", "proj", "no-such-stack") + "/import", text), 404);
}

}  // namespace
}  // namespace statehouse::testing
