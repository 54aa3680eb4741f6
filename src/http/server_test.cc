#include "http/server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>

#include "http/gzip.h"

namespace statehouse::http {
namespace {

using namespace std::chrono_literals;

struct ClientResponse {
  int status = 0;
  std::string status_line;
  std::multimap<std::string, std::string> headers;  // lower-case names
  std::string body;

  std::string Header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
  bool HasHeader(const std::string& name) const { return headers.count(name) > 0; }
  size_t HeaderCount(const std::string& name) const { return headers.count(name); }
};

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// A minimal blocking HTTP/1.1 client over a POSIX socket.
class Client {
 public:
  explicit Client(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd_ < 0) throw std::runtime_error("socket");
    timeval tv{5, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
      throw std::runtime_error(std::string("connect: ") + std::strerror(errno));
    }
  }
  ~Client() {
    if (fd_ >= 0) ::close(fd_);
  }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  void Send(std::string_view data) {
    while (!data.empty()) {
      ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) return;
      data.remove_prefix(static_cast<size_t>(n));
    }
  }

  // Reads one response; nullopt if the connection ends first.
  std::optional<ClientResponse> Read(bool head_request = false) {
    size_t end;
    while ((end = buffer_.find("\r\n\r\n")) == std::string::npos) {
      if (!Fill()) return std::nullopt;
    }
    ClientResponse response;
    std::string head = buffer_.substr(0, end);
    buffer_.erase(0, end + 4);
    size_t line_end = head.find("\r\n");
    response.status_line = head.substr(0, line_end);
    if (response.status_line.size() < 12) return std::nullopt;
    response.status = std::stoi(response.status_line.substr(9, 3));
    size_t pos = line_end == std::string::npos ? head.size() : line_end + 2;
    while (pos < head.size()) {
      size_t next = head.find("\r\n", pos);
      if (next == std::string::npos) next = head.size();
      std::string line = head.substr(pos, next - pos);
      size_t colon = line.find(':');
      std::string value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.erase(0, 1);
      response.headers.emplace(Lower(line.substr(0, colon)), value);
      pos = next + 2;
    }
    if (head_request || response.status < 200 || response.status == 204 || response.status == 304) {
      return response;
    }
    if (response.HasHeader("content-length")) {
      size_t length = std::stoul(response.Header("content-length"));
      while (buffer_.size() < length) {
        if (!Fill()) return std::nullopt;
      }
      response.body = buffer_.substr(0, length);
      buffer_.erase(0, length);
    } else {
      while (Fill()) {
      }
      response.body = std::move(buffer_);
      buffer_.clear();
    }
    return response;
  }

  // True when the server closed the connection (EOF or reset) with no further data.
  bool ServerClosed() {
    if (!buffer_.empty()) return false;
    char c;
    ssize_t n = ::recv(fd_, &c, 1, 0);
    if (n == 0) return true;
    if (n < 0 && errno == ECONNRESET) return true;
    return false;
  }

  void ShutdownWrite() { ::shutdown(fd_, SHUT_WR); }

 private:
  bool Fill() {
    char chunk[16384];
    ssize_t n = ::recv(fd_, chunk, sizeof(chunk), 0);
    if (n <= 0) return false;
    buffer_.append(chunk, static_cast<size_t>(n));
    return true;
  }

  int fd_ = -1;
  std::string buffer_;
};

bool CanConnect(uint16_t port) {
  try {
    Client client(port);
    return true;
  } catch (const std::runtime_error&) {
    return false;
  }
}

std::string Get(std::string_view path, std::string_view extra_headers = "") {
  return std::string("GET ") + std::string(path) + " HTTP/1.1\r\nHost: test\r\n" +
         std::string(extra_headers) + "\r\n";
}

std::string Post(std::string_view path, std::string_view body, std::string_view extra = "") {
  return std::string("POST ") + std::string(path) +
         " HTTP/1.1\r\nHost: test\r\nContent-Length: " + std::to_string(body.size()) + "\r\n" +
         std::string(extra) + "\r\n" + std::string(body);
}

