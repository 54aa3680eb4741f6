// CurlPoster against a loopback receiver: what is sent and captured, and the
// hardening (address policy, no redirects, http/https only, caps, timeout,
// cancellation).

#include "webhooks/curl_poster.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "test/integration/webhook_receiver.h"

namespace statehouse::webhooks {
namespace {

using statehouse::testing::ReceivedRequest;
using statehouse::testing::ReceiverReply;
using statehouse::testing::WebhookReceiver;
using std::chrono::milliseconds;

AddressPolicy Loopback() { return AddressPolicy(*ParseCidrList("127.0.0.0/8")); }

PostRequest Request(std::string url, std::string body = R"({"a":1})") {
  PostRequest request;
  request.url = std::move(url);
  request.body = std::move(body);
  request.headers = {{"Content-Type", "application/json"}, {"Pulumi-Webhook-Kind", "ping"}};
  request.timeout = milliseconds(5000);
  return request;
}

TEST(CurlPosterTest, PostsTheBodyAndHeadersAndCapturesTheAnswer) {
  WebhookReceiver receiver;
  ASSERT_TRUE(receiver.ok());
  receiver.SetHandler([](const ReceivedRequest&, int) {
    return ReceiverReply{201, "created", {{"X-One", "1"}, {"X-Two", "two"}}};
  });
  CurlPoster poster(Loopback());
  PostResult result = poster.Post(
      Request(receiver.Url("/p?q=1"), R"({"big":")" + std::string(5000, 'x') + R"("})"));
  EXPECT_EQ(result.status, 201) << result.error;
  EXPECT_EQ(result.body, "created");
  EXPECT_EQ(result.error, "");
  EXPECT_NE(result.headers.find("X-One: 1\r\n"), std::string::npos) << result.headers;
  EXPECT_NE(result.headers.find("X-Two: two\r\n"), std::string::npos) << result.headers;
  EXPECT_EQ(result.headers.find("HTTP/1.1"), std::string::npos) << result.headers;
  EXPECT_GE(result.duration_ms, 0);

  auto requests = receiver.Requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].method, "POST");
  EXPECT_EQ(requests[0].target, "/p?q=1");
  EXPECT_EQ(requests[0].body.size(), 5000u + 10);
  EXPECT_EQ(requests[0].Header("content-type"), "application/json");
  EXPECT_EQ(requests[0].Header("pulumi-webhook-kind"), "ping");
  EXPECT_FALSE(requests[0].headers.contains("expect"));  // no 100-continue round trip

  // A second post reuses the pooled handle.
  EXPECT_EQ(poster.Post(Request(receiver.Url())).status, 201);
}

TEST(CurlPosterTest, RefusesAddressesThePolicyDenies) {
  WebhookReceiver receiver;
  ASSERT_TRUE(receiver.ok());
  CurlPoster poster{AddressPolicy()};
  for (const std::string& url :
       {receiver.Url(), "http://localhost:" + std::to_string(receiver.port()) + "/",
        "http://[::1]:" + std::to_string(receiver.port()) + "/"}) {
    PostResult result = poster.Post(Request(url));
    EXPECT_EQ(result.status, 0) << url;
    EXPECT_NE(result.error.find("not allowed"), std::string::npos) << url << ": " << result.error;
  }
  EXPECT_EQ(receiver.Count(), 0u);
}

TEST(CurlPosterTest, DoesNotFollowRedirects) {
  WebhookReceiver receiver;
  ASSERT_TRUE(receiver.ok());
  receiver.SetHandler([&](const ReceivedRequest& request, int) {
    if (request.target == "/from")
      return ReceiverReply{307, "", {{"Location", receiver.Url("/to")}}};
    return ReceiverReply{200, "followed"};
  });
  CurlPoster poster(Loopback());
  PostResult result = poster.Post(Request(receiver.Url("/from")));
  EXPECT_EQ(result.status, 307);
  std::this_thread::sleep_for(milliseconds(100));
  EXPECT_EQ(receiver.Count(), 1u);
}

TEST(CurlPosterTest, OnlyHttpAndHttps) {
  CurlPoster poster(AddressPolicy(*ParseCidrList("0.0.0.0/0,::/0")));
  for (const char* url : {"ftp://127.0.0.1/x", "file:///etc/passwd", "gopher://127.0.0.1/",
                          "dict://127.0.0.1:11211/stat"}) {
    PostResult result = poster.Post(Request(url));
    EXPECT_EQ(result.status, 0) << url;
    EXPECT_FALSE(result.error.empty()) << url;
  }
}

TEST(CurlPosterTest, CapsTheBodyAndRepairsItsEncoding) {
  WebhookReceiver receiver;
  ASSERT_TRUE(receiver.ok());
  receiver.SetHandler([](const ReceivedRequest&, int) {
    return ReceiverReply{500, "bad \xFF\xFE bytes " + std::string(100, 'y')};
  });
  CurlPoster poster(Loopback(), /*max_response_bytes=*/32);
  PostResult result = poster.Post(Request(receiver.Url()));
  EXPECT_EQ(result.status, 500);
  EXPECT_EQ(result.body,
            "bad \xEF\xBF\xBD\xEF\xBF\xBD bytes " + std::string(19, 'y'));  // 32 bytes kept
}

TEST(CurlPosterTest, TimesOutAndCanBeCancelled) {
  WebhookReceiver receiver;
  ASSERT_TRUE(receiver.ok());
  receiver.SetHandler([](const ReceivedRequest&, int) {
    std::this_thread::sleep_for(milliseconds(1500));
    return ReceiverReply{};
  });
  CurlPoster poster(Loopback());
  PostRequest slow = Request(receiver.Url());
  slow.timeout = milliseconds(200);
  PostResult timed_out = poster.Post(slow);
  EXPECT_EQ(timed_out.status, 0);
  EXPECT_NE(timed_out.error.find("imeout"), std::string::npos) << timed_out.error;
  EXPECT_LT(timed_out.duration_ms, 1200);

  std::atomic<bool> cancel{false};
  PostRequest cancellable = Request(receiver.Url());
  cancellable.cancel = &cancel;
  std::thread canceller([&] {
    std::this_thread::sleep_for(milliseconds(100));
    cancel = true;
  });
  const auto start = std::chrono::steady_clock::now();
  PostResult cancelled = poster.Post(cancellable);
  canceller.join();
  EXPECT_TRUE(cancelled.cancelled) << cancelled.error;
  EXPECT_EQ(cancelled.status, 0);
  EXPECT_LT(std::chrono::steady_clock::now() - start, milliseconds(1400));
}

TEST(ToValidUtf8Test, KeepsValidTextAndReplacesTheRest) {
  EXPECT_EQ(ToValidUtf8("plain"), "plain");
  EXPECT_EQ(ToValidUtf8("caf\xC3\xA9 \xF0\x9F\x8D\xB9"), "caf\xC3\xA9 \xF0\x9F\x8D\xB9");
  EXPECT_EQ(ToValidUtf8("\xC3"), "\xEF\xBF\xBD");                                  // truncated
  EXPECT_EQ(ToValidUtf8("\xC0\xAF"), "\xEF\xBF\xBD\xEF\xBF\xBD");                  // overlong
  EXPECT_EQ(ToValidUtf8("\xED\xA0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // surrogate
  EXPECT_EQ(ToValidUtf8("\xF4\x90\x80\x80").substr(0, 3), "\xEF\xBF\xBD");         // > U+10FFFF
  EXPECT_EQ(ToValidUtf8(std::string("a\0b", 3)), std::string("a\0b", 3));
}

}  // namespace
}  // namespace statehouse::webhooks
