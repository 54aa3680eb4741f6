// The web console as the server delivers it: pages and assets outside /api/,
// and sessions (sign-in with an access token, cookie, CSRF, sign-out).

#include <chrono>
#include <regex>
#include <string>

#include <gtest/gtest.h>

#include "test/integration/harness.h"

namespace statehouse::testing {
namespace {

int64_t WallSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

class ConsoleTest : public IntegrationTest {
 protected:
  struct Signed {
    std::string cookie;  // "statehouse_session=<value>"
    std::string csrf;
    std::string set_cookie;
  };

  // Signs in with `token`; fails the test unless that answers 201.
  Signed SignIn(const std::string& token) {
    HttpClient anonymous = Client();
    HttpResponse r = anonymous.Post("/api/console/session", Json({{"accessToken", token}}),
                                    {{"Content-Type", "application/json"}});
    EXPECT_EQ(r.status, 201) << r;
    Signed s;
    s.set_cookie = r.Header("set-cookie");
    s.cookie = s.set_cookie.substr(0, s.set_cookie.find(';'));
    auto body = TryParseJson(r.body);
    if (body) s.csrf = GetString(*body, "csrfToken");
    return s;
  }
};

TEST_F(ConsoleTest, PagesAreTheAppAndApiPathsStayJson) {
  HttpClient anonymous = Client();
  std::string index;
  for (const char* path : {"/", "/acme", "/acme/proj/dev", "/acme/proj/dev/updates/3",
                           "/user/settings/tokens", "/cli-login"}) {
    SCOPED_TRACE(path);
    HttpResponse r = anonymous.Get(path);
    ASSERT_EQ(r.status, 200) << r;
    EXPECT_EQ(r.Header("content-type"), "text/html; charset=utf-8");
    EXPECT_EQ(r.Header("cache-control"), "no-cache");
    const std::string csp = r.Header("content-security-policy");
    EXPECT_NE(csp.find("script-src 'self'"), std::string::npos) << csp;
    EXPECT_NE(csp.find("frame-ancestors 'none'"), std::string::npos) << csp;
    EXPECT_EQ(csp.find("unsafe-inline"), std::string::npos) << csp;
    EXPECT_EQ(r.Header("x-content-type-options"), "nosniff");
    EXPECT_NE(r.body.find("<div id=\"app\">"), std::string::npos);
    index = r.body;
  }
  // No inline script: the page loads its one module from /assets/.
  EXPECT_EQ(index.find("<script>"), std::string::npos);
  std::smatch m;
  ASSERT_TRUE(std::regex_search(index, m, std::regex("src=\"(/assets/app-[A-Z0-9]+\\.js)\"")));
  HttpResponse js = anonymous.Get(m[1].str());
  ASSERT_EQ(js.status, 200) << js;
  EXPECT_EQ(js.Header("content-type"), "text/javascript; charset=utf-8");
  EXPECT_EQ(js.Header("cache-control"), "public, max-age=31536000, immutable");
  EXPECT_GT(js.body.size(), 1000u);
  ASSERT_TRUE(std::regex_search(index, m, std::regex("href=\"(/assets/style-[A-Z0-9]+\\.css)\"")));
  EXPECT_EQ(anonymous.Get(m[1].str()).Header("content-type"), "text/css; charset=utf-8");
  EXPECT_EQ(anonymous.Get("/assets/app-NOSUCH.js").status, 404);

  // Outside the console: JSON errors as before.
  ExpectJsonError(anonymous.Get("/api/nosuch"), 404);
  ExpectJsonError(anonymous.Get("/api"), 404);
  ExpectJsonError(anonymous.Get("/healthz/x"), 404);
  ExpectJsonError(anonymous.Get("/metrics/x"), 404);
  ExpectJsonError(anonymous.Post("/acme/proj/dev", "{}"), 404);
  ExpectJsonError(anonymous.Get("/api/user"), 401);
  EXPECT_EQ(anonymous.Get("/healthz").status, 200);
}

TEST_F(ConsoleTest, SessionCookieActsAsItsTokenAndStateChangesNeedCsrf) {
  HttpClient anonymous = Client();
  // Sign-in takes JSON only (no cross-site form can post it) and a live token.
  ExpectJsonError(anonymous.Post("/api/console/session", Json({{"accessToken", AdminToken()}}),
                                 {{"Content-Type", "application/x-www-form-urlencoded"}}),
                  415);
  ExpectJsonError(anonymous.Post("/api/console/session", Json({{"accessToken", RandomToken()}}),
                                 {{"Content-Type", "application/json"}}),
                  401);
  ExpectJsonError(anonymous.Post("/api/console/session", Json({{"accessToken", "<b>x</b>"}}),
                                 {{"Content-Type", "application/json"}}),
                  401);

  const int64_t before = WallSeconds();
  Signed s = SignIn(AdminToken());
  EXPECT_NE(s.set_cookie.find("HttpOnly"), std::string::npos) << s.set_cookie;
  EXPECT_NE(s.set_cookie.find("SameSite=Strict"), std::string::npos) << s.set_cookie;
  EXPECT_NE(s.set_cookie.find("Path=/"), std::string::npos) << s.set_cookie;
  EXPECT_NE(s.set_cookie.find("Max-Age="), std::string::npos) << s.set_cookie;
  EXPECT_EQ(s.set_cookie.find("Secure"), std::string::npos) << s.set_cookie;  // http public URL
  ASSERT_TRUE(s.cookie.starts_with("statehouse_session=")) << s.cookie;
  EXPECT_EQ(s.cookie.find(AdminToken()), std::string::npos);
  ASSERT_EQ(s.csrf.size(), 64u);

  const HeaderList cookie{{"Cookie", "theme=dark; " + s.cookie}};
  HttpResponse me = anonymous.Get("/api/user", cookie);
  ASSERT_EQ(me.status, 200) << me;
  EXPECT_EQ(GetString(ParseJson(me.body), "githubLogin"), "admin");
  HttpResponse session = anonymous.Get("/api/console/session", cookie);
  ASSERT_EQ(session.status, 200) << session;
  EXPECT_EQ(GetString(ParseJson(session.body), "csrfToken"), s.csrf);

  // State changes with the cookie carry the session's CSRF token, or 403.
  const std::string body = R"({"description":"from the console","expires":0})";
  ExpectJsonError(anonymous.Post("/api/user/tokens", body, cookie), 403);
  HeaderList wrong = cookie;
  wrong.emplace_back("X-CSRF-Token", std::string(64, '0'));
  ExpectJsonError(anonymous.Post("/api/user/tokens", body, wrong), 403);
  HeaderList right = cookie;
  right.emplace_back("X-CSRF-Token", s.csrf);
  HttpResponse created = anonymous.Post("/api/user/tokens", body, right);
  ASSERT_EQ(created.status, 200) << created;
  ExpectJsonError(anonymous.Delete("/api/console/session", cookie), 403);

  // Sign-out ends the session at once; the cookie is cleared.
  HttpResponse out = anonymous.Delete("/api/console/session", right);
  ASSERT_EQ(out.status, 204) << out;
  EXPECT_NE(out.Header("set-cookie").find("Max-Age=0"), std::string::npos);
  ExpectJsonError(anonymous.Get("/api/user", cookie), 401);
  ExpectJsonError(anonymous.Post("/api/user/tokens", body, right), 401);

  // Both are in the audit log.
  HttpClient admin = AdminClient();
  HttpResponse log = admin.Get("/api/orgs/admin/auditlogs?startTime=" +
                               std::to_string(WallSeconds() + 3600) + "&endTime=" +
                               std::to_string(before - 1));
  ASSERT_EQ(log.status, 200) << log;
  EXPECT_NE(log.body.find("logged into the web console"), std::string::npos) << log.body;
  EXPECT_NE(log.body.find("signed out of the web console"), std::string::npos) << log.body;
}

TEST_F(ConsoleTest, DeletingTheTokenEndsItsSessions) {
  HttpClient admin = AdminClient();
  const std::string login = UniqueName("vera");
  const std::string token = CreateUser(admin, login);
  Signed s = SignIn(token);
  HttpClient anonymous = Client();
  const HeaderList cookie{{"Cookie", s.cookie}};
  ASSERT_EQ(anonymous.Get("/api/user", cookie).status, 200);

  HttpClient vera = Client(token);
  HttpResponse tokens = vera.Get("/api/user/tokens");
  ASSERT_EQ(tokens.status, 200) << tokens;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(tokens.body, m, std::regex("\"id\":\"([^\"]+)\"")));
  ASSERT_EQ(vera.Delete("/api/user/tokens/" + m[1].str()).status, 204);
  ExpectJsonError(anonymous.Get("/api/user", cookie), 401);
  // A made-up cookie is no session either.
  ExpectJsonError(anonymous.Get("/api/user", {{"Cookie", "statehouse_session=" + RandomHex(64)}}),
                  401);
}

TEST(ConsoleSecureCookieTest, SecureWhenThePublicUrlIsHttps) {
  ServerConfig config;
  config.extra_args = {"--public-url", "https://statehouse.example.com"};
  ServerProcess server(config);
  ASSERT_TRUE(server.Start());
  HttpClient anonymous(server, "");
  HttpResponse r =
      anonymous.Post("/api/console/session", Json({{"accessToken", server.bootstrap_token()}}),
                     {{"Content-Type", "application/json"}});
  ASSERT_EQ(r.status, 201) << r;
  EXPECT_NE(r.Header("set-cookie").find("; Secure"), std::string::npos) << r.Header("set-cookie");
}

// Sessions are rows of the shared database: a session made on one replica
// works on the other, and signing out on either ends it on both at once.
TEST(PostgresConsoleReplicaTest, SignOutOnOneReplicaEndsTheSessionOnTheOther) {
  SharedDatabase database;
  ASSERT_TRUE(database.ok()) << database.error();
  ServerProcess a(database.ReplicaConfig());
  ServerProcess b(database.ReplicaConfig());
  ASSERT_TRUE(a.Start());
  ASSERT_TRUE(b.Start());
  HttpClient on_a(a, "");
  HttpClient on_b(b, "");
  HttpResponse r = on_a.Post("/api/console/session",
                             Json({{"accessToken", database.bootstrap_token()}}),
                             {{"Content-Type", "application/json"}});
  ASSERT_EQ(r.status, 201) << r;
  const std::string set_cookie = r.Header("set-cookie");
  const HeaderList cookie{{"Cookie", set_cookie.substr(0, set_cookie.find(';'))},
                          {"X-CSRF-Token", GetString(ParseJson(r.body), "csrfToken")}};
  // Warm both replicas' access caches with reads through the session.
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(on_a.Get("/api/stacks/admin/proj/dev", cookie).status, 404);
    ASSERT_EQ(on_b.Get("/api/user", cookie).status, 200);
  }
  ASSERT_EQ(on_b.Delete("/api/console/session", cookie).status, 204);
  ExpectJsonError(on_a.Get("/api/user", cookie), 401);
  ExpectJsonError(on_a.Get("/api/stacks/admin/proj/dev", cookie), 401);
  ExpectJsonError(on_b.Get("/api/user", cookie), 401);
}

}  // namespace
}  // namespace statehouse::testing
