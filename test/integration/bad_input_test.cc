#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <latch>
#include <string>
#include <thread>
#include <vector>

#include "test/integration/harness.h"

namespace statehouse::testing {
namespace {

namespace json = boost::json;

std::string Lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

::testing::AssertionResult IsJson4xx(const HttpResponse& r) {
  if (r.status < 400 || r.status > 499) {
    return ::testing::AssertionFailure() << "expected a 4xx, got " << r;
  }
  return IsJsonError(r, r.status);
}

// Either the peer closed without answering, or it answered with a 4xx whose
// body is a JSON error.
::testing::AssertionResult RejectedOrClosed(const RawReply& reply) {
  if (!reply.connected) return ::testing::AssertionFailure() << "could not connect";
  if (reply.data.empty()) {
    if (reply.closed) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "no answer and connection left open";
  }
  int status = reply.StatusCode();
  if (status < 400 || status > 499) {
    return ::testing::AssertionFailure() << "expected a 4xx or a close, got: " << reply.data;
  }
  HttpResponse as_response;
  as_response.status = status;
  as_response.body = reply.Body();
  return IsJsonError(as_response, status);
}

class BadInputTest : public IntegrationTest {
 protected:
  void ExpectHealthy() {
    HttpClient fresh = Client();
    HttpResponse r = fresh.Get("/healthz");
    EXPECT_EQ(r.status, 200) << "server unhealthy after bad input: " << r << "\nlog tail:\n"
                             << server().Log().substr(server().Log().size() > 4000
                                                          ? server().Log().size() - 4000
                                                          : 0);
  }
};

struct BodyCase {
  std::string name;
  std::string body;
  std::string field;  // the error message must mention it (case-insensitive)
};

TEST_F(BadInputTest, CreateStackBodiesAre400) {
  HttpClient admin = AdminClient();
  std::string deep =
      R"({"stackName":"dev","tags":)" + std::string(100000, '[') + std::string(100000, ']') + "}";
  const std::vector<BodyCase> cases = {
      {"malformed json", R"({"stackName": "dev",)", ""},
      {"not json at all", "stackName=dev", ""},
      {"stackName number", R"({"stackName": 5})", "stackName"},
      {"stackName null", R"({"stackName": null})", "stackName"},
      {"stackName object", R"({"stackName": {"a": 1}})", "stackName"},
      {"missing stackName", R"({"tags": {}})", "stackName"},
      {"tags string", R"({"stackName": "dev", "tags": "x"})", "tags"},
      {"tags array", R"({"stackName": "dev", "tags": ["x"]})", "tags"},
      {"tag value number", R"({"stackName": "dev", "tags": {"owner": 5}})", "tag"},
      {"json array", R"([{"stackName": "dev"}])", ""},
      {"json string", R"("dev")", ""},
      {"empty body", "", ""},
      {"trailing garbage", R"({"stackName": "dev"} x)", ""},
      {"invalid utf-8", "{\"stackName\": \"d\xff\xfe\"}", ""},
      {"deep nesting", deep, ""},
      {"slash in stack name", R"({"stackName": "a/b"})", ""},
      {"dotdot stack name", R"({"stackName": ".."})", ""},
      {"long stack name", R"({"stackName": ")" + std::string(300, 's') + "\"}", ""},
      {"unicode stack name", "{\"stackName\": \"caf\xc3\xa9\"}", ""},
      {"empty stack name", R"({"stackName": ""})", ""},
      {"space in stack name", R"({"stackName": "my stack"})", ""},
      {"nul in stack name", R"({"stackName": "dev\u0000"})", ""},
  };
  std::string project = UniqueName("bad-proj");
  for (const BodyCase& c : cases) {
    SCOPED_TRACE(c.name);
    HttpResponse r = admin.Post("/api/stacks/admin/" + project, c.body);
    ExpectJsonError(r, 400);
    if (!c.field.empty()) {
      EXPECT_NE(Lower(ErrorMessage(r)).find(Lower(c.field)), std::string::npos)
          << "message should name the field: " << r;
    }
    ExpectHealthy();
  }
  EXPECT_EQ(admin.Head("/api/stacks/admin/" + project).status, 404)
      << "a rejected request created something";
}

TEST_F(BadInputTest, TokenBodiesAre400) {
  HttpClient admin = AdminClient();
  const std::vector<BodyCase> cases = {
      {"expires string", R"({"description": "ci", "expires": "soon"})", "expires"},
      {"expires float", R"({"description": "ci", "expires": 1.5})", "expires"},
      {"description number", R"({"description": 5, "expires": 0})", "description"},
      {"expires overflow", R"({"description": "ci", "expires": 99999999999999999999})", "expires"},
      {"array", "[]", ""},
      {"malformed", "{", ""},
  };
  for (const BodyCase& c : cases) {
    SCOPED_TRACE(c.name);
    HttpResponse r = admin.Post("/api/user/tokens", c.body);
    ExpectJsonError(r, 400);
    if (!c.field.empty()) {
      EXPECT_NE(Lower(ErrorMessage(r)).find(Lower(c.field)), std::string::npos)
          << "message should name the field: " << r;
    }
    ExpectHealthy();
  }
}

TEST_F(BadInputTest, BadNamesInPathsAre4xx) {
  HttpClient admin = AdminClient();
  std::string project = UniqueName("bad-proj");
  ASSERT_EQ(CreateStack(admin, "admin", project, "dev").status, 200);
  const std::string long_name(300, 'p');
  const std::vector<std::string> bad_segments = {"proj%2Fx", "..",     long_name, "caf%C3%A9",
                                                 "a%00b",    "%2E%2E", "a%20b"};
  for (const std::string& bad : bad_segments) {
    SCOPED_TRACE(bad);
    HttpResponse create = admin.Post("/api/stacks/admin/" + bad, R"({"stackName":"dev"})");
    EXPECT_TRUE(IsJson4xx(create));
    EXPECT_TRUE(IsJson4xx(admin.Get("/api/stacks/admin/" + project + "/" + bad)));
    EXPECT_TRUE(IsJson4xx(admin.Get("/api/stacks/admin/" + bad + "/dev")));
    EXPECT_TRUE(IsJson4xx(admin.Get("/api/stacks/" + bad + "/" + project + "/dev")));
    EXPECT_TRUE(
        IsJson4xx(admin.Delete("/api/stacks/admin/" + project + "/" + bad + "?force=true")));
    ExpectHealthy();
  }
  EXPECT_EQ(admin.Get(StackPath("admin", project, "dev")).status, 200);
}

TEST_F(BadInputTest, UnknownRoutesAre404) {
  HttpClient admin = AdminClient();
  for (const std::string path : {"/api/nope", "/nope", "/api/user/nope/deeper",
                                 "/api/stacks/admin/p/s/nope/deeper/still", "/"}) {
    SCOPED_TRACE(path);
    ExpectJsonError(admin.Get(path), 404);
  }
  ExpectHealthy();
}

TEST_F(BadInputTest, WrongMethodsAre405) {
  HttpClient admin = AdminClient();
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"PUT", "/api/user"},          {"DELETE", "/api/capabilities"}, {"POST", "/api/user"},
      {"PATCH", "/api/user/stacks"}, {"PUT", "/api/user/tokens"},
  };
  for (const auto& [method, path] : cases) {
    SCOPED_TRACE(method + " " + path);
    std::optional<std::string_view> body;
    if (method != "DELETE") body = "{}";
    ExpectJsonError(admin.Request(method, path, body), 405);
  }
  ExpectHealthy();
}

