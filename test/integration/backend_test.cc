// The storage backend under the real binary: each server runs on the backend
// selected for the run (STATEHOUSE_TEST_BACKEND) with a database of its own;
// and, on PostgreSQL, several replicas share one database (PostgresReplica*
// suites run in the postgres set only, see CMakeLists.txt).

#include <gtest/gtest.h>

#include <string>

#include "test/integration/harness.h"
#include "test/integration/update_driver.h"

namespace statehouse::testing {
namespace {

namespace json = boost::json;

int CountOccurrences(const std::string& text, const std::string& needle) {
  int count = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) {
    ++count;
  }
  return count;
}

TEST(BackendTest, ServerRunsOnTheBackendUnderTest) {
  ServerProcess server;
  ASSERT_TRUE(server.Start());
  EXPECT_NE(server.Log().find(", " + BackendName() + " store)"), std::string::npos)
      << "expected the " << BackendName() << " store; log:\n"
      << server.Log();
  EXPECT_EQ(server.database_url().empty(), !BackendIsPostgres()) << server.database_url();
  HttpClient admin(server, server.bootstrap_token());
  EXPECT_EQ(admin.Get("/api/user").status, 200);
}

TEST(BackendTest, EachServerHasADatabaseOfItsOwn) {
  ServerProcess first;
  ServerProcess second;
  ASSERT_TRUE(first.Start());
  ASSERT_TRUE(second.Start());
  HttpClient admin_first(first, first.bootstrap_token());
  HttpClient admin_second(second, second.bootstrap_token());
  CreateUser(admin_first, "alice");
  ASSERT_EQ(CreateStack(admin_first, "admin", "proj", "dev").status, 200);
  ExpectJsonError(admin_second.Get(StackPath("admin", "proj", "dev")), 404);
  CreateUser(admin_second, "alice");  // 201: the login is free there
  ExpectJsonError(HttpClient(second, first.bootstrap_token()).Get("/api/user"), 401);
}

// ------------------------------------------------ replicas on one database

// Two servers on one fresh PostgreSQL database, started one after the other.
class PostgresReplicaTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(database_.ok()) << database_.error();
    ASSERT_TRUE(a_.Start());
    ASSERT_TRUE(b_.Start());
  }

  HttpClient AdminOn(const ServerProcess& server) const {
    return HttpClient(server, database_.bootstrap_token());
  }

  SharedDatabase database_;  // first: dropped after the servers stopped
  ServerProcess a_{database_.ReplicaConfig()};
  ServerProcess b_{database_.ReplicaConfig()};
};

TEST_F(PostgresReplicaTest, BothReplicasServeTheOneBootstrapAdmin) {
  EXPECT_EQ(CountOccurrences(a_.Log() + b_.Log(), "created site admin"), 1)
      << a_.Log() << "\n---\n" << b_.Log();
  for (const ServerProcess* server : {&a_, &b_}) {
    HttpClient admin = AdminOn(*server);
    HttpResponse me = admin.Get("/api/user");
    ASSERT_EQ(me.status, 200) << me;
    EXPECT_EQ(GetString(ParseJson(me.body), "githubLogin"), "admin");
  }
}

TEST_F(PostgresReplicaTest, WritesOnOneReplicaAreReadOnTheOther) {
  HttpClient admin_a = AdminOn(a_);
  HttpClient admin_b = AdminOn(b_);
  const std::string alice_token = CreateUser(admin_a, "alice");
  CreateOrg(admin_b, "acme", "alice");
  HttpClient alice_a(a_, alice_token);
  HttpClient alice_b(b_, alice_token);
  ASSERT_EQ(CreateStack(alice_b, "acme", "proj", "dev").status, 200);
  const std::string path = StackPath("acme", "proj", "dev");
  ASSERT_EQ(alice_a.Post(path + "/tags", R"({"name":"owner","value":"alice"})").status, 204);

  HttpResponse stack = alice_b.Get(path);
  ASSERT_EQ(stack.status, 200) << stack;
  const json::value body = ParseJson(stack.body);
  const json::object* tags = FindObject(body, "tags");
  ASSERT_NE(tags, nullptr) << stack;
  EXPECT_EQ(GetString(json::value(*tags), "owner"), "alice");

  // A conflicting create on the other replica sees the first one.
  ExpectJsonError(CreateStack(alice_a, "acme", "proj", "dev"), 409);
  ASSERT_EQ(alice_a.Delete(path).status, 204);
  ExpectJsonError(alice_b.Get(path), 404);
}