// Lets a test hold a handler until released.
class Gate {
 public:
  void Arrive() {
    std::unique_lock lock(mu_);
    ++arrived_;
    cv_.notify_all();
  }
  bool WaitArrived(int n) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, 5s, [&] { return arrived_ >= n; });
  }
  void Open() {
    std::unique_lock lock(mu_);
    open_ = true;
    cv_.notify_all();
  }
  bool WaitOpen() {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, 5s, [&] { return open_; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int arrived_ = 0;
  bool open_ = false;
};

const std::string kBigBody(5000, 'z');

Router MakeRouter(Gate* gate) {
  Router router;
  router.Add("GET", "/hello", [](Request&) { return Response::Json(200, R"({"hello":"world"})"); });
  router.Add("GET", "/echo/{name}", [](Request& r) {
    return Response::Json(200, std::string(r.Param("name")) + "|" + r.query_string + "|" +
                                   r.Query("x").value_or("-") + "|" + r.route + "|" + r.request_id);
  });
  router.Add(
      "POST", "/body",
      [](Request& r) {
        Response response = Response::Json(200, r.body);
        response.headers.emplace_back("X-Seen-Encoding",
                                      std::string(r.Header("content-encoding").value_or("none")));
        return response;
      },
      RouteOptions{.max_body_bytes = 1024});
  router.Add("GET", "/big", [](Request&) { return Response::Json(200, kBigBody); });
  router.Add("GET", "/throw", [](Request&) -> Response { throw std::runtime_error("kaboom"); });
  router.Add("DELETE", "/nocontent", [](Request&) { return Response::NoContent(); });
  router.Add("GET", "/warn", [](Request&) {
    Response response = Response::Json(200, "{}");
    response.headers.emplace_back("X-Pulumi-Warning", "first");
    response.headers.emplace_back("X-Pulumi-Warning", "second");
    response.headers.emplace_back("X-Bad", "evil\r\nInjected: yes");
    return response;
  });
  router.Add("GET", "/precompressed", [](Request&) {
    Response response = Response::Json(200, GzipDeflate(kBigBody));
    response.headers.emplace_back("Content-Encoding", "gzip");
    return response;
  });
  router.Add("GET", "/badencoding", [](Request&) {
    Response response = Response::Json(200, "{}");
    response.headers.emplace_back("Content-Encoding", "br");
    return response;
  });
  router.Add("GET", "/gate", [gate](Request&) {
    gate->Arrive();
    bool opened = gate->WaitOpen();
    return Response::Json(opened ? 200 : 504, "{}");
  });
  router.Add(
      "POST", "/sink",
      [](Request& r) { return Response::Json(200, std::to_string(r.body.size())); },
      RouteOptions{.max_body_bytes = 1 << 20});
  // Holds its body (and so its share of the body budget) until the gate opens.
  router.Add(
      "POST", "/hold",
      [gate](Request& r) {
        gate->Arrive();
        bool opened = gate->WaitOpen();
        return Response::Json(opened ? 200 : 504, std::to_string(r.body.size()));
      },
      RouteOptions{.max_body_bytes = 1 << 20});
  router.Add("GET", "/rendezvous", [gate](Request&) {
    gate->Arrive();
    bool both = gate->WaitArrived(2);
    return Response::Json(both ? 200 : 504, "{}");
  });
  return router;
}

class ServerTest : public ::testing::Test {
 protected:
  void Start(int io_threads = 2, int worker_threads = 2,
             const std::function<void(ServerOptions&)>& adjust = {}) {
    router_ = MakeRouter(&gate_);
    ServerOptions options;
    options.host = "127.0.0.1";
    options.port = 0;
    options.io_threads = io_threads;
    options.worker_threads = worker_threads;
    options.max_header_bytes = 2048;
    options.gzip_min_response_bytes = 1024;
    options.drain_timeout = 5s;
    options.access_log = false;
    if (adjust) adjust(options);
    server_ = std::make_unique<Server>(options, router_, metrics_);
    auto port = server_->Listen();
    ASSERT_TRUE(port.has_value()) << port.error().message;
    ASSERT_NE(*port, 0);
    port_ = *port;
    thread_ = std::thread([this] { server_->Run(); });
  }

  void TearDown() override { StopAndJoin(); }

  // Stops the server and returns how long Run() took to return.
  std::chrono::milliseconds StopAndJoin() {
    if (!thread_.joinable()) return 0ms;
    auto start = std::chrono::steady_clock::now();
    server_->Stop();
    thread_.join();
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                 start);
  }

  ClientResponse RoundTrip(const std::string& request, bool head = false) {
    Client client(port_);
    client.Send(request);
    auto response = client.Read(head);
    EXPECT_TRUE(response.has_value());
    return response.value_or(ClientResponse{});
  }

  Gate gate_;
  Router router_;
  Metrics metrics_;
  std::unique_ptr<Server> server_;
  std::thread thread_;
  uint16_t port_ = 0;
};

