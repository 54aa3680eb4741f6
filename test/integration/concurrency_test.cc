#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <latch>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "test/integration/harness.h"

namespace statehouse::testing {
namespace {

namespace json = boost::json;

// Runs `body(i, client)` on `n` threads, each with its own connection, all
// released at once; returns the responses in index order.
std::vector<HttpResponse> Race(const std::string& base_url, const std::string& token, int n,
                               const std::function<HttpResponse(int, HttpClient&)>& body) {
  std::vector<HttpResponse> responses(n);
  std::latch ready(n);
  std::vector<std::thread> threads;
  threads.reserve(n);
  for (int i = 0; i < n; ++i) {
    threads.emplace_back([&, i] {
      HttpClient client(base_url, token);
      ready.arrive_and_wait();
      responses[i] = body(i, client);
    });
  }
  for (auto& t : threads) t.join();
  return responses;
}

std::map<long, int> CountStatuses(const std::vector<HttpResponse>& responses) {
  std::map<long, int> counts;
  for (const auto& r : responses) ++counts[r.status];
  return counts;
}

class ConcurrencyTest : public IntegrationTest {};

TEST_F(ConcurrencyTest, ConcurrentCreatesOfOneStackYieldOneWinner) {
  std::string project = UniqueName("race-proj");
  auto responses = Race(server().base_url(), AdminToken(), 20, [&](int, HttpClient& c) {
    return CreateStack(c, "admin", project, "dev");
  });
  auto counts = CountStatuses(responses);
  EXPECT_EQ(counts[200], 1);
  EXPECT_EQ(counts[409], 19);
  for (const auto& r : responses) {
    if (r.status != 200) {
      ExpectJsonError(r, 409);
      EXPECT_NE(ErrorMessage(r).find("already exists"), std::string::npos) << r;
    }
  }
}

TEST_F(ConcurrencyTest, ConcurrentCreatesOfDistinctStacksAllSucceed) {
  std::string project = UniqueName("race-proj");
  auto responses = Race(server().base_url(), AdminToken(), 40, [&](int i, HttpClient& c) {
    return CreateStack(c, "admin", project, "s" + std::to_string(i));
  });
  for (size_t i = 0; i < responses.size(); ++i) {
    EXPECT_EQ(responses[i].status, 200) << i << ": " << responses[i];
  }
  HttpClient admin = AdminClient();
  for (int i = 0; i < 40; ++i) {
    EXPECT_EQ(admin.Get(StackPath("admin", project, "s" + std::to_string(i))).status, 200) << i;
  }
}

TEST_F(ConcurrencyTest, ConcurrentAddTagOfOneNameYieldsOneWinner) {
  HttpClient admin = AdminClient();
  std::string project = UniqueName("race-proj");
  ASSERT_EQ(CreateStack(admin, "admin", project, "dev").status, 200);
  std::string path = StackPath("admin", project, "dev") + "/tags";
  auto responses = Race(server().base_url(), AdminToken(), 16, [&](int i, HttpClient& c) {
    return c.Post(path, Json({{"name", "owner"}, {"value", "user" + std::to_string(i)}}));
  });
  auto counts = CountStatuses(responses);
  EXPECT_EQ(counts[204], 1);
  EXPECT_EQ(counts[400], 15);
}

TEST_F(ConcurrencyTest, ConcurrentTagWritesOnDistinctStacksAndTokens) {
  HttpClient admin = AdminClient();
  std::string project = UniqueName("race-proj");
  for (int i = 0; i < 8; ++i) {
    ASSERT_EQ(CreateStack(admin, "admin", project, "s" + std::to_string(i)).status, 200);
  }
  auto responses = Race(server().base_url(), AdminToken(), 32, [&](int i, HttpClient& c) {
    if (i % 2 == 0) {
      return c.Post("/api/user/tokens", Json({{"description", "race"}, {"expires", 0}}));
    }
    std::string stack = "s" + std::to_string((i / 2) % 8);
    return c.Post(StackPath("admin", project, stack) + "/tags",
                  Json({{"name", "k" + std::to_string(i)}, {"value", "v"}}));
  });
  std::set<std::string> token_values;
  for (size_t i = 0; i < responses.size(); ++i) {
    if (i % 2 == 0) {
      ASSERT_EQ(responses[i].status, 200) << responses[i];
      token_values.insert(GetString(ParseJson(responses[i].body), "tokenValue"));
    } else {
      EXPECT_EQ(responses[i].status, 204) << responses[i];
    }
  }
  EXPECT_EQ(token_values.size(), 16u);
}

TEST_F(ConcurrencyTest, PipelinedRequestsAreAnsweredInOrder) {
  std::string requests =
      "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
      "GET /api/user HTTP/1.1\r\nHost: x\r\nAuthorization: token " +
      AdminToken() +
      "\r\n\r\n"
      "GET /api/nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  RawReply reply = RawExchange(server().port(), requests, std::chrono::seconds(5), true);
  EXPECT_FALSE(reply.timed_out) << "server did not close after `Connection: close`";
  size_t first = reply.data.find("HTTP/1.1 200");
  size_t second = reply.data.find("HTTP/1.1 200", first + 1);
  size_t third = reply.data.find("HTTP/1.1 404", second + 1);
  EXPECT_NE(first, std::string::npos) << reply.data;
  EXPECT_NE(second, std::string::npos) << reply.data;
  EXPECT_NE(third, std::string::npos) << reply.data;
  EXPECT_NE(reply.data.find("\"githubLogin\":\"admin\""), std::string::npos) << reply.data;
}

TEST_F(ConcurrencyTest, KeepAliveConnectionServesManyRequests) {
  HttpClient admin = AdminClient();
  std::string project = UniqueName("ka-proj");
  for (int i = 0; i < 50; ++i) {
    HttpResponse r = i % 2 == 0 ? admin.Get("/api/user")
                                : CreateStack(admin, "admin", project, "s" + std::to_string(i));
    ASSERT_EQ(r.status, 200) << i << ": " << r;
  }
}

TEST_F(ConcurrencyTest, LargeListingsDecodeWhenGzipped) {
  HttpClient admin = AdminClient();
  std::string project = UniqueName("gz-list");
  for (int i = 0; i < 25; ++i) {
    ASSERT_EQ(CreateStack(admin, "admin", project, "stack-number-" + std::to_string(i)).status,
              200);
  }
  HttpResponse plain = admin.Get("/api/user/stacks?project=" + project);
  ASSERT_EQ(plain.status, 200) << plain;
  ASSERT_GT(plain.body.size(), 1024u);
  EXPECT_FALSE(plain.HasHeader("content-encoding"));

  HttpResponse raw =
      admin.Get("/api/user/stacks?project=" + project, {{"Accept-Encoding", "gzip"}});
  ASSERT_EQ(raw.status, 200) << raw;
  std::string encoding = raw.Header("content-encoding");
  ASSERT_TRUE(encoding.empty() || encoding == "gzip" || encoding == "x-gzip") << encoding;
  std::string text = raw.body;
  if (!encoding.empty()) {
    auto inflated = Gunzip(raw.body);
    ASSERT_TRUE(inflated.has_value());
    text = *inflated;
  }
  EXPECT_EQ(ParseJson(text), ParseJson(plain.body));

  admin.set_accept_gzip(true);
  HttpResponse decoded = admin.Get("/api/user/stacks?project=" + project);
  ASSERT_EQ(decoded.status, 200) << decoded;
  EXPECT_EQ(ParseJson(decoded.body), ParseJson(plain.body));
}

TEST_F(ConcurrencyTest, ManyIdleConnectionsDoNotStarveNewClients) {
  std::vector<int> idle;
  for (int i = 0; i < 200; ++i) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(server().port());
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    idle.push_back(fd);
    if (i % 2 == 0) {
      const char partial[] = "GET /api/user HTTP/1.1\r\nHost: x\r\n";
      ASSERT_GT(::send(fd, partial, sizeof(partial) - 1, MSG_NOSIGNAL), 0);
    }
  }
  HttpClient admin = AdminClient();
  admin.set_timeout(std::chrono::seconds(3));
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 10; ++i) {
    HttpResponse r = admin.Get("/api/user");
    EXPECT_EQ(r.status, 200) << r;
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
  for (int fd : idle) ::close(fd);
}

}  // namespace
}  // namespace statehouse::testing