TEST_F(PostgresReplicaTest, RevocationsOnOneReplicaHoldOnTheOther) {
  HttpClient admin_a = AdminOn(a_);
  const std::string alice_token = CreateUser(admin_a, "alice");
  const std::string bob_token = CreateUser(admin_a, "bob");
  CreateOrg(admin_a, "acme", "alice");
  HttpClient alice_a(a_, alice_token);
  AddMember(alice_a, "acme", "bob");

  // Bob lists the members on b, then loses his membership on a.
  HttpClient bob_b(b_, bob_token);
  ASSERT_EQ(bob_b.Get("/api/orgs/acme/members").status, 200);
  ASSERT_EQ(alice_a.Delete("/api/orgs/acme/members/bob").status, 204);
  ExpectJsonError(bob_b.Get("/api/orgs/acme/members"), 404);

  // A token used on b, then deleted on a, stops working on b.
  HttpResponse minted = alice_a.Post("/api/user/tokens", R"({"description":"ci","expires":0})");
  ASSERT_EQ(minted.status, 200) << minted;
  const json::value token = ParseJson(minted.body);
  HttpClient ci_b(b_, GetString(token, "tokenValue"));
  ASSERT_EQ(ci_b.Get("/api/user").status, 200);
  ASSERT_EQ(alice_a.Delete("/api/user/tokens/" + GetString(token, "id")).status, 204);
  ExpectJsonError(ci_b.Get("/api/user"), 401);
}

TEST_F(PostgresReplicaTest, SecretsEncryptedOnOneReplicaDecryptOnTheOther) {
  HttpClient admin_a = AdminOn(a_);
  HttpClient admin_b = AdminOn(b_);
  ASSERT_EQ(CreateStack(admin_a, "admin", "proj", "dev").status, 200);
  const std::string path = StackPath("admin", "proj", "dev");
  HttpResponse encrypted = admin_a.Post(path + "/encrypt", R"({"plaintext":"cmVwbGljYQ=="})");
  ASSERT_EQ(encrypted.status, 200) << encrypted;
  const std::string ciphertext = GetString(ParseJson(encrypted.body), "ciphertext");
  HttpResponse decrypted = admin_b.Post(path + "/decrypt", Json({{"ciphertext", ciphertext}}));
  ASSERT_EQ(decrypted.status, 200) << decrypted;
  EXPECT_EQ(GetString(ParseJson(decrypted.body), "plaintext"), "cmVwbGljYQ==");
}

TEST_F(PostgresReplicaTest, AnUpdateMovesBetweenReplicas) {
  HttpClient admin_a = AdminOn(a_);
  HttpClient admin_b = AdminOn(b_);
  ASSERT_EQ(CreateStack(admin_a, "admin", "proj", "dev").status, 200);
  const std::string path = StackPath("admin", "proj", "dev");
  // Created and started on a; checkpoints and completion through b.
  ReplayDriver driver(admin_a, b_, path);
  ReplayUpdate update = driver.Begin("update", false);
  ASSERT_FALSE(update.token.empty());

  // The stack is busy for the other replica too.
  HttpResponse second = admin_b.Post(path + "/update", ReplayCreateBody(false));
  ASSERT_EQ(second.status, 200) << second;
  ExpectJsonError(admin_b.Post(path + "/update/" + GetString(ParseJson(second.body), "updateID"),
                               R"({"journalVersion":1})"),
                  409);

  const std::string text = ReplayDeployment("admin", "proj", "dev", 2);
  ASSERT_EQ(driver.Verbatim(update, ReplayDeployment("admin", "proj", "dev", 1), 1).status, 204);
  ASSERT_EQ(driver.Verbatim(update, text, 2).status, 204);
  ASSERT_EQ(driver.Complete(update).status, 204);

  EXPECT_EQ(admin_b.Get(path + "/export").body, text);
  const json::array history = driver.History();
  ASSERT_EQ(history.size(), 1u);
  EXPECT_EQ(GetString(history[0], "result"), "succeeded");
  EXPECT_EQ(GetInt(history[0], "resourceCount"), 2);
}

// Two servers started at the same moment on an empty (unmigrated) database:
// both migrate-or-wait, both come up, one creates the bootstrap admin.
TEST(PostgresReplicaStartTest, ReplicasStartTogetherOnAnEmptyDatabase) {
  SharedDatabase database(TestDatabaseSchema::kEmpty);
  ASSERT_TRUE(database.ok()) << database.error();
  ServerProcess a(database.ReplicaConfig());
  ServerProcess b(database.ReplicaConfig());
  ASSERT_TRUE(ServerProcess::StartTogether({&a, &b}));
  EXPECT_EQ(CountOccurrences(a.Log() + b.Log(), "created site admin"), 1)
      << a.Log() << "\n---\n" << b.Log();
  for (const ServerProcess* server : {&a, &b}) {
    HttpClient admin(*server, database.bootstrap_token());
    EXPECT_EQ(admin.Get("/api/user").status, 200) << server->Log();
  }
  HttpClient admin_a(a, database.bootstrap_token());
  ASSERT_EQ(CreateStack(admin_a, "admin", "proj", "dev").status, 200);
  HttpClient admin_b(b, database.bootstrap_token());
  EXPECT_EQ(admin_b.Get(StackPath("admin", "proj", "dev")).status, 200);
}

}  // namespace
}  // namespace statehouse::testing