void ExpectJsonError(const ClientResponse& response, int status) {
  EXPECT_EQ(response.status, status);
  EXPECT_EQ(response.Header("content-type"), "application/json");
  boost::json::value body = boost::json::parse(response.body);
  EXPECT_EQ(body.at("code").as_int64(), status);
  EXPECT_TRUE(body.at("message").is_string());
}

TEST_F(ServerTest, GetReturns200WithRequestIds) {
  Start();
  ClientResponse response = RoundTrip(Get("/hello"));
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, R"({"hello":"world"})");
  EXPECT_EQ(response.Header("content-type"), "application/json");
  EXPECT_EQ(response.Header("content-length"), "17");
  std::string id = response.Header("x-request-id");
  EXPECT_EQ(id.size(), 16u);
  EXPECT_EQ(id.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_EQ(response.Header("x-pulumi-request-id"), id);
  EXPECT_FALSE(response.HasHeader("content-encoding"));
}

TEST_F(ServerTest, PassesParamsQueryRouteAndRequestId) {
  Start();
  ClientResponse response = RoundTrip(Get("/echo/a%2Fb%20c?x=1+2&y=3"));
  EXPECT_EQ(response.status, 200);
  std::string id = response.Header("x-request-id");
  EXPECT_EQ(response.body, "a/b c|x=1+2&y=3|1 2|/echo/{name}|" + id);
}

TEST_F(ServerTest, UnknownPathIs404Json) {
  Start();
  ClientResponse response = RoundTrip(Get("/nope?q=1"));
  ExpectJsonError(response, 404);
  EXPECT_EQ(response.body, R"({"code":404,"message":"Not Found: /nope"})");
  EXPECT_EQ(response.Header("x-request-id").size(), 16u);
}

TEST_F(ServerTest, WrongMethodIs405WithAllow) {
  Start();
  ClientResponse response = RoundTrip(Post("/hello", "{}"));
  ExpectJsonError(response, 405);
  EXPECT_EQ(response.Header("allow"), "GET, HEAD");
}

TEST_F(ServerTest, MalformedPercentEscapeIs400) {
  Start();
  ExpectJsonError(RoundTrip(Get("/echo/%zz")), 400);
}

TEST_F(ServerTest, HeadSendsHeadersWithoutBody) {
  Start();
  Client client(port_);
  client.Send("HEAD /hello HTTP/1.1\r\nHost: t\r\n\r\n");
  auto head = client.Read(/*head_request=*/true);
  ASSERT_TRUE(head.has_value());
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->Header("content-length"), "17");
  // Had a body been sent, it would corrupt the next response on this connection.
  client.Send(Get("/hello"));
  auto next = client.Read();
  ASSERT_TRUE(next.has_value());
  EXPECT_EQ(next->status, 200);
  EXPECT_EQ(next->body, R"({"hello":"world"})");
}