TEST_F(BadInputTest, InvalidQueryValuesAre400) {
  HttpClient admin = AdminClient();
  std::string project = UniqueName("bad-proj");
  ASSERT_EQ(CreateStack(admin, "admin", project, "dev").status, 200);
  ExpectJsonError(admin.Delete(StackPath("admin", project, "dev") + "?force=maybe"), 400);
  EXPECT_EQ(admin.Get(StackPath("admin", project, "dev")).status, 200);
  ExpectJsonError(admin.Get("/api/user/stacks?maxResults=abc"), 400);
  ExpectJsonError(admin.Get("/api/user/stacks?maxResults=-1"), 400);
  ExpectHealthy();
}

TEST_F(BadInputTest, OversizedBodyIs413) {
  HttpClient admin = AdminClient();
  std::string body =
      R"({"description":")" + std::string(5 * 1024 * 1024, 'a') + R"(","expires":0})";
  HttpResponse r = admin.Post("/api/user/tokens", body);
  ExpectJsonError(r, 413);
  ExpectHealthy();
  std::string project = UniqueName("bad-proj");
  ASSERT_EQ(CreateStack(admin, "admin", project, "dev").status, 200);
  std::string tags_body = R"({"owner":")" + std::string(5 * 1024 * 1024, 'o') + "\"}";
  ExpectJsonError(admin.Patch(StackPath("admin", project, "dev") + "/tags", tags_body), 413);
  ExpectHealthy();
  std::string user_body = R"({"login":"bigfoot","name":")" + std::string(5 * 1024 * 1024, 'n') +
                          R"(","email":"b@example.com"})";
  ExpectJsonError(admin.Post("/api/admin/users", user_body), 413);
  ExpectHealthy();
  EXPECT_EQ(admin.Get("/api/user").status, 200);
}

