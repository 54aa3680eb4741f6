// `statehouse import-diy` against the real binary and a running server on
// both engines: a DIY backend directory built to pkg/backend/diy's layout is
// imported into an org; every version's state, kind, result, message and
// times, the current state, tags and secrets provider come out of the REST
// API as they were in the files. Re-running changes nothing; --dry-run
// writes nothing.

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "test/fakes/diy_backend.h"
#include "test/fakes/temp_dir.h"
#include "test/integration/harness.h"

namespace statehouse::testing {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;


class ImportDiyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server_.Start());
    admin_ = std::make_unique<HttpClient>(server_, server_.bootstrap_token());
  }

  CommandResult Import(const std::string& from, const std::string& extra = "") {
    std::string store = server_.database_url().empty()
                            ? "--data-dir " + ShellQuote(server_.data_dir())
                            : "--database " + ShellQuote(server_.database_url());
    return RunBinary("import-diy --from " + ShellQuote(from) + " --org admin " + store + " " + extra);
  }

  ServerProcess server_;
  std::unique_ptr<HttpClient> admin_;
};

TEST_F(ImportDiyTest, EveryStackWithItsWholeHistory) {
  TempDir dir;
  const fs::path root = dir.path();
  WriteDiyFile(root / ".pulumi/meta.yaml", "version: 1\n");
  const std::string v1 = DiyDeployment("web", "dev", 1, "one");
  const std::string v2 = DiyDeployment("web", "dev", 3, "two");
  const std::string v3 = DiyDeployment("web", "dev", 2, "three");
  WriteDiyFile(root / ".pulumi/history/web/dev/dev-1700000000000000000.history.json",
               DiyHistoryRecord("update", 1700000000, 1700000030, "succeeded", "first up"));
  WriteDiyFile(root / ".pulumi/history/web/dev/dev-1700000000000000000.checkpoint.json",
               DiyStackFile("organization/web/dev", v1));
  WriteDiyFile(root / ".pulumi/history/web/dev/dev-1700000100000000000.history.json.gz",
               DiyHistoryRecord("update", 1700000100, 1700000160, "failed", "second up"), true);
  WriteDiyFile(root / ".pulumi/history/web/dev/dev-1700000100000000000.checkpoint.json.gz",
               DiyStackFile("organization/web/dev", v2), true);
  WriteDiyFile(root / ".pulumi/history/web/dev/dev-1700000200000000000.history.json",
               DiyHistoryRecord("refresh", 1700000200, 1700000210, "succeeded", ""));
  WriteDiyFile(root / ".pulumi/history/web/dev/dev-1700000200000000000.checkpoint.json",
               DiyStackFile("organization/web/dev", v3));
  WriteDiyFile(root / ".pulumi/stacks/web/dev.json", DiyStackFile("organization/web/dev", v3));
  WriteDiyFile(root / ".pulumi/stacks/web/dev.pulumi-tags", R"({"version":1,"tags":{"team":"blue"}})");
  // Edited after its last operation (`pulumi stack import`): one more version.
  const std::string edited = DiyDeployment("web", "prod", 4, "edited");
  WriteDiyFile(root / ".pulumi/history/web/prod/prod-1700000300000000000.history.json",
               DiyHistoryRecord("update", 1700000300, 1700000301, "succeeded", "prod up"));
  WriteDiyFile(root / ".pulumi/history/web/prod/prod-1700000300000000000.checkpoint.json",
               DiyStackFile("organization/web/prod", DiyDeployment("web", "prod", 1, "p")));
  WriteDiyFile(root / ".pulumi/stacks/web/prod.json.gz", DiyStackFile("organization/web/prod", edited), true);
  // Initialized, never updated.
  WriteDiyFile(root / ".pulumi/stacks/api/empty.json", DiyStackFile("organization/api/empty", "null"));

  CommandResult dry = Import(root.string(), "--dry-run");
  ASSERT_EQ(dry.exit_code, 0) << dry.output;
  EXPECT_NE(dry.output.find("would import admin/web/dev: 3 versions, 3 resources"), std::string::npos)
      << dry.output;
  EXPECT_EQ(admin_->Get(StackPath("admin", "web", "dev")).status, 404);

  CommandResult run = Import(root.string());
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_NE(run.output.find("3 stacks imported, 5 versions; 0 already existed; 0 skipped"),
            std::string::npos)
      << run.output;

  const std::string dev = StackPath("admin", "web", "dev");
  const json::value stack = ParseJson(admin_->Get(dev).body);
  EXPECT_EQ(GetInt(stack, "version"), 3) << stack;
  EXPECT_EQ(GetString(stack.at("tags"), "team"), "blue") << stack;
  EXPECT_EQ(GetString(stack.at("tags"), "pulumi:project"), "web") << stack;
  EXPECT_EQ(admin_->Get(dev + "/export").body, "{\"version\":3,\"deployment\":" + v3 + "}");
  EXPECT_EQ(admin_->Get(dev + "/export/1").body, "{\"version\":3,\"deployment\":" + v1 + "}");
  EXPECT_EQ(admin_->Get(dev + "/export/2").body, "{\"version\":3,\"deployment\":" + v2 + "}");

  const json::value history = ParseJson(admin_->Get(dev + "/updates?pageSize=10").body);
  const json::array& updates = history.at("updates").as_array();
  ASSERT_EQ(updates.size(), 3u) << history;
  // Newest first (the CLI's format: UpdateInfo objects).
  const json::value& refresh = updates[0];
  EXPECT_EQ(GetString(refresh, "kind"), "refresh");
  EXPECT_EQ(GetInt(refresh, "startTime"), 1700000200);
  EXPECT_EQ(GetInt(refresh, "endTime"), 1700000210);
  const json::value& failed = updates[1];
  EXPECT_EQ(GetString(failed, "result"), "failed");
  EXPECT_EQ(GetString(failed, "message"), "second up");
  EXPECT_EQ(GetInt(failed, "resourceCount"), 4);
  const json::value& first = updates[2];
  EXPECT_EQ(GetString(first, "result"), "succeeded");
  EXPECT_EQ(GetString(first.at("environment"), "git.head"), "abc123");
  EXPECT_EQ(GetInt(first, "version"), 1);

  const std::string prod = StackPath("admin", "web", "prod");
  EXPECT_EQ(admin_->Get(prod + "/export").body, "{\"version\":3,\"deployment\":" + edited + "}");
  const json::value prod_history = ParseJson(admin_->Get(prod + "/updates").body);
  ASSERT_EQ(prod_history.at("updates").as_array().size(), 2u);
  EXPECT_EQ(GetString(prod_history.at("updates").as_array()[0], "kind"), "import");

  HttpResponse empty = admin_->Get(StackPath("admin", "api", "empty"));
  ASSERT_EQ(empty.status, 200) << empty;
  EXPECT_EQ(GetInt(ParseJson(empty.body), "version"), 0);

  // Again: nothing changes.
  CommandResult again = Import(root.string());
  ASSERT_EQ(again.exit_code, 0) << again.output;
  EXPECT_NE(again.output.find("0 stacks imported, 0 versions; 3 already existed"), std::string::npos)
      << again.output;
  EXPECT_EQ(GetInt(ParseJson(admin_->Get(dev).body), "version"), 3);
}