TEST_F(ServerTest, OversizeBodyIs413AndCloses) {
  Start();
  Client client(port_);
  client.Send(Post("/body", std::string(4096, 'a')));
  auto response = client.Read();
  ASSERT_TRUE(response.has_value());
  ExpectJsonError(*response, 413);
  EXPECT_EQ(Lower(response->Header("connection")), "close");
  client.ShutdownWrite();
  EXPECT_TRUE(client.ServerClosed());
}

TEST_F(ServerTest, OversizeChunkedBodyIs413) {
  Start();
  Client client(port_);
  std::string chunk(800, 'b');
  std::string request =
      "POST /body HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n320\r\n" + chunk +
      "\r\n320\r\n" + chunk + "\r\n0\r\n\r\n";
  client.Send(request);
  auto response = client.Read();
  ASSERT_TRUE(response.has_value());
  ExpectJsonError(*response, 413);
  client.ShutdownWrite();
  EXPECT_TRUE(client.ServerClosed());
}

TEST_F(ServerTest, BodyAtLimitIsAccepted) {
  Start();
  std::string body(1024, 'k');
  ClientResponse response = RoundTrip(Post("/body", body));
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, body);
}

TEST_F(ServerTest, GzipRequestBodyIsInflated) {
  Start();
  std::string body = R"({"events":[1,2,3]})";
  ClientResponse response =
      RoundTrip(Post("/body", GzipDeflate(body), "Content-Encoding: gzip\r\n"));
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, body);
  EXPECT_EQ(response.Header("x-seen-encoding"), "gzip");
}

TEST_F(ServerTest, GzipBombIs413) {
  Start();
  std::string compressed = GzipDeflate(std::string(512 * 1024, '\0'), 9);
  ASSERT_LT(compressed.size(), 1024u);
  ClientResponse response = RoundTrip(Post("/body", compressed, "Content-Encoding: gzip\r\n"));
  ExpectJsonError(response, 413);
}

TEST_F(ServerTest, MalformedGzipIs400) {
  Start();
  ClientResponse response =
      RoundTrip(Post("/body", "not gzip at all", "Content-Encoding: gzip\r\n"));
  ExpectJsonError(response, 400);
  EXPECT_NE(response.body.find("Malformed gzip request body"), std::string::npos);
}

TEST_F(ServerTest, UnknownContentEncodingIs415) {
  Start();
  ExpectJsonError(RoundTrip(Post("/body", "xx", "Content-Encoding: br\r\n")), 415);
}

TEST_F(ServerTest, CompressesLargeResponseWhenAccepted) {
  Start();
  ClientResponse response = RoundTrip(Get("/big", "Accept-Encoding: gzip, deflate\r\n"));
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.Header("content-encoding"), "gzip");
  EXPECT_EQ(response.Header("vary"), "Accept-Encoding");
  EXPECT_LT(response.body.size(), kBigBody.size());
  auto inflated = GzipInflate(response.body, 1 << 20);
  ASSERT_TRUE(inflated.has_value());
  EXPECT_EQ(*inflated, kBigBody);
}

TEST_F(ServerTest, DoesNotCompressWhenNotAcceptedOrSmall) {
  Start();
  ClientResponse plain = RoundTrip(Get("/big"));
  EXPECT_FALSE(plain.HasHeader("content-encoding"));
  EXPECT_EQ(plain.body, kBigBody);

  ClientResponse refused = RoundTrip(Get("/big", "Accept-Encoding: gzip;q=0, br\r\n"));
  EXPECT_FALSE(refused.HasHeader("content-encoding"));
  EXPECT_EQ(refused.body, kBigBody);

  ClientResponse small = RoundTrip(Get("/hello", "Accept-Encoding: gzip\r\n"));
  EXPECT_FALSE(small.HasHeader("content-encoding"));
  EXPECT_EQ(small.body, R"({"hello":"world"})");

  ClientResponse star = RoundTrip(Get("/big", "Accept-Encoding: *\r\n"));
  EXPECT_EQ(star.Header("content-encoding"), "gzip");
}