TEST_F(BadInputTest, GzipBodies) {
  HttpClient admin = AdminClient();
  std::string project = UniqueName("gz-proj");
  HeaderList gz = {{"Content-Encoding", "gzip"}};

  std::string good = Json(
      {{"stackName", "dev"}, {"tags", {{"pulumi:project", project}, {"pulumi:runtime", "go"}}}});
  HttpResponse ok = admin.Post("/api/stacks/admin/" + project, Gzip(good), gz);
  EXPECT_EQ(ok.status, 200) << ok;
  EXPECT_EQ(admin.Get(StackPath("admin", project, "dev")).status, 200);

  for (const auto& [path, size] : std::vector<std::pair<std::string, size_t>>{
           {"/api/stacks/admin/" + project, size_t{1} << 30},
           {"/api/user/tokens", size_t{64} << 20}}) {
    SCOPED_TRACE(path);
    std::string bomb = GzipZeros(size);
    ASSERT_LT(bomb.size(), 2u << 20);
    // Memory held while inflating is bounded by MemoryTest; how long the
    // server takes to reach the cap is not a unit-test concern.
    ExpectJsonError(admin.Post(path, bomb, gz), 413);
    ExpectHealthy();
  }

  ExpectJsonError(admin.Post("/api/stacks/admin/" + project, "this is not gzip", gz), 400);
  std::string full = Gzip(Json({{"stackName", "other"}}));
  ExpectJsonError(admin.Post("/api/stacks/admin/" + project, full.substr(0, full.size() / 2), gz),
                  400);
  std::string flipped = full;
  flipped[flipped.size() - 6] ^= 0x5a;
  ExpectJsonError(admin.Post("/api/stacks/admin/" + project, flipped, gz), 400);
  ExpectJsonErrorIn(admin.Post("/api/stacks/admin/" + project, good, {{"Content-Encoding", "br"}}),
                    {400, 415});
  ExpectJsonError(admin.Get(StackPath("admin", project, "other")), 404);
  ExpectHealthy();
}

TEST_F(BadInputTest, RawGarbageOnTheSocket) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"garbage line", "GARBAGE\r\n\r\n"},
      {"binary", std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11) + "\r\n\r\n"},
      {"bad version", "GET /healthz HTTP/9.9\r\nHost: x\r\n\r\n"},
      {"bad content-length",
       "POST /api/user/tokens HTTP/1.1\r\nHost: x\r\n"
       "Content-Length: abc\r\n\r\n{}"},
      {"negative content-length",
       "POST /api/user/tokens HTTP/1.1\r\nHost: x\r\n"
       "Content-Length: -5\r\n\r\n{}"},
      {"bad chunk",
       "POST /api/user/tokens HTTP/1.1\r\nHost: x\r\n"
       "Transfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n"},
      {"header without colon", "GET /healthz HTTP/1.1\r\nHost: x\r\nNoColonHere\r\n\r\n"},
      {"conflicting content-lengths",
       "POST /api/user/tokens HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n"
       "Content-Length: 5\r\n\r\n{}"},
      {"nul in header", std::string("GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a\0b\r\n\r\n", 44)},
      {"bare LF garbage", "\n\n\n\x01\x02\x03\n\n"},
  };
  for (const auto& [name, bytes] : cases) {
    SCOPED_TRACE(name);
    RawReply reply = RawExchange(server().port(), bytes);
    EXPECT_TRUE(RejectedOrClosed(reply));
    ExpectHealthy();
  }
}

