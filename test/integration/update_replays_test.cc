// Replays of the CLI's call sequences against the real binary: refresh, destroy
// then stack rm, pulumi cancel, and rename of a stack that has checkpoints.

#include <gtest/gtest.h>

#include <string>

#include "test/integration/harness.h"
#include "test/integration/update_driver.h"

namespace statehouse::testing {
namespace {

namespace json = boost::json;

class UpdateReplaysTest : public IntegrationTest {
 protected:
  std::string NewStack(std::string_view prefix) {
    const std::string stack = UniqueName(prefix);
    HttpClient admin = AdminClient();
    EXPECT_EQ(CreateStack(admin, "admin", "proj", stack).status, 200);
    return stack;
  }

  // `pulumi up --yes`: export, preview (update dryRun), export, update with
  // checkpoints, complete. Returns the final state.
  std::string Up(ReplayDriver& d, const std::string& stack, int resources) {
    EXPECT_EQ(d.Export().status, 200);
    ReplayUpdate preview = d.Begin("update", true);
    EXPECT_EQ(d.Complete(preview).status, 204);
    EXPECT_EQ(d.Export().status, 200);
    ReplayUpdate update = d.Begin("update", false);
    std::string text;
    for (int n = 1; n <= resources; ++n) {
      text = ReplayDeployment("admin", "proj", stack, n);
      EXPECT_EQ(d.Verbatim(update, text, n).status, 204);
    }
    EXPECT_EQ(d.Verbatim(update, text, resources + 1).status, 204);  // final save
    EXPECT_EQ(d.Complete(update).status, 204);
    return text;
  }
};

TEST_F(UpdateReplaysTest, Refresh) {
  HttpClient admin = AdminClient();
  const std::string stack = NewStack("refresh");
  ReplayDriver d(admin, server(), StackPath("admin", "proj", stack));
  const std::string before = Up(d, stack, 3);

  // pulumi refresh --yes: refresh dryRun=true, then dryRun=false.
  ASSERT_EQ(d.Export().body, before);
  ReplayUpdate preview = d.Begin("refresh", true);
  EXPECT_EQ(preview.version, 1);
  json::value got = ParseJson(admin.Get(d.path()).body);
  const json::object* op = FindObject(got, "currentOperation");
  ASSERT_NE(op, nullptr) << got;
  ASSERT_EQ(d.Complete(preview).status, 204);

  ReplayUpdate refresh = d.Begin("refresh", false);
  EXPECT_EQ(refresh.version, 2);
  got = ParseJson(admin.Get(d.path()).body);
  op = FindObject(got, "currentOperation");
  ASSERT_NE(op, nullptr) << got;
  EXPECT_EQ(GetString(*op, "kind"), "refresh");
  const std::string after = ReplayDeployment("admin", "proj", stack, 3, "refreshed");
  ASSERT_EQ(d.Verbatim(refresh, after, 1).status, 204);
  ASSERT_EQ(d.Verbatim(refresh, after, 2).status, 204);
  ASSERT_EQ(d.Complete(refresh).status, 204);

  EXPECT_EQ(d.Export().body, after);
  EXPECT_EQ(d.Export("/1").body, before);
  EXPECT_EQ(d.Export("/2").body, after);
  const json::array history = d.History();
  ASSERT_EQ(history.size(), 2u);
  EXPECT_EQ(GetString(history[0], "kind"), "refresh");
  EXPECT_EQ(GetString(history[0], "result"), "succeeded");
  EXPECT_EQ(GetInt(history[0], "version"), 2);
  EXPECT_EQ(GetInt(history[0], "resourceCount"), 3);
  EXPECT_EQ(GetString(history[1], "kind"), "update");
  EXPECT_EQ(GetInt(ParseJson(admin.Get(d.path()).body), "version"), 2);
}

TEST_F(UpdateReplaysTest, DestroyThenRemoveStackWithoutForce) {
  HttpClient admin = AdminClient();
  const std::string stack = NewStack("destroy");
  const std::string path = StackPath("admin", "proj", stack);
  ReplayDriver d(admin, server(), path);
  Up(d, stack, 3);

  HttpResponse refused = admin.Delete(path + "?force=false");
  ExpectJsonError(refused, 400);
  EXPECT_EQ(ErrorMessage(refused), "Bad Request: Stack still contains resources.");

  // pulumi destroy --yes: destroy dryRun=true, then dryRun=false deleting
  // resources one by one (begin/end saves), ending with no resources.
  ReplayUpdate preview = d.Begin("destroy", true);
  ASSERT_EQ(d.Complete(preview).status, 204);
  ReplayUpdate destroy = d.Begin("destroy", false);
  EXPECT_EQ(destroy.version, 2);
  int64_t seq = 0;
  for (int left = 2; left >= 0; --left) {
    ASSERT_EQ(d.Verbatim(destroy, ReplayDeployment("admin", "proj", stack, left), ++seq).status,
              204);
  }
  const std::string empty = ReplayDeployment("admin", "proj", stack, 0);
  ASSERT_EQ(d.Verbatim(destroy, empty, ++seq).status, 204);
  ASSERT_EQ(d.Complete(destroy).status, 204);

  EXPECT_EQ(d.Export().body, empty);
  const json::array history = d.History();
  ASSERT_EQ(history.size(), 2u);
  EXPECT_EQ(GetString(history[0], "kind"), "destroy");
  EXPECT_EQ(GetInt(history[0], "resourceCount"), 0);
  json::value got = ParseJson(admin.Get(path).body);
  EXPECT_EQ(GetInt(got, "version"), 2);

  // pulumi stack rm --yes (no --force).
  HttpResponse removed = admin.Delete(path + "?force=false");
  EXPECT_TRUE(removed.status >= 200 && removed.status < 300) << removed;
  ExpectJsonError(admin.Get(path), 404);
}

TEST_F(UpdateReplaysTest, PulumiCancel) {
  HttpClient admin = AdminClient();
  const std::string stack = NewStack("cancel");
  const std::string path = StackPath("admin", "proj", stack);
  ReplayDriver d(admin, server(), path);
  ReplayUpdate update = d.Begin("update", false);
  const std::string partial = ReplayDeployment("admin", "proj", stack, 1);
  ASSERT_EQ(d.Verbatim(update, partial, 1).status, 204);

  // pulumi cancel: GET stack twice, then POST …/update/<activeUpdate>/cancel.
  std::string active;
  for (int i = 0; i < 2; ++i) {
    HttpResponse got = admin.Get(path);
    ASSERT_EQ(got.status, 200) << got;
    active = GetString(ParseJson(got.body), "activeUpdate");
  }
  ASSERT_EQ(active, update.id);
  const std::string cancel = path + "/update/" + active + "/cancel";
  HttpResponse cancelled = admin.Post(cancel, "");
  EXPECT_EQ(cancelled.status, 204) << cancelled;
  EXPECT_EQ(admin.Post(cancel, "").status, 204);  // retried

  // The still-running CLI loses its lease.
  ExpectJsonErrorIn(d.Verbatim(update, ReplayDeployment("admin", "proj", stack, 2), 2),
                    {403, 409});
  ExpectJsonErrorIn(d.Lease("POST", update, "renew_lease", R"({"token":"","duration":300})"),
                    {403, 409});
  ExpectJsonErrorIn(d.Complete(update, "failed"), {403, 409});

  json::value got = ParseJson(admin.Get(path).body);
  EXPECT_EQ(FindObject(got, "currentOperation"), nullptr) << got;
  EXPECT_EQ(d.Export().body, partial);  // partial progress survives
  const json::array history = d.History();
  ASSERT_EQ(history.size(), 1u);
  EXPECT_EQ(GetString(history[0], "result"), "failed");

  // Nothing running: a second `pulumi cancel` finds no active update to
  // cancel (the CLI would POST the old id: idempotent), and the stack is
  // free for the next update.
  ReplayUpdate next = d.Begin("update", false);
  EXPECT_EQ(next.version, 2);
  EXPECT_EQ(d.Export().body, partial);
  ASSERT_EQ(d.Complete(next).status, 204);
  ExpectJsonError(admin.Post(path + "/update/" + next.id + "/cancel", ""), 409);
}

TEST_F(UpdateReplaysTest, RenameStackWithCheckpoints) {
  HttpClient admin = AdminClient();
  const std::string stack = NewStack("rename");
  const std::string old_path = StackPath("admin", "proj", stack);
  ReplayDriver d(admin, server(), old_path);
  Up(d, stack, 3);

  // pulumi stack rename <new>: the CLI always fills both fields.
  const std::string new_name = UniqueName("renamed");
  const std::string new_project = "proj2";
  HttpResponse renamed = admin.Post(
      old_path + "/rename", R"({"newName":")" + new_name + R"(","newProject":")" + new_project +
                                R"("})");
  ASSERT_EQ(renamed.status, 200) << renamed;
  ExpectJsonError(admin.Get(old_path), 404);
  const std::string new_path = StackPath("admin", new_project, new_name);
  d.set_path(new_path);