TEST_F(ServerTest, OnlyGzipContentEncodingIsEverSent) {
  Start();
  ClientResponse pre = RoundTrip(Get("/precompressed", "Accept-Encoding: gzip\r\n"));
  EXPECT_EQ(pre.HeaderCount("content-encoding"), 1u);
  EXPECT_EQ(pre.Header("content-encoding"), "gzip");
  auto inflated = GzipInflate(pre.body, 1 << 20);
  ASSERT_TRUE(inflated.has_value());
  EXPECT_EQ(*inflated, kBigBody);

  ClientResponse bad = RoundTrip(Get("/badencoding", "Accept-Encoding: gzip\r\n"));
  EXPECT_EQ(bad.status, 200);
  EXPECT_FALSE(bad.HasHeader("content-encoding"));
}

TEST_F(ServerTest, KeepAliveServesTwoRequestsOnOneConnection) {
  Start();
  Client client(port_);
  client.Send(Get("/hello"));
  auto first = client.Read();
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->status, 200);
  EXPECT_NE(Lower(first->Header("connection")), "close");
  client.Send(Get("/echo/two"));
  auto second = client.Read();
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->status, 200);
  EXPECT_EQ(second->body.substr(0, 4), "two|");
  EXPECT_NE(first->Header("x-request-id"), second->Header("x-request-id"));
}

TEST_F(ServerTest, PipelinedRequestsAreAnsweredInOrder) {
  Start();
  Client client(port_);
  client.Send(Get("/echo/one") + Get("/echo/two") + Get("/nope"));
  auto a = client.Read();
  auto b = client.Read();
  auto c = client.Read();
  ASSERT_TRUE(a && b && c);
  EXPECT_EQ(a->body.substr(0, 4), "one|");
  EXPECT_EQ(b->body.substr(0, 4), "two|");
  EXPECT_EQ(c->status, 404);
}

TEST_F(ServerTest, ConnectionCloseIsHonoured) {
  Start();
  Client client(port_);
  client.Send(Get("/hello", "Connection: close\r\n"));
  auto response = client.Read();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(Lower(response->Header("connection")), "close");
  EXPECT_TRUE(client.ServerClosed());
}

TEST_F(ServerTest, Http10ClosesUnlessKeepAlive) {
  Start();
  {
    Client client(port_);
    client.Send("GET /hello HTTP/1.0\r\n\r\n");
    auto response = client.Read();
    ASSERT_TRUE(response.has_value());
    EXPECT_EQ(response->status, 200);
    EXPECT_TRUE(client.ServerClosed());
  }
  {
    Client client(port_);
    client.Send("GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    auto response = client.Read();
    ASSERT_TRUE(response.has_value());
    EXPECT_EQ(Lower(response->Header("connection")), "keep-alive");
    client.Send("GET /hello HTTP/1.0\r\n\r\n");
    auto again = client.Read();
    ASSERT_TRUE(again.has_value());
    EXPECT_EQ(again->status, 200);
  }
}

TEST_F(ServerTest, GarbageRequestIs400AndCloses) {
  Start();
  Client client(port_);
  client.Send("THIS IS NOT HTTP\r\n\r\n");
  auto response = client.Read();
  ASSERT_TRUE(response.has_value());
  ExpectJsonError(*response, 400);
  client.ShutdownWrite();
  EXPECT_TRUE(client.ServerClosed());
}

TEST_F(ServerTest, HugeHeaderIs431) {
  Start();
  Client client(port_);
  client.Send(Get("/hello", "X-Filler: " + std::string(4096, 'f') + "\r\n"));
  auto response = client.Read();
  ASSERT_TRUE(response.has_value());
  ExpectJsonError(*response, 431);
  client.ShutdownWrite();
  EXPECT_TRUE(client.ServerClosed());
}

TEST_F(ServerTest, HandlerExceptionIs500AndServerKeepsServing) {
  Start();
  Client client(port_);
  client.Send(Get("/throw"));
  auto response = client.Read();
  ASSERT_TRUE(response.has_value());
  ExpectJsonError(*response, 500);
  EXPECT_EQ(response->body.find("kaboom"), std::string::npos);
  client.Send(Get("/hello"));
  auto next = client.Read();
  ASSERT_TRUE(next.has_value());
  EXPECT_EQ(next->status, 200);
}

TEST_F(ServerTest, NoContentHasNoBodyOrLength) {
  Start();
  Client client(port_);
  client.Send("DELETE /nocontent HTTP/1.1\r\nHost: t\r\n\r\n");
  auto response = client.Read();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 204);
  EXPECT_FALSE(response->HasHeader("content-length"));
  EXPECT_FALSE(response->HasHeader("content-type"));
  client.Send(Get("/hello"));
  auto next = client.Read();
  ASSERT_TRUE(next.has_value());
  EXPECT_EQ(next->status, 200);
}

