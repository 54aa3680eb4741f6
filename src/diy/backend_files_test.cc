#include "diy/backend_files.h"

#include <gtest/gtest.h>

#include "test/fakes/diy_backend.h"
#include "test/fakes/temp_dir.h"

namespace statehouse::diy {
namespace {

namespace fs = std::filesystem;
using testing::DiyDeployment;
using testing::DiyHistoryRecord;
using testing::DiyStackFile;
using testing::WriteDiyFile;

TEST(DiyBackendFilesTest, ProjectLayoutWithHistoryTagsAndGzip) {
  testing::TempDir dir;
  const fs::path root = dir.path();
  WriteDiyFile(root / ".pulumi/meta.yaml", "version: 1\n");
  const std::string state = DiyDeployment("web", "dev", 2, "v2");
  WriteDiyFile(root / ".pulumi/stacks/web/dev.json", DiyStackFile("organization/web/dev", state));
  WriteDiyFile(root / ".pulumi/stacks/web/dev.pulumi-tags", R"({"version":1,"tags":{"team":"blue"}})");
  WriteDiyFile(root / ".pulumi/stacks/web/prod.json.gz",
               DiyStackFile("organization/web/prod", "null"), true);
  WriteDiyFile(root / ".pulumi/stacks/web/dev.json.bak", "ignored");
  WriteDiyFile(root / ".pulumi/history/web/dev/dev-1700000000000000001.history.json",
               DiyHistoryRecord("update", 1700000000, 1700000009, "succeeded", "first"));
  WriteDiyFile(root / ".pulumi/history/web/dev/dev-1700000000000000001.checkpoint.json",
               DiyStackFile("organization/web/dev", DiyDeployment("web", "dev", 1, "v1")));
  WriteDiyFile(root / ".pulumi/history/web/dev/dev-1800000000000000002.history.json.gz",
               DiyHistoryRecord("refresh", 1800000000, 1800000003, "failed", "second"), true);

  auto stacks = ListStacks(root);
  ASSERT_TRUE(stacks) << stacks.error().message;
  ASSERT_EQ(stacks->size(), 2u);
  const StackFiles& dev = (*stacks)[0];
  EXPECT_EQ(dev.project, "web");
  EXPECT_EQ(dev.name, "dev");
  ASSERT_TRUE(dev.tags_file.has_value());
  ASSERT_EQ(dev.history.size(), 2u);
  EXPECT_EQ(dev.history[0].timestamp_ns, 1700000000000000001);
  EXPECT_TRUE(dev.history[0].checkpoint.has_value());
  EXPECT_FALSE(dev.history[1].checkpoint.has_value());
  EXPECT_EQ((*stacks)[1].name, "prod");

  auto text = ReadBackendFile(dev.stack_file);
  ASSERT_TRUE(text);
  auto untyped = UntypedDeploymentOf(*text);
  ASSERT_TRUE(untyped);
  ASSERT_TRUE(untyped->has_value());
  EXPECT_EQ(**untyped, "{\"version\":3,\"deployment\":" + state + "}");
  EXPECT_EQ(ProjectOfDeployment(**untyped), "web");

  auto prod = ReadBackendFile((*stacks)[1].stack_file);
  ASSERT_TRUE(prod);
  auto none = UntypedDeploymentOf(*prod);
  ASSERT_TRUE(none);
  EXPECT_FALSE(none->has_value());

  auto history = ReadBackendFile(dev.history[1].history);
  ASSERT_TRUE(history);
  auto record = ParseHistoryRecord(*history);
  ASSERT_TRUE(record);
  EXPECT_EQ(record->kind, "refresh");
  EXPECT_EQ(record->result, "failed");
  EXPECT_EQ(record->start_time, 1800000000);
  EXPECT_EQ(record->end_time, 1800000003);
  EXPECT_EQ(record->environment_json, R"({"exec.kind":"cli","git.head":"abc123"})");
  EXPECT_EQ(record->config_json,
            R"({"acme:region":{"string":"eu-west-1","secret":false,"object":false},)"
            R"("acme:password":{"string":"v1:c2VjcmV0","secret":true,"object":false}})");

  auto tags = ReadBackendFile(*dev.tags_file);
  ASSERT_TRUE(tags);
  auto parsed_tags = ParseTagsFile(*tags);
  ASSERT_TRUE(parsed_tags);
  EXPECT_EQ(parsed_tags->at("team"), "blue");
}

TEST(DiyBackendFilesTest, LegacyLayoutAndTheBookkeepingFolderItself) {
  testing::TempDir dir;
  const fs::path root = dir.path();
  WriteDiyFile(root / ".pulumi/stacks/staging.json",
               DiyStackFile("staging", DiyDeployment("shop", "staging", 0, "x")));
  WriteDiyFile(root / ".pulumi/history/staging/staging-1700000000000000000.history.json",
               DiyHistoryRecord("update", 1700000000, 1700000001, "succeeded", ""));
  for (const fs::path& from : {root, root / ".pulumi"}) {
    auto stacks = ListStacks(from);
    ASSERT_TRUE(stacks) << stacks.error().message;
    ASSERT_EQ(stacks->size(), 1u);
    EXPECT_EQ((*stacks)[0].project, "");
    EXPECT_EQ((*stacks)[0].name, "staging");
    EXPECT_EQ((*stacks)[0].history.size(), 1u);
  }
  EXPECT_EQ(ListStacks(root / "nowhere").error().code, ErrorCode::kNotFound);
}

TEST(DiyBackendFilesTest, RefusesWhatItCannotRead) {
  testing::TempDir dir;
  WriteDiyFile(fs::path(dir.path()) / "z.json", std::string("\x28\xb5\x2f\xfd rest", 9));
  auto zstd = ReadBackendFile(fs::path(dir.path()) / "z.json");
  ASSERT_FALSE(zstd);
  EXPECT_NE(zstd.error().message.find("zstd"), std::string::npos);
  EXPECT_FALSE(UntypedDeploymentOf("[]"));
  EXPECT_FALSE(UntypedDeploymentOf(R"({"checkpoint":{"latest":{}}})"));  // no version
  EXPECT_FALSE(UntypedDeploymentOf(R"({"version":3,"checkpoint":{"latest":[1]}})"));
  EXPECT_FALSE(ParseHistoryRecord("{}"));
  EXPECT_FALSE(ParseTagsFile(R"({"version":2,"tags":{}})"));
}

}  // namespace
}  // namespace statehouse::diy
