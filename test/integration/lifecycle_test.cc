#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>

#include "test/integration/harness.h"

namespace statehouse::testing {
namespace {

namespace json = boost::json;
using std::chrono::steady_clock;

int ConnectIdle(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

void ExpectCleanExit(int status) {
  ASSERT_TRUE(WIFEXITED(status)) << "not a normal exit; wait status " << status
                                 << (WIFSIGNALED(status) ? " (signal)" : "");
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

TEST(LifecycleTest, SigtermWithIdleKeepAliveClientExitsZero) {
  ServerProcess server;
  ASSERT_TRUE(server.Start());
  HttpClient client(server, server.bootstrap_token());
  ASSERT_EQ(client.Get("/api/user").status, 200);
  ASSERT_EQ(client.Get("/healthz").status, 200);

  auto start = steady_clock::now();
  int status = server.Stop();
  auto elapsed = steady_clock::now() - start;
  ExpectCleanExit(status);
  EXPECT_LT(elapsed, std::chrono::seconds(5)) << server.Log();
}

TEST(LifecycleTest, SigtermWithSilentOpenConnectionExitsZero) {
  ServerProcess server;
  ASSERT_TRUE(server.Start());
  int fd = ConnectIdle(server.port());
  ASSERT_GE(fd, 0);
  HttpClient client(server, "");
  ASSERT_EQ(client.Get("/healthz").status, 200);

  auto start = steady_clock::now();
  int status = server.Stop();
  auto elapsed = steady_clock::now() - start;
  ::close(fd);
  ExpectCleanExit(status);
  EXPECT_LT(elapsed, std::chrono::seconds(5)) << server.Log();
}

TEST(LifecycleTest, SigtermWithHalfSentHeadersExitsPromptly) {
  ServerProcess server;
  ASSERT_TRUE(server.Start());
  int fd = ConnectIdle(server.port());
  ASSERT_GE(fd, 0);
  const char partial[] = "POST /api/user/tokens HTTP/1.1\r\nHost: x\r\nContent-Le";
  ASSERT_GT(::send(fd, partial, sizeof(partial) - 1, MSG_NOSIGNAL), 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));

  auto start = steady_clock::now();
  int status = server.Stop(std::chrono::seconds(30));
  auto elapsed = steady_clock::now() - start;
  ::close(fd);
  ExpectCleanExit(status);
  EXPECT_LT(elapsed, std::chrono::seconds(5)) << server.Log();
}

TEST(LifecycleTest, StopsAcceptingAfterSigterm) {
  ServerProcess server;
  ASSERT_TRUE(server.Start());
  uint16_t port = server.port();
  ExpectCleanExit(server.Stop());
  HttpClient client("http://127.0.0.1:" + std::to_string(port), "");
  client.set_timeout(std::chrono::seconds(2));
  HttpResponse r = client.Get("/healthz");
  EXPECT_EQ(r.status, 0) << r;
}

TEST(LifecycleTest, DataSurvivesRestart) {
  ServerProcess server;
  ASSERT_TRUE(server.Start());
  std::string admin_token = server.bootstrap_token();
  std::string alice_token;
  std::string ci_token;
  {
    HttpClient admin(server, admin_token);
    alice_token = CreateUser(admin, "alice");
    CreateOrg(admin, "acme", "alice");
    HttpClient alice(server, alice_token);
    ASSERT_EQ(CreateStack(alice, "acme", "proj", "dev").status, 200);
    ASSERT_EQ(
        alice
            .Post(StackPath("acme", "proj", "dev") + "/tags", R"({"name":"owner","value":"alice"})")
            .status,
        204);
    ASSERT_EQ(CreateStack(admin, "admin", "proj", "gone").status, 200);
    ASSERT_EQ(admin.Delete(StackPath("admin", "proj", "gone") + "?force=false").status, 204);
    HttpResponse token = alice.Post("/api/user/tokens", R"({"description":"ci","expires":0})");
    ASSERT_EQ(token.status, 200) << token;
    ci_token = GetString(ParseJson(token.body), "tokenValue");
  }
  ASSERT_TRUE(server.Restart());

  HttpClient ci(server, ci_token);
  HttpResponse me = ci.Get("/api/user");
  ASSERT_EQ(me.status, 200) << me;
  EXPECT_EQ(GetString(ParseJson(me.body), "githubLogin"), "alice");
  HttpResponse stack = ci.Get(StackPath("acme", "proj", "dev"));
  ASSERT_EQ(stack.status, 200) << stack;
  json::value body = ParseJson(stack.body);
  const json::object* tags = FindObject(body, "tags");
  ASSERT_NE(tags, nullptr) << stack;
  EXPECT_EQ(GetString(json::value(*tags), "owner"), "alice");
  EXPECT_EQ(GetString(json::value(*tags), "pulumi:project"), "proj");

  HttpClient admin(server, admin_token);
  EXPECT_EQ(admin.Get("/api/user").status, 200);
  ExpectJsonError(admin.Get(StackPath("admin", "proj", "gone")), 404);
  EXPECT_EQ(HttpClient(server, alice_token).Get("/api/user").status, 200);
  ExpectJsonError(
      admin.Post("/api/admin/users", R"({"login":"alice","name":"A","email":"a@example.com"})"),
      409);
}

TEST(LifecycleTest, CommittedWritesSurviveKill9) {
  ServerProcess server;
  ASSERT_TRUE(server.Start());
  {
    HttpClient admin(server, server.bootstrap_token());
    for (int i = 0; i < 5; ++i) {
      ASSERT_EQ(CreateStack(admin, "admin", "proj", "s" + std::to_string(i)).status, 200);
    }
  }
  server.Kill9();
  ASSERT_TRUE(server.Start());
  HttpClient admin(server, server.bootstrap_token());
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(admin.Get(StackPath("admin", "proj", "s" + std::to_string(i))).status, 200) << i;
  }
}

}  // namespace
}  // namespace statehouse::testing