TEST_F(ServerTest, RepeatedHeadersKeptAndInvalidOnesDropped) {
  Start();
  ClientResponse response = RoundTrip(Get("/warn"));
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.HeaderCount("x-pulumi-warning"), 2u);
  EXPECT_FALSE(response.HasHeader("injected"));
  EXPECT_FALSE(response.HasHeader("x-bad"));
}

TEST_F(ServerTest, ExpectContinueGetsInterimResponse) {
  Start();
  Client client(port_);
  client.Send(
      "POST /body HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
  auto interim = client.Read();
  ASSERT_TRUE(interim.has_value());
  EXPECT_EQ(interim->status, 100);
  client.Send("hello");
  auto response = client.Read();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "hello");
}

TEST_F(ServerTest, HandlersRunOffTheIoThread) {
  // One io thread: if a handler blocked it, the second request could never be
  // read and the rendezvous would time out.
  Start(/*io_threads=*/1, /*worker_threads=*/2);
  Client a(port_);
  Client b(port_);
  a.Send(Get("/rendezvous"));
  b.Send(Get("/rendezvous"));
  auto ra = a.Read();
  auto rb = b.Read();
  ASSERT_TRUE(ra && rb);
  EXPECT_EQ(ra->status, 200);
  EXPECT_EQ(rb->status, 200);
}

TEST_F(ServerTest, RecordsMetrics) {
  Start();
  RoundTrip(Get("/hello"));
  RoundTrip(Get("/nope"));
  StopAndJoin();
  std::string text = metrics_.RenderPrometheus();
  EXPECT_NE(
      text.find("statehouse_http_requests_total{method=\"GET\",route=\"/hello\",status=\"200\"} 1"),
      std::string::npos);
  EXPECT_NE(
      text.find(
          "statehouse_http_requests_total{method=\"GET\",route=\"<unmatched>\",status=\"404\"} 1"),
      std::string::npos);
  EXPECT_NE(text.find("statehouse_http_response_bytes_total{route=\"/hello\"} 17"),
            std::string::npos);
  EXPECT_EQ(metrics_.InFlight(), 0);
}

TEST_F(ServerTest, StopReturnsPromptlyWithIdleKeepAliveClient) {
  Start();
  Client client(port_);
  client.Send(Get("/hello"));
  auto response = client.Read();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 200);
  Client silent(port_);  // connected, never sends a byte
  auto elapsed = StopAndJoin();
  EXPECT_LT(elapsed, 1000ms);
  EXPECT_TRUE(client.ServerClosed());
  EXPECT_TRUE(silent.ServerClosed());
}

TEST_F(ServerTest, StopReturnsPromptlyWithHalfSentRequestHead) {
  Start();
  Client client(port_);
  client.Send("POST /body HTTP/1.1\r\nHost: t\r\nContent-Le");
  std::this_thread::sleep_for(50ms);  // let the server start parsing the head
  auto elapsed = StopAndJoin();
  EXPECT_LT(elapsed, 1000ms);
  EXPECT_TRUE(client.ServerClosed());
}