TEST_F(ImportDiyTest, LegacyLayoutAndBadInput) {
  TempDir dir;
  const fs::path root = dir.path();
  WriteDiyFile(root / ".pulumi/stacks/staging.json",
               DiyStackFile("staging", DiyDeployment("shop", "staging", 2, "s")));
  WriteDiyFile(root / ".pulumi/stacks/bare.json", DiyStackFile("bare", "null"));
  WriteDiyFile(root / ".pulumi/stacks/broken.json", "{not json");
  CommandResult run = Import(root.string());
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_NE(run.output.find("imported admin/shop/staging: 1 versions, 3 resources"),
            std::string::npos)
      << run.output;
  EXPECT_NE(run.output.find("skipped admin/?/bare: "), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("skipped admin/?/broken: not a Pulumi stack file"), std::string::npos)
      << run.output;
  EXPECT_EQ(admin_->Get(StackPath("admin", "shop", "staging") + "/export").status, 200);

  CommandResult with_project = Import(root.string(), "--project shop");
  EXPECT_NE(with_project.output.find("imported admin/shop/bare: 0 versions"), std::string::npos)
      << with_project.output;

  EXPECT_EQ(Import((root / "missing").string()).exit_code, 1);
  CommandResult no_org = RunBinary("import-diy --from " + ShellQuote(root.string()) + " --org nosuch " +
                                   (server_.database_url().empty()
                                        ? "--data-dir " + ShellQuote(server_.data_dir())
                                        : "--database " + ShellQuote(server_.database_url())));
  EXPECT_EQ(no_org.exit_code, 1) << no_org.output;
}

}  // namespace
}  // namespace statehouse::testing
