// Secrets over HTTP: encrypt/decrypt, batches (gzip bodies), stack binding,
// rename/transfer, restarts with the same and a different master key, access.

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "test/integration/harness.h"

namespace statehouse::testing {
namespace {

namespace json = boost::json;

constexpr char kStandardBase64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=";

bool LooksLikeStandardBase64(const std::string& text) {
  return !text.empty() && text.size() % 4 == 0 &&
         text.find_first_not_of(kStandardBase64) == std::string::npos;
}

// Encrypts `plaintext_b64` on the stack at `path`; "" (after a test failure)
// when the call does not succeed.
std::string Encrypt(HttpClient& client, const std::string& path, const std::string& plaintext_b64) {
  HttpResponse r = client.Post(path + "/encrypt", Json({{"plaintext", plaintext_b64}}));
  EXPECT_EQ(r.status, 200) << r;
  std::string ciphertext = GetString(ParseJson(r.body), "ciphertext");
  EXPECT_TRUE(LooksLikeStandardBase64(ciphertext)) << r;
  return ciphertext;
}

HttpResponse Decrypt(HttpClient& client, const std::string& path, const std::string& ciphertext) {
  return client.Post(path + "/decrypt", Json({{"ciphertext", ciphertext}}));
}

void ExpectDecryptsTo(HttpClient& client, const std::string& path, const std::string& ciphertext,
                      const std::string& plaintext_b64,
                      std::source_location where = std::source_location::current()) {
  SCOPED_TRACE(::testing::Message() << "from line " << where.line());
  HttpResponse r = Decrypt(client, path, ciphertext);
  ASSERT_EQ(r.status, 200) << r;
  EXPECT_EQ(GetString(ParseJson(r.body), "plaintext"), plaintext_b64) << r;
}

class SecretsTest : public IntegrationTest {
 protected:
  // A fresh stack in the admin's org; returns its path.
  std::string NewStack(HttpClient& admin, const std::string& project, const std::string& stack) {
    HttpResponse created = CreateStack(admin, "admin", project, stack);
    EXPECT_EQ(created.status, 200) << created;
    return StackPath("admin", project, stack);
  }
};

TEST_F(SecretsTest, CapabilitiesAdvertiseBatchEncrypt) {
  HttpClient admin = AdminClient();
  HttpResponse r = admin.Get("/api/capabilities");
  ASSERT_EQ(r.status, 200) << r;
  EXPECT_NE(r.body.find(R"({"capability":"batch-encrypt"})"), std::string::npos) << r;
}

TEST_F(SecretsTest, EncryptDecryptRoundTrip) {
  HttpClient admin = AdminClient();
  std::string project = UniqueName("sec");
  std::string path = NewStack(admin, project, "dev");
  std::string ciphertext = Encrypt(admin, path, "czNjcjN0");  // "s3cr3t"
  ExpectDecryptsTo(admin, path, ciphertext, "czNjcjN0");
  // A second encryption of the same value differs, and both decrypt.
  std::string again = Encrypt(admin, path, "czNjcjN0");
  EXPECT_NE(again, ciphertext);
  ExpectDecryptsTo(admin, path, again, "czNjcjN0");
  // The empty value is a valid secret.
  ExpectDecryptsTo(admin, path, Encrypt(admin, path, ""), "");
  // Names match case-insensitively, as for every stack route.
  ExpectDecryptsTo(admin, StackPath("ADMIN", project, "DEV"), ciphertext, "czNjcjN0");
}

TEST_F(SecretsTest, BatchEncryptKeepsOrderAndBatchDecryptReturnsAMap) {
  HttpClient admin = AdminClient();
  std::string path = NewStack(admin, UniqueName("sec"), "dev");
  admin.set_gzip_body(true);
  const std::vector<std::string> plaintexts = {"b25l", "dHdv", "", "dGhyZWU=", "b25l"};
  json::array request;
  for (const auto& p : plaintexts) request.emplace_back(p);
  HttpResponse encrypted = admin.Post(path + "/batch-encrypt", Json({{"plaintexts", request}}));
  ASSERT_EQ(encrypted.status, 200) << encrypted;
  json::value body = ParseJson(encrypted.body);
  ASSERT_TRUE(body.is_object() && body.as_object().contains("ciphertexts")) << encrypted;
  const json::value& ciphertexts = body.as_object().at("ciphertexts");
  ASSERT_TRUE(ciphertexts.is_array()) << encrypted;
  ASSERT_EQ(ciphertexts.as_array().size(), plaintexts.size()) << encrypted;

  json::array to_decrypt;
  std::vector<std::string> ciphers;
  for (const json::value& c : ciphertexts.as_array()) {
    ASSERT_TRUE(c.is_string());
    ciphers.emplace_back(c.as_string());
    EXPECT_TRUE(LooksLikeStandardBase64(ciphers.back())) << c;
    to_decrypt.push_back(c);
  }
  EXPECT_NE(ciphers[0], ciphers[4]);
  to_decrypt.push_back(to_decrypt[1]);  // a duplicate request entry is fine
  HttpResponse decrypted = admin.Post(path + "/batch-decrypt", Json({{"ciphertexts", to_decrypt}}));
  ASSERT_EQ(decrypted.status, 200) << decrypted;
  const json::value decrypted_body = ParseJson(decrypted.body);
  const json::object* map = FindObject(decrypted_body, "plaintexts");
  ASSERT_NE(map, nullptr) << decrypted;
  EXPECT_EQ(map->size(), plaintexts.size()) << decrypted;
  for (size_t i = 0; i < plaintexts.size(); ++i) {
    const json::value* value = map->if_contains(ciphers[i]);
    ASSERT_NE(value, nullptr) << "missing " << ciphers[i] << " in " << decrypted;
    ASSERT_TRUE(value->is_string());
    EXPECT_EQ(value->as_string(), plaintexts[i]) << "entry " << i;
  }

  // Batch output is interchangeable with the single calls.
  admin.set_gzip_body(false);
  ExpectDecryptsTo(admin, path, ciphers[3], "dGhyZWU=");
  std::string single = Encrypt(admin, path, "Zm91cg==");
  admin.set_gzip_body(true);
  HttpResponse one = admin.Post(path + "/batch-decrypt", Json({{"ciphertexts", {single}}}));
  ASSERT_EQ(one.status, 200) << one;
  EXPECT_EQ(GetString(json::value(*FindObject(ParseJson(one.body), "plaintexts")), single),
            "Zm91cg==");

  // Empty batches are answered with empty results.
  HttpResponse none = admin.Post(path + "/batch-decrypt", R"({"ciphertexts":[]})");
  ASSERT_EQ(none.status, 200) << none;
  EXPECT_EQ(none.body, R"({"plaintexts":{}})");
  none = admin.Post(path + "/batch-encrypt", R"({"plaintexts":[]})");
  ASSERT_EQ(none.status, 200) << none;
  EXPECT_EQ(none.body, R"({"ciphertexts":[]})");
}

TEST_F(SecretsTest, AnotherStacksCiphertextIs400) {
  HttpClient admin = AdminClient();
  std::string project = UniqueName("sec");
  std::string dev = NewStack(admin, project, "dev");
  std::string prod = NewStack(admin, project, "prod");
  std::string dev_secret = Encrypt(admin, dev, "ZGV2");
  // Before prod has a key of its own, and after.
  ExpectJsonError(Decrypt(admin, prod, dev_secret), 400);
  Encrypt(admin, prod, "cHJvZA==");
  ExpectJsonError(Decrypt(admin, prod, dev_secret), 400);
  admin.set_gzip_body(true);
  HttpResponse batch = admin.Post(prod + "/batch-decrypt", Json({{"ciphertexts", {dev_secret}}}));
  ExpectJsonError(batch, 400);
  EXPECT_NE(ErrorMessage(batch).find("ciphertexts[0]"), std::string::npos) << batch;
  ExpectDecryptsTo(admin, dev, dev_secret, "ZGV2");
}

TEST_F(SecretsTest, MalformedBodiesAre400NamingTheField) {
  HttpClient admin = AdminClient();
  std::string path = NewStack(admin, UniqueName("sec"), "dev");
  std::string good = Encrypt(admin, path, "dg==");
  struct Case {
    std::string route, body, field;
  };
  const std::vector<Case> cases = {
      {"/encrypt", "{}", "plaintext"},
      {"/encrypt", R"({"plaintext":null})", "plaintext"},
      {"/encrypt", R"({"plaintext":42})", "plaintext"},
      {"/encrypt", R"({"plaintext":"not base64!"})", "plaintext"},
      {"/encrypt", R"({"plaintext":"Zg"})", "plaintext"},
      {"/encrypt", R"({"plaintext":"Zm-_"})", "plaintext"},
      {"/decrypt", "{}", "ciphertext"},
      {"/decrypt", R"({"ciphertext":""})", "ciphertext"},
      {"/decrypt", R"({"ciphertext":"%%%%"})", "ciphertext"},
      {"/decrypt", R"({"ciphertext":"AAAA"})", "ciphertext"},
      {"/decrypt", Json({{"ciphertext", good.substr(0, good.size() - 4) + "AAA="}}), "ciphertext"},
      {"/batch-encrypt", "{}", "plaintexts"},
      {"/batch-encrypt", R"({"plaintexts":"Zg=="})", "plaintexts"},
      {"/batch-encrypt", R"({"plaintexts":["Zg==", 1]})", "plaintexts[1]"},
      {"/batch-encrypt", R"({"plaintexts":["Zg==", "Zg="]})", "plaintexts[1]"},
      {"/batch-decrypt", R"({"ciphertexts":null})", "ciphertexts"},
      {"/batch-decrypt", Json({{"ciphertexts", {good, ""}}}), "ciphertexts[1]"},
      {"/batch-decrypt", Json({{"ciphertexts", {good, "AAAA"}}}), "ciphertexts[1]"},
      {"/batch-decrypt", Json({{"ciphertexts", {good, "A A="}}}), "ciphertexts[1]"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.route + " " + c.body);
    HttpResponse r = admin.Post(path + c.route, c.body);
    ExpectJsonError(r, 400);
    EXPECT_NE(ErrorMessage(r).find("'" + c.field + "'"), std::string::npos) << r;
  }
  ExpectJsonError(admin.Post(path + "/encrypt", "not json"), 400);
  ExpectJsonError(admin.Post(path + "/batch-decrypt", "[]"), 400);
}

TEST_F(SecretsTest, OversizeValuesAreRefused) {
  HttpClient admin = AdminClient();
  std::string path = NewStack(admin, UniqueName("sec"), "dev");
  admin.set_gzip_body(true);
  // 4 MiB + 3 bytes of zeros: a body above the single-value route's limit.
  std::string big(((4u << 20) + 3) / 3 * 4, 'A');
  HttpResponse single = admin.Post(path + "/encrypt", Json({{"plaintext", big}}));
  ExpectJsonErrorIn(single, {400, 413});
  // The batch routes take large bodies, but not oversize values.
  HttpResponse batch = admin.Post(path + "/batch-encrypt", Json({{"plaintexts", {"Zg==", big}}}));
  ExpectJsonError(batch, 400);
  EXPECT_NE(ErrorMessage(batch).find("'plaintexts[1]'"), std::string::npos) << batch;
}

TEST_F(SecretsTest, BatchRoutesAcceptStateSizedBodies) {
  HttpClient admin = AdminClient();
  std::string path = NewStack(admin, UniqueName("sec"), "dev");
  admin.set_gzip_body(true);
  // 1000 values of 8 KiB each: ~11 MB of JSON, above the 4 MiB default limit.
  std::string value(8192 / 3 * 4, 'Q');
  json::array plaintexts;
  for (int i = 0; i < 1000; ++i) plaintexts.emplace_back(value);
  HttpResponse encrypted = admin.Post(path + "/batch-encrypt", Json({{"plaintexts", plaintexts}}));
  ASSERT_EQ(encrypted.status, 200) << encrypted.status << " " << encrypted.body.substr(0, 200);
  const json::value body = ParseJson(encrypted.body);
  const json::value& ciphertexts = body.as_object().at("ciphertexts");
  ASSERT_EQ(ciphertexts.as_array().size(), 1000u);
  HttpResponse decrypted =
      admin.Post(path + "/batch-decrypt", Json({{"ciphertexts", ciphertexts}}));
  ASSERT_EQ(decrypted.status, 200) << decrypted.status << " " << decrypted.body.substr(0, 200);
  const json::value decrypted_body = ParseJson(decrypted.body);
  const json::object* map = FindObject(decrypted_body, "plaintexts");
  ASSERT_NE(map, nullptr);
  EXPECT_EQ(map->size(), 1000u);
}

TEST_F(SecretsTest, UnknownStackIs404) {
  HttpClient admin = AdminClient();
  std::string path = StackPath("admin", UniqueName("nosuch"), "dev");
  ExpectJsonError(admin.Post(path + "/encrypt", R"({"plaintext":"Zg=="})"), 404);
  ExpectJsonError(admin.Post(path + "/decrypt", R"({"ciphertext":"Zg=="})"), 404);
  admin.set_gzip_body(true);
  ExpectJsonError(admin.Post(path + "/batch-decrypt", R"({"ciphertexts":["Zg=="]})"), 404);
}

TEST_F(SecretsTest, RenamedAndTransferredStacksStillDecrypt) {
  HttpClient admin = AdminClient();
  std::string project = UniqueName("sec");
  std::string path = NewStack(admin, project, "dev");
  std::string secret = Encrypt(admin, path, "a2VlcA==");

  HttpResponse renamed =
      admin.Post(path + "/rename", Json({{"newName", "renamed"}, {"newProject", project + "-b"}}));
  ASSERT_GE(renamed.status, 200) << renamed;
  ASSERT_LT(renamed.status, 300) << renamed;
  std::string renamed_path = StackPath("admin", project + "-b", "renamed");
  ExpectDecryptsTo(admin, renamed_path, secret, "a2VlcA==");
  ExpectJsonError(Decrypt(admin, path, secret), 404);

  std::string org = UniqueName("secorg");
  CreateOrg(admin, org, "admin");
  HttpResponse moved = admin.Post(renamed_path + "/transfer", Json({{"toOrg", org}}));
  ASSERT_GE(moved.status, 200) << moved;
  ASSERT_LT(moved.status, 300) << moved;
  std::string moved_path = StackPath(org, project + "-b", "renamed");
  ExpectDecryptsTo(admin, moved_path, secret, "a2VlcA==");
  admin.set_gzip_body(true);
  HttpResponse batch = admin.Post(moved_path + "/batch-decrypt", Json({{"ciphertexts", {secret}}}));
  ASSERT_EQ(batch.status, 200) << batch;
}

TEST_F(SecretsTest, DeletedAndRecreatedStackGetsANewKey) {
  HttpClient admin = AdminClient();
  std::string project = UniqueName("sec");
  std::string path = NewStack(admin, project, "dev");
  std::string secret = Encrypt(admin, path, "b2xk");
  ASSERT_EQ(admin.Delete(path).status, 204);
  NewStack(admin, project, "dev");
  ExpectJsonError(Decrypt(admin, path, secret), 400);
}

TEST_F(SecretsTest, AccessFollowsStackReadPermission) {
  HttpClient admin = AdminClient();
  std::string owner_login = UniqueName("secowner");
  std::string member_login = UniqueName("secmember");
  std::string outsider_login = UniqueName("secoutsider");
  HttpClient owner = Client(CreateUser(admin, owner_login));
  HttpClient member = Client(CreateUser(admin, member_login));
  HttpClient outsider = Client(CreateUser(admin, outsider_login));
  std::string org = UniqueName("secacme");
  CreateOrg(admin, org, owner_login);
  AddMember(owner, org, member_login);
  std::string project = UniqueName("sec");
  ASSERT_EQ(CreateStack(owner, org, project, "dev").status, 200);
  std::string path = StackPath(org, project, "dev");
  std::string secret = Encrypt(owner, path, "b3duZXI=");

  auto expect_all = [&](HttpClient& client, long status) {
    EXPECT_EQ(client.Post(path + "/encrypt", R"({"plaintext":"Zg=="})").status, status);
    EXPECT_EQ(Decrypt(client, path, secret).status, status);
    EXPECT_EQ(client.Post(path + "/batch-encrypt", R"({"plaintexts":["Zg=="]})").status, status);
    EXPECT_EQ(client.Post(path + "/batch-decrypt", Json({{"ciphertexts", {secret}}})).status,
              status);
  };
  {
    SCOPED_TRACE("outsider");
    expect_all(outsider, 404);
    ExpectJsonError(outsider.Post(path + "/decrypt/log-decryption", "{}"), 404);
  }
  {
    SCOPED_TRACE("member without stack access");
    expect_all(member, 404);
  }
  ASSERT_EQ(owner.Patch("/api/orgs/" + org, R"({"setDefaultStackPermission":101})").status, 200);
  {
    SCOPED_TRACE("member with read");
    expect_all(member, 200);
    ExpectDecryptsTo(member, path, secret, "b3duZXI=");
    ExpectDecryptsTo(owner, path, Encrypt(member, path, "bWVtYmVy"), "bWVtYmVy");
  }
  ExpectJsonError(Client().Post(path + "/encrypt", R"({"plaintext":"Zg=="})"), 401);
}

TEST_F(SecretsTest, DecryptionLogPingsAreAccepted) {
  HttpClient admin = AdminClient();
  std::string path = NewStack(admin, UniqueName("sec"), "dev");
  for (const std::string& body :
       {std::string(R"({"secretName":"proj:dbPassword"})"), std::string("{}"), std::string()}) {
    HttpResponse r = admin.Post(path + "/decrypt/log-decryption", body);
    EXPECT_GE(r.status, 200) << r;
    EXPECT_LT(r.status, 300) << r;
  }
  HttpResponse r = admin.Post(path + "/decrypt/log-batch-decryption", R"({"commandName":"up"})");
  EXPECT_GE(r.status, 200) << r;
  EXPECT_LT(r.status, 300) << r;
}

// Each of these runs its own server.

TEST(SecretsRestartTest, RestartWithTheSameMasterKeyFileKeepsSecretsReadable) {
  ServerProcess server;
  ASSERT_TRUE(server.Start());
  HttpClient admin(server, server.bootstrap_token());
  ASSERT_EQ(CreateStack(admin, "admin", "proj", "dev").status, 200);
  std::string path = StackPath("admin", "proj", "dev");
  std::string secret = Encrypt(admin, path, "cGVyc2lzdA==");

  ASSERT_TRUE(server.Restart());
  admin.set_base_url(server.base_url());
  ExpectDecryptsTo(admin, path, secret, "cGVyc2lzdA==");
  ExpectDecryptsTo(admin, path, Encrypt(admin, path, "bmV3"), "bmV3");
}

TEST(SecretsRestartTest, ADifferentMasterKeyCannotDecryptButDoesNotBreakTheServer) {
  ServerProcess server;
  const std::string key_a(64, 'a');
  const std::string key_b = std::string(63, 'a') + "b";
  server.config().env = {{"STATEHOUSE_MASTER_KEY", key_a}};
  ASSERT_TRUE(server.Start());
  HttpClient admin(server, server.bootstrap_token());
  ASSERT_EQ(CreateStack(admin, "admin", "proj", "dev").status, 200);
  std::string path = StackPath("admin", "proj", "dev");
  std::string secret = Encrypt(admin, path, "a2V5LWE=");

  server.config().env = {{"STATEHOUSE_MASTER_KEY", key_b}};
  ASSERT_TRUE(server.Restart());
  admin.set_base_url(server.base_url());
  HttpResponse refused = Decrypt(admin, path, secret);
  ExpectJsonError(refused, 412);
  EXPECT_NE(ErrorMessage(refused).find("master key"), std::string::npos) << refused;
  ExpectJsonError(admin.Post(path + "/encrypt", R"({"plaintext":"Zg=="})"), 412);
  admin.set_gzip_body(true);
  ExpectJsonError(admin.Post(path + "/batch-decrypt", Json({{"ciphertexts", {secret}}})), 412);
  admin.set_gzip_body(false);
  // Stacks first used under the new key work; the server stays up.
  ASSERT_EQ(CreateStack(admin, "admin", "proj", "fresh").status, 200);
  std::string fresh = StackPath("admin", "proj", "fresh");
  ExpectDecryptsTo(admin, fresh, Encrypt(admin, fresh, "Yg=="), "Yg==");
  EXPECT_EQ(admin.Get("/healthz").status, 200);
  EXPECT_TRUE(server.running());

  // Back on the original key everything decrypts again.
  server.config().env = {{"STATEHOUSE_MASTER_KEY", key_a}};
  ASSERT_TRUE(server.Restart());
  admin.set_base_url(server.base_url());
  ExpectDecryptsTo(admin, path, secret, "a2V5LWE=");
}

}  // namespace
}  // namespace statehouse::testing