TEST_F(ServerTest, DrainLetsInFlightRequestFinishWithConnectionClose) {
  Start();
  Client client(port_);
  client.Send(Get("/gate"));
  ASSERT_TRUE(gate_.WaitArrived(1));
  server_->Stop();
  auto deadline = std::chrono::steady_clock::now() + 2s;
  while (CanConnect(port_) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(5ms);
  }
  EXPECT_FALSE(CanConnect(port_));
  gate_.Open();
  auto response = client.Read();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(Lower(response->Header("connection")), "close");
  EXPECT_TRUE(client.ServerClosed());
  thread_.join();
}

TEST_F(ServerTest, ListenReportsBindFailure) {
  Start();
  ServerOptions options;
  options.host = "127.0.0.1";
  options.port = port_;
  Metrics metrics;
  Server other(options, router_, metrics);
  // SO_REUSEADDR does not allow two listeners on one port.
  auto result = other.Listen();
  ASSERT_FALSE(result.has_value());
  EXPECT_NE(result.error().message.find("bind"), std::string::npos);
}

TEST(ServerStandaloneTest, StopBeforeRunReturns) {
  Router router;
  Metrics metrics;
  ServerOptions options;
  options.port = 0;
  options.access_log = false;
  Server server(options, router, metrics);
  ASSERT_TRUE(server.Listen().has_value());
  server.Stop();
  auto start = std::chrono::steady_clock::now();
  server.Run();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);
}

}  // namespace
}  // namespace statehouse::http

namespace statehouse::http {
namespace {

// Body budget of 64 KiB; waiting for room gives up after `wait`.
class BodyBudgetServerTest : public ServerTest {
 protected:
  static constexpr size_t kBudget = 65536;
  void StartWithBudget(std::chrono::milliseconds wait = 100ms) {
    Start(2, 4, [&](ServerOptions& options) {
      options.max_body_memory_bytes = kBudget;
      options.body_memory_wait = wait;
    });
  }
  // Sends a 20000-byte body to /hold and waits until its handler holds it
  // (40000 bytes of the budget: the body and a working copy).
  std::unique_ptr<Client> Hold20000Bytes() {
    auto client = std::make_unique<Client>(port_);
    client->Send(Post("/hold", std::string(20000, 'h')));
    EXPECT_TRUE(gate_.WaitArrived(1));
    return client;
  }
  void ReleaseHolder(Client& holder) {
    gate_.Open();
    auto held = holder.Read();
    ASSERT_TRUE(held.has_value());
    EXPECT_EQ(held->status, 200);
    EXPECT_EQ(held->body, "20000");
  }
  std::string Metric(std::string_view line_prefix) {
    std::string text = "\n" + metrics_.RenderPrometheus();
    size_t at = text.find("\n" + std::string(line_prefix));
    if (at == std::string::npos) return "<missing>";
    at += 1 + line_prefix.size();
    return text.substr(at, text.find('\n', at) - at);
  }
  static std::string Chunked(std::string_view path, size_t chunks, size_t chunk_bytes) {
    std::string request = "POST " + std::string(path) +
                          " HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n";
    char size_hex[32];
    std::snprintf(size_hex, sizeof(size_hex), "%zx", chunk_bytes);
    for (size_t i = 0; i < chunks; ++i) {
      request += std::string(size_hex) + "\r\n" + std::string(chunk_bytes, 'c') + "\r\n";
    }
    return request + "0\r\n\r\n";
  }
};

TEST_F(BodyBudgetServerTest, FullBudgetIs503WithRetryAfterThenRoomComesBack) {
  StartWithBudget();
  auto holder = Hold20000Bytes();
  const auto start = std::chrono::steady_clock::now();
  ClientResponse busy = RoundTrip(Post("/sink", std::string(20000, 'b')));
  EXPECT_GE(std::chrono::steady_clock::now() - start, 100ms);  // waited briefly first
  ExpectJsonError(busy, 503);
  EXPECT_EQ(busy.Header("retry-after"), "1");
  EXPECT_EQ(Metric("statehouse_http_body_memory_rejections_total "), "1");

  ReleaseHolder(*holder);
  // Released when the request ended: the same body now fits.
  ClientResponse ok = RoundTrip(Post("/sink", std::string(20000, 'b')));
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.body, "20000");
  EXPECT_EQ(Metric("statehouse_http_body_memory_bytes{kind=\"in_use\"} "), "0");
  EXPECT_EQ(Metric("statehouse_http_body_memory_bytes{kind=\"budget\"} "), "65536");
  // The holder's 40000 and the refused request's 20000 received bytes.
  EXPECT_EQ(Metric("statehouse_http_body_memory_bytes{kind=\"peak\"} "), "60000");
}

TEST_F(BodyBudgetServerTest, WaitingRequestGetsInWhenRoomIsFreed) {
  StartWithBudget(5000ms);
  auto holder = Hold20000Bytes();
  std::thread opener([&] {
    std::this_thread::sleep_for(200ms);
    gate_.Open();
  });
  ClientResponse waited = RoundTrip(Post("/sink", std::string(20000, 'w')));
  opener.join();
  EXPECT_EQ(waited.status, 200);
  EXPECT_EQ(waited.body, "20000");
  auto held = holder->Read();
  ASSERT_TRUE(held.has_value());
  EXPECT_EQ(held->status, 200);
}

TEST_F(BodyBudgetServerTest, BodyLargerThanTheBudgetIs413WithoutWaiting) {
  StartWithBudget(5000ms);
  const auto start = std::chrono::steady_clock::now();
  ClientResponse response = RoundTrip(Post("/sink", std::string(70000, 'x')));
  ExpectJsonError(response, 413);
  EXPECT_NE(response.body.find("memory budget"), std::string::npos) << response.body;
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2000ms);
}