TEST_F(BadInputTest, HugeHeaderBlock) {
  std::string request = "GET /api/user HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: token " +
                        AdminToken() + "\r\nX-Filler: " + std::string(70 * 1024, 'f') + "\r\n\r\n";
  RawReply reply = RawExchange(server().port(), request);
  EXPECT_TRUE(RejectedOrClosed(reply));
  ExpectHealthy();

  std::string many = "GET /api/user HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  for (int i = 0; i < 8000; ++i) many += "X-H" + std::to_string(i) + ": v\r\n";
  many += "\r\n";
  EXPECT_TRUE(RejectedOrClosed(RawExchange(server().port(), many)));
  ExpectHealthy();
}

TEST_F(BadInputTest, AbandonedRequestsDoNotHurt) {
  for (int i = 0; i < 10; ++i) {
    RawExchange(server().port(),
                "POST /api/user/tokens HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{",
                std::chrono::milliseconds(20));
    RawExchange(server().port(), "GET /api/us", std::chrono::milliseconds(20));
  }
  ExpectHealthy();
  EXPECT_EQ(AdminClient().Get("/api/user").status, 200);
}

TEST_F(BadInputTest, HundredConcurrentConnections) {
  constexpr int kClients = 100;
  std::atomic<int> ok{0};
  std::vector<std::string> failures(kClients);
  std::latch ready(kClients);
  std::vector<std::thread> threads;
  threads.reserve(kClients);
  std::string base = server().base_url();
  std::string token = AdminToken();
  for (int i = 0; i < kClients; ++i) {
    threads.emplace_back([&, i] {
      HttpClient client(base, token);
      ready.arrive_and_wait();
      HttpResponse r = client.Get("/api/user");
      if (r.status == 200 && r.body.find("\"admin\"") != std::string::npos) {
        ok.fetch_add(1);
      } else {
        failures[i] = std::to_string(r.status) + " " + r.transport_error + " " + r.body;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), kClients);
  for (const std::string& f : failures) {
    if (!f.empty()) {
      ADD_FAILURE() << "first failure: " << f;
      break;
    }
  }
  ExpectHealthy();
}

TEST_F(BadInputTest, ChunkedBodiesAreLimitedToo) {
  HttpClient admin = AdminClient();
  HeaderList chunked = {{"Transfer-Encoding", "chunked"}};
  std::string project = UniqueName("chunk-proj");
  HttpResponse ok = admin.Post("/api/stacks/admin/" + project, R"({"stackName":"dev"})", chunked);
  EXPECT_EQ(ok.status, 200) << ok;

  std::string big = R"({"description":")" + std::string(5 * 1024 * 1024, 'a') + R"(","expires":0})";
  ExpectJsonError(admin.Post("/api/user/tokens", big, chunked), 413);
  ExpectHealthy();
  HeaderList chunked_gz = {{"Transfer-Encoding", "chunked"}, {"Content-Encoding", "gzip"}};
  ExpectJsonError(admin.Post("/api/user/tokens", GzipZeros(size_t{64} << 20), chunked_gz), 413);
  ExpectHealthy();
}

TEST_F(BadInputTest, HugeUrl) {
  std::string request = "GET /api/stacks/admin/" + std::string(100 * 1024, 'p') +
                        "/dev HTTP/1.1\r\nHost: x\r\nAuthorization: token " + AdminToken() +
                        "\r\n\r\n";
  EXPECT_TRUE(RejectedOrClosed(RawExchange(server().port(), request)));
  ExpectHealthy();
}

TEST_F(BadInputTest, MetricsLabelsDoNotGrowWithPaths) {
  HttpClient admin = AdminClient();
  for (int i = 0; i < 20; ++i) {
    std::string junk = "zzjunk" + RandomHex(12);
    admin.Get("/api/" + junk);
    admin.Get("/" + junk);
    admin.Get(StackPath("admin", "zzproj" + RandomHex(8), "zzstack" + RandomHex(8)));
  }
  HttpResponse metrics = admin.Get("/metrics");
  ASSERT_EQ(metrics.status, 200);
  EXPECT_EQ(metrics.body.find("zzjunk"), std::string::npos) << "raw paths leak into labels";
  EXPECT_EQ(metrics.body.find("zzproj"), std::string::npos) << "names leak into labels";
  EXPECT_EQ(metrics.body.find("zzstack"), std::string::npos) << "names leak into labels";
}

}  // namespace
}  // namespace statehouse::testing
