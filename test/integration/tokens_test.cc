#include <gtest/gtest.h>

#include <chrono>
#include <ctime>
#include <string>
#include <thread>

#include "test/integration/harness.h"

namespace statehouse::testing {
namespace {

namespace json = boost::json;

int64_t Now() { return static_cast<int64_t>(std::time(nullptr)); }

struct NewToken {
  std::string id;
  std::string value;
};

NewToken CreateToken(HttpClient& client, std::string_view description, int64_t expires) {
  HttpResponse r =
      client.Post("/api/user/tokens", Json({{"description", description}, {"expires", expires}}));
  EXPECT_EQ(r.status, 200) << r;
  auto body = TryParseJson(r.body);
  if (!body) return {};
  return {GetString(*body, "id"), GetString(*body, "tokenValue")};
}

std::optional<json::object> FindListedToken(HttpClient& client, const std::string& id,
                                            std::string* raw_body = nullptr) {
  HttpResponse r = client.Get("/api/user/tokens");
  EXPECT_EQ(r.status, 200) << r;
  if (raw_body != nullptr) *raw_body = r.body;
  json::value body = ParseJson(r.body);
  const json::value* tokens = body.is_object() ? body.as_object().if_contains("tokens") : nullptr;
  EXPECT_TRUE(tokens != nullptr && tokens->is_array()) << r;
  if (tokens == nullptr || !tokens->is_array()) return std::nullopt;
  for (const json::value& t : tokens->as_array()) {
    if (GetString(t, "id") == id) return t.as_object();
  }
  return std::nullopt;
}

class TokensTest : public IntegrationTest {};

TEST_F(TokensTest, CreatedTokenWorksAndIsListedWithoutItsValue) {
  HttpClient admin = AdminClient();
  NewToken token = CreateToken(admin, "ci", 0);
  ASSERT_FALSE(token.id.empty());
  EXPECT_TRUE(IsTokenValue(token.value)) << token.value;

  std::string list_body;
  auto listed = FindListedToken(admin, token.id, &list_body);
  ASSERT_TRUE(listed.has_value()) << list_body;
  EXPECT_EQ(list_body.find(token.value), std::string::npos) << "token value leaked in list";
  EXPECT_EQ(list_body.find(token.value.substr(4)), std::string::npos) << "token hex leaked";
  EXPECT_FALSE(listed->contains("tokenValue"));
  EXPECT_FALSE(listed->contains("value"));
  EXPECT_FALSE(listed->contains("token"));
  json::value entry(*listed);
  EXPECT_TRUE(listed->contains("name")) << entry;
  EXPECT_EQ(GetString(entry, "description"), "ci") << entry;
  const json::value* created = listed->if_contains("created");
  ASSERT_NE(created, nullptr) << entry;
  EXPECT_TRUE(created->is_string() && !created->as_string().empty()) << entry;
  EXPECT_EQ(GetString(entry, "createdBy"), "admin") << entry;
  EXPECT_EQ(GetInt(entry, "lastUsed"), 0) << entry;
  EXPECT_EQ(GetInt(entry, "expires"), 0) << entry;

  HttpClient ci = Client(token.value);
  HttpResponse user = ci.Get("/api/user");
  ASSERT_EQ(user.status, 200) << user;
  EXPECT_EQ(GetString(ParseJson(user.body), "githubLogin"), "admin");

  std::optional<int64_t> last_used;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  do {
    auto again = FindListedToken(admin, token.id);
    ASSERT_TRUE(again.has_value());
    last_used = GetInt(json::value(*again), "lastUsed");
    if (last_used.value_or(0) > 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  } while (std::chrono::steady_clock::now() < deadline);
  EXPECT_GT(last_used.value_or(0), 0);
  EXPECT_LE(last_used.value_or(0), Now() + 5);
}

TEST_F(TokensTest, DeletedTokenIsRejectedImmediately) {
  HttpClient admin = AdminClient();
  NewToken token = CreateToken(admin, "short-lived", 0);
  HttpClient doomed = Client(token.value);
  ASSERT_EQ(doomed.Get("/api/user").status, 200);

  HttpResponse r = admin.Delete("/api/user/tokens/" + token.id);
  EXPECT_EQ(r.status, 204) << r;
  ExpectJsonError(doomed.Get("/api/user"), 401);
  ExpectJsonError(admin.Delete("/api/user/tokens/" + token.id), 404);
  EXPECT_FALSE(FindListedToken(admin, token.id).has_value());
  EXPECT_EQ(admin.Get("/api/user").status, 200);
}

TEST_F(TokensTest, DeleteUnknownTokenIs404) {
  HttpClient admin = AdminClient();
  ExpectJsonError(admin.Delete("/api/user/tokens/nosuchtoken"), 404);
  ExpectJsonError(admin.Delete("/api/user/tokens/00000000-0000-0000-0000-000000000000"), 404);
}

TEST_F(TokensTest, TokensArePerUser) {
  HttpClient admin = AdminClient();
  std::string login = UniqueName("alice");
  HttpClient alice = Client(CreateUser(admin, login));
  NewToken admins = CreateToken(admin, "admin-only", 0);
  NewToken alices = CreateToken(alice, "alice-only", 0);

  EXPECT_FALSE(FindListedToken(alice, admins.id).has_value());
  EXPECT_FALSE(FindListedToken(admin, alices.id).has_value());
  auto own = FindListedToken(alice, alices.id);
  ASSERT_TRUE(own.has_value());
  EXPECT_EQ(GetString(json::value(*own), "createdBy"), login);

  ExpectJsonError(alice.Delete("/api/user/tokens/" + admins.id), 404);
  EXPECT_EQ(Client(admins.value).Get("/api/user").status, 200);
  HttpResponse me = Client(alices.value).Get("/api/user");
  ASSERT_EQ(me.status, 200) << me;
  EXPECT_EQ(GetString(ParseJson(me.body), "githubLogin"), login);
}

TEST_F(TokensTest, ExpiryMustBeInTheFutureAndWithinTwoYears) {
  HttpClient admin = AdminClient();
  ExpectJsonError(
      admin.Post("/api/user/tokens", Json({{"description", "past"}, {"expires", Now() - 3600}})),
      400);
  ExpectJsonError(admin.Post("/api/user/tokens",
                             Json({{"description", "far"}, {"expires", Now() + 3 * 366 * 86400}})),
                  400);
  ExpectJsonError(
      admin.Post("/api/user/tokens", Json({{"description", "negative"}, {"expires", -5}})), 400);
  NewToken year = CreateToken(admin, "one year", Now() + 365 * 86400);
  EXPECT_TRUE(IsTokenValue(year.value));
  auto listed = FindListedToken(admin, year.id);
  ASSERT_TRUE(listed.has_value());
  EXPECT_GT(GetInt(json::value(*listed), "expires").value_or(0), Now());
}

TEST_F(TokensTest, ExpiredTokenStopsWorking) {
  HttpClient admin = AdminClient();
  NewToken token = CreateToken(admin, "blink", Now() + 2);
  ASSERT_TRUE(IsTokenValue(token.value));
  HttpClient blink = Client(token.value);
  EXPECT_EQ(blink.Get("/api/user").status, 200);
  std::this_thread::sleep_for(std::chrono::milliseconds(3100));
  ExpectJsonError(blink.Get("/api/user"), 401);
  EXPECT_EQ(admin.Get("/api/user").status, 200);
}

TEST_F(TokensTest, TokenValuesNeverReachTheLog) {
  HttpClient admin = AdminClient();
  NewToken token = CreateToken(admin, "secret", 0);
  HttpClient used = Client(token.value);
  ASSERT_EQ(used.Get("/api/user").status, 200);
  ASSERT_EQ(used.Get("/api/user/stacks").status, 200);
  ExpectJsonError(Client(token.value + "0").Get("/api/user"), 401);
  std::string log = server().Log();
  EXPECT_EQ(log.find(token.value.substr(4)), std::string::npos) << log;
  EXPECT_EQ(log.find(AdminToken().substr(4)), std::string::npos) << log;
}

}  // namespace
}  // namespace statehouse::testing
