// Stack rename and transfer as the CLI sees them afterwards: the stored state
// is rewritten as `edit.RenameStack` would (URNs, root stack name), the
// service secrets provider in it names the stack's new path, secrets keep
// decrypting through that path, a rename is a "rename" version in history
// (earlier versions unchanged), and later updates' delta checkpoints work.

#include <gtest/gtest.h>

#include <string>

#include "crypto/crypto.h"
#include "test/integration/harness.h"
#include "test/integration/update_driver.h"

namespace statehouse::testing {
namespace {

namespace json = boost::json;

// The deploymentDelta body turning `before` into `after` (one edit between
// their common prefix and suffix), with the CLI's hash of `after`.
std::string DeltaBody(const std::string& before, const std::string& after, int64_t sequence) {
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
  return R"({"version":3,"checkpointHash":")" + crypto::Sha256Hex(after) +
         R"(","sequenceNumber":)" + std::to_string(sequence) +
         R"(,"deploymentDelta":)" + json::serialize(edits) + "}";
}

// Every URN-valued string of the state's resources (urn, parent, provider
// without its id, dependencies).
std::vector<std::string> Urns(const json::value& deployment) {
  std::vector<std::string> out;
  const json::object* d = FindObject(deployment, "deployment");
  if (d == nullptr || !d->contains("resources")) return out;
  for (const json::value& r : d->at("resources").as_array()) {
    for (const char* key : {"urn", "parent", "provider"}) {
      if (const json::value* v = r.as_object().if_contains(key)) out.emplace_back(v->as_string());
    }
    if (const json::value* deps = r.as_object().if_contains("dependencies")) {
      for (const json::value& dep : deps->as_array()) out.emplace_back(dep.as_string());
    }
  }
  return out;
}

// The stack path the CLI's service secrets manager would call, from the
// state's secrets_providers.state.
std::string SecretsPath(const json::value& deployment) {
  const json::object* d = FindObject(deployment, "deployment");
  if (d == nullptr) return "";
  const json::value& state = d->at("secrets_providers").at("state");
  return StackPath(GetString(state, "owner"), GetString(state, "project"),
                   GetString(state, "stack"));
}

class StackMoveTest : public IntegrationTest {
 protected:
  // A stack of the admin with one completed update of `count` resources whose
  // first resource's output holds `ciphertext`; returns its path.
  std::string StackWithState(HttpClient& admin, const std::string& org, const std::string& project,
                             const std::string& stack, int count, ReplayDriver& driver) {
    EXPECT_EQ(CreateStack(admin, org, project, stack).status, 200);
    const std::string path = StackPath(org, project, stack);
    driver.set_path(path);
    ReplayUpdate u = driver.Begin("update", false);
    EXPECT_EQ(driver.Verbatim(u, ReplayDeployment(org, project, stack, count), 1).status, 204);
    EXPECT_EQ(driver.Complete(u).status, 204);
    return path;
  }
};

TEST_F(StackMoveTest, RenameRewritesTheStateAsTheCliDoesAndRecordsARenameVersion) {
  HttpClient admin = AdminClient();
  const std::string project = UniqueName("mv");
  const std::string new_project = project + "-b";
  ReplayDriver driver(admin, server(), "");
  const std::string path = StackWithState(admin, "admin", project, "dev", 3, driver);
  const std::string before = driver.Export().body;

  HttpResponse renamed =
      admin.Post(path + "/rename", Json({{"newName", "prod"}, {"newProject", new_project}}));
  ASSERT_EQ(renamed.status, 200) << renamed;
  const std::string update_id = GetString(ParseJson(renamed.body), "updateId");
  EXPECT_FALSE(update_id.empty()) << renamed;

  const std::string new_path = StackPath("admin", new_project, "prod");
  driver.set_path(new_path);
  HttpResponse exported = driver.Export();
  ASSERT_EQ(exported.status, 200) << exported;
  const json::value state = ParseJson(exported.body);
  const std::string prefix = "urn:pulumi:prod::" + new_project + "::";
  const std::vector<std::string> urns = Urns(state);
  ASSERT_GE(urns.size(), 9u);
  for (const std::string& urn : urns) EXPECT_TRUE(urn.starts_with(prefix)) << urn;
  // Every resource's parent is the root stack, renamed "<project>-<stack>".
  EXPECT_EQ(urns[1], prefix + "pulumi:pulumi:Stack::" + new_project + "-prod");
  EXPECT_EQ(exported.body.find("urn:pulumi:dev::"), std::string::npos);
  EXPECT_EQ(SecretsPath(state), new_path);
  // Byte-wise: the rewrite changed nothing but names.
  EXPECT_EQ(exported.body, ReplayDeployment("admin", new_project, "prod", 3));

  // History: version 1 as recorded, version 2 the rename.
  json::array history = driver.History();
  ASSERT_EQ(history.size(), 2u);
  EXPECT_EQ(GetString(history[0], "kind"), "rename");
  EXPECT_EQ(GetString(history[0], "result"), "succeeded");
  EXPECT_EQ(GetInt(history[0], "version"), 2);
  EXPECT_EQ(driver.Export("/1").body, before);
  EXPECT_EQ(driver.Export("/2").body, exported.body);
  HttpResponse status = admin.Get(new_path + "/update/" + update_id);
  ASSERT_EQ(status.status, 200) << status;
  EXPECT_EQ(GetString(ParseJson(status.body), "status"), "succeeded");

  // The next update checkpoints verbatim then by delta on top of it.
  ReplayUpdate next = driver.Begin("update", false);
  EXPECT_EQ(next.version, 3);
  const std::string first = ReplayDeployment("admin", new_project, "prod", 4);
  ASSERT_EQ(driver.Verbatim(next, first, 1).status, 204);
  const std::string second = ReplayDeployment("admin", new_project, "prod", 5, "v1");
  HttpResponse delta = driver.Lease("PATCH", next, "checkpointdelta", DeltaBody(first, second, 2));
  ASSERT_EQ(delta.status, 204) << delta;
  ASSERT_EQ(driver.Complete(next).status, 204);
  EXPECT_EQ(driver.Export().body, second);
}