TEST_F(BodyBudgetServerTest, ChunkedBodyIsCountedAsItArrives) {
  StartWithBudget();
  ClientResponse over = RoundTrip(Chunked("/sink", 3, 25000));
  ExpectJsonError(over, 413);
  EXPECT_NE(over.body.find("memory budget"), std::string::npos) << over.body;

  auto holder = Hold20000Bytes();
  ClientResponse busy = RoundTrip(Chunked("/sink", 2, 10000));
  ExpectJsonError(busy, 503);
  EXPECT_EQ(busy.Header("retry-after"), "1");
  ReleaseHolder(*holder);
  ClientResponse ok = RoundTrip(Chunked("/sink", 2, 10000));
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.body, "20000");
}

TEST_F(BodyBudgetServerTest, InflatedBytesCountAgainstTheBudget) {
  StartWithBudget();
  const std::string small = GzipDeflate(std::string(20000, 'i'));
  ClientResponse alone = RoundTrip(Post("/sink", small, "Content-Encoding: gzip\r\n"));
  EXPECT_EQ(alone.status, 200);
  EXPECT_EQ(alone.body, "20000");

  // Inflating needs more than the budget even alone.
  ClientResponse over = RoundTrip(
      Post("/sink", GzipDeflate(std::string(60000, 'i')), "Content-Encoding: gzip\r\n"));
  ExpectJsonError(over, 413);
  EXPECT_NE(over.body.find("memory budget"), std::string::npos) << over.body;

  // The compressed bytes fit beside the held body, the inflated ones do not.
  auto holder = Hold20000Bytes();
  ClientResponse busy = RoundTrip(Post("/sink", small, "Content-Encoding: gzip\r\n"));
  ExpectJsonError(busy, 503);
  EXPECT_EQ(busy.Header("retry-after"), "1");
  ReleaseHolder(*holder);
  EXPECT_EQ(Metric("statehouse_http_body_memory_bytes{kind=\"in_use\"} "), "0");
}

}  // namespace
}  // namespace statehouse::http