  HttpResponse exported = d.Export();
  ASSERT_EQ(exported.status, 200) << exported;
  const std::string old_prefix = "urn:pulumi:" + stack + "::proj::";
  const std::string new_prefix = "urn:pulumi:" + new_name + "::" + new_project + "::";
  EXPECT_EQ(exported.body.find(old_prefix), std::string::npos) << exported.body;
  // Every URN field (urn, parent, provider reference, dependencies) moved.
  json::value state = ParseJson(exported.body);
  const json::array& resources = state.at("deployment").at("resources").as_array();
  ASSERT_EQ(resources.size(), 3u);
  for (const json::value& r : resources) {
    EXPECT_EQ(GetString(r, "urn").rfind(new_prefix, 0), 0u) << r;
    EXPECT_EQ(GetString(r, "parent").rfind(new_prefix, 0), 0u) << r;
    EXPECT_EQ(GetString(r, "provider").rfind(new_prefix, 0), 0u) << r;
  }
  EXPECT_EQ(std::string(resources[2].at("dependencies").at(0).as_string()).rfind(new_prefix, 0),
            0u);
  // The service secrets provider names the new stack.
  const json::object* secrets = FindObject(state.at("deployment"), "secrets_providers");
  ASSERT_NE(secrets, nullptr);
  EXPECT_EQ(GetString(secrets->at("state"), "stack"), new_name) << *secrets;
  EXPECT_EQ(GetString(secrets->at("state"), "project"), new_project) << *secrets;

  // History moved with the stack; the rename is its next version.
  json::value got = ParseJson(admin.Get(new_path).body);
  EXPECT_EQ(GetInt(got, "version"), 2);
  json::array moved = d.History();
  ASSERT_EQ(moved.size(), 2u);
  EXPECT_EQ(GetString(moved[0], "kind"), "rename");
  EXPECT_EQ(GetString(moved[1], "kind"), "update");

  // The next update continues on the new name from the rewritten state.
  ReplayUpdate update = d.Begin("update", false);
  EXPECT_EQ(update.version, 3);
  const std::string next = ReplayDeployment("admin", new_project, new_name, 4);
  ASSERT_EQ(d.Verbatim(update, next, 1).status, 204);
  ASSERT_EQ(d.Complete(update).status, 204);
  EXPECT_EQ(d.Export().body, next);
  const json::array history = d.History();
  ASSERT_EQ(history.size(), 3u);
  EXPECT_EQ(GetInt(history[0], "version"), 3);
  EXPECT_EQ(GetInt(history[0], "resourceCount"), 4);
}

}  // namespace
}  // namespace statehouse::testing