TEST_F(StackMoveTest, RenameAndTransferAreRefusedWhileAnUpdateRuns) {
  HttpClient admin = AdminClient();
  const std::string project = UniqueName("mv");
  const std::string org = UniqueName("mvorg");
  CreateOrg(admin, org, "admin");
  ReplayDriver driver(admin, server(), "");
  const std::string path = StackWithState(admin, "admin", project, "dev", 2, driver);
  ReplayUpdate running = driver.Begin("update", false);
  ASSERT_EQ(driver.Verbatim(running, ReplayDeployment("admin", project, "dev", 3), 1).status, 204);

  ExpectJsonError(admin.Post(path + "/rename", Json({{"newName", "prod"}, {"newProject", project}})),
                  409);
  ExpectJsonError(admin.Post(path + "/transfer", Json({{"toOrg", org}})), 409);
  EXPECT_EQ(admin.Get(path).status, 200);
  // The update goes on undisturbed, and the stack moves once it is done.
  ASSERT_EQ(driver.Complete(running).status, 204);
  EXPECT_EQ(driver.Export().body, ReplayDeployment("admin", project, "dev", 3));
  HttpResponse renamed =
      admin.Post(path + "/rename", Json({{"newName", "prod"}, {"newProject", project}}));
  EXPECT_EQ(renamed.status, 200) << renamed;
}

TEST_F(StackMoveTest, TransferPointsTheSecretsProviderAtTheNewOrgAndSecretsDecryptThere) {
  HttpClient admin = AdminClient();
  const std::string project = UniqueName("mv");
  const std::string org = UniqueName("mvorg");
  CreateOrg(admin, org, "admin");
  ReplayDriver driver(admin, server(), "");
  const std::string path = StackWithState(admin, "admin", project, "dev", 2, driver);
  HttpResponse encrypted = admin.Post(path + "/encrypt", Json({{"plaintext", "c2VjcmV0"}}));
  ASSERT_EQ(encrypted.status, 200) << encrypted;
  const std::string ciphertext = GetString(ParseJson(encrypted.body), "ciphertext");
  const std::string before = driver.Export().body;

  HttpResponse moved = admin.Post(path + "/transfer", Json({{"toOrg", org}}));
  ASSERT_EQ(moved.status, 204) << moved;
  const std::string new_path = StackPath(org, project, "dev");
  driver.set_path(new_path);
  HttpResponse exported = driver.Export();
  ASSERT_EQ(exported.status, 200) << exported;
  const json::value state = ParseJson(exported.body);
  // What the CLI does next: decrypt through the stack the state names.
  const std::string secrets_path = SecretsPath(state);
  EXPECT_EQ(secrets_path, new_path);
  HttpResponse decrypted = admin.Post(secrets_path + "/decrypt", Json({{"ciphertext", ciphertext}}));
  ASSERT_EQ(decrypted.status, 200) << decrypted;
  EXPECT_EQ(GetString(ParseJson(decrypted.body), "plaintext"), "c2VjcmV0");
  HttpClient gz = AdminClient();
  gz.set_gzip_body(true);
  HttpResponse batch =
      gz.Post(secrets_path + "/batch-decrypt", Json({{"ciphertexts", {ciphertext}}}));
  ASSERT_EQ(batch.status, 200) << batch;
  ExpectJsonError(admin.Post(path + "/decrypt", Json({{"ciphertext", ciphertext}})), 404);
  // Only the provider's owner changed; URNs carry no organization.
  std::string expected = before;
  const std::string old_owner = R"("owner":"admin")";
  expected.replace(expected.find(old_owner), old_owner.size(), R"("owner":")" + org + "\"");
  EXPECT_EQ(exported.body, expected);
  // A transfer is not an update: history is unchanged.
  EXPECT_EQ(driver.History().size(), 1u);
}

TEST_F(StackMoveTest, RenameOfAStackWithoutStateRecordsTheRenameOnly) {
  HttpClient admin = AdminClient();
  const std::string project = UniqueName("mv");
  ASSERT_EQ(CreateStack(admin, "admin", project, "dev").status, 200);
  HttpResponse renamed = admin.Post(StackPath("admin", project, "dev") + "/rename",
                                    Json({{"newName", "prod"}, {"newProject", project}}));
  ASSERT_EQ(renamed.status, 200) << renamed;
  EXPECT_FALSE(GetString(ParseJson(renamed.body), "updateId").empty());
  HttpResponse exported = admin.Get(StackPath("admin", project, "prod") + "/export");
  ASSERT_EQ(exported.status, 200) << exported;
  EXPECT_EQ(GetInt(ParseJson(exported.body), "version"), 3);
}

}  // namespace
}  // namespace statehouse::testing
