// Webhooks over real sockets: the REST routes, deliveries to a loopback
// receiver (headers, signature, payloads of real stack actions), retries,
// redirects, the address policy, and the durable queue across kill -9.

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <chrono>
#include <set>
#include <string>
#include <thread>

#include "test/integration/harness.h"
#include "test/integration/update_driver.h"
#include "test/integration/webhook_receiver.h"

namespace statehouse::testing {
namespace {

namespace json = boost::json;
using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr char kPingMessage[] =
    "\xF0\x9F\x8D\xB9 Just a friendly ping from Pulumi \xF0\x9F\x8D\xB9";

// Flags that let deliveries reach the loopback receiver and make retries fast.
std::vector<std::string> WebhookFlags(std::string retry_base_ms = "20",
                                      std::string timeout_seconds = "5") {
  return {"--webhook-allow-cidr",      "127.0.0.0/8",  "--webhook-retry-base-ms", retry_base_ms,
          "--webhook-timeout-seconds", timeout_seconds};
}

ServerConfig ConfigWith(std::vector<std::string> extra_args) {
  ServerConfig config;
  config.extra_args = std::move(extra_args);
  return config;
}

std::string HmacHex(std::string_view key, std::string_view body) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(body.data()), body.size(), digest, &size);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < size; ++i) {
    out.push_back(kHex[digest[i] >> 4]);
    out.push_back(kHex[digest[i] & 0xf]);
  }
  return out;
}

std::string OrgHooks(std::string_view org) { return "/api/orgs/" + std::string(org) + "/hooks"; }
std::string StackHooks(std::string_view org, std::string_view project, std::string_view stack) {
  return StackPath(org, project, stack) + "/hooks";
}

std::string HookBody(std::string_view org, std::string_view name, std::string_view url,
                     const json::object& extra = {}) {
  json::object body{{"organizationName", org},
                    {"displayName", "Hook " + std::string(name)},
                    {"payloadUrl", url},
                    {"active", true}};
  if (!name.empty()) body["name"] = name;
  for (const auto& kv : extra) body[kv.key()] = kv.value();
  return Json(body);
}

// Polls `done` every 20 ms until it holds or `timeout` passes.
template <class Fn>
bool Eventually(Fn done, milliseconds timeout = seconds(20)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(milliseconds(20));
  }
  return done();
}

json::array Deliveries(HttpClient& client, const std::string& hook_path) {
  HttpResponse r = client.Get(hook_path + "/deliveries");
  EXPECT_EQ(r.status, 200) << r;
  if (r.status != 200) return {};
  json::value body = ParseJson(r.body);
  EXPECT_TRUE(body.is_array()) << r.body;
  return body.is_array() ? body.as_array() : json::array();
}

std::vector<ReceivedRequest> OfKind(const std::vector<ReceivedRequest>& requests,
                                    std::string_view kind) {
  std::vector<ReceivedRequest> out;
  for (const auto& r : requests) {
    if (r.Header("pulumi-webhook-kind") == kind) out.push_back(r);
  }
  return out;
}

// One server with the loopback allow flag for the whole suite.
class WebhooksTest : public ::testing::Test {
 public:
  static void SetUpTestSuite() {
    server_ = new ServerProcess(ConfigWith(WebhookFlags()));
    if (auto started = server_->Start(); !started) failure_ = started.message();
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }

 protected:
  void SetUp() override {
    ASSERT_TRUE(failure_.empty()) << failure_;
    ASSERT_TRUE(receiver_.ok());
    admin_ = std::make_unique<HttpClient>(*server_, server_->bootstrap_token());
    alice_login_ = UniqueName("alice");
    alice_ = std::make_unique<HttpClient>(*server_, CreateUser(*admin_, alice_login_));
    org_ = UniqueName("acme");
    CreateOrg(*admin_, org_, alice_login_);
  }

  json::value CreateHook(const std::string& path, const std::string& body) {
    HttpResponse r = alice_->Post(path, body);
    EXPECT_EQ(r.status, 201) << r;
    return r.status == 201 ? ParseJson(r.body) : json::value();
  }

  static ServerProcess* server_;
  static std::string failure_;
  WebhookReceiver receiver_;
  std::unique_ptr<HttpClient> admin_, alice_;
  std::string alice_login_, org_;
};

ServerProcess* WebhooksTest::server_ = nullptr;
std::string WebhooksTest::failure_;

TEST_F(WebhooksTest, CreateGetListPatchDelete) {
  json::value created = CreateHook(
      OrgHooks(org_), HookBody(org_, "deploys", "https://hooks.example.com/a",
                               {{"secret", "s3cret-value"},
                                {"filters", json::array{"update_failed", "stack_created"}},
                                {"groups", json::array{"stacks"}},
                                {"format", "slack"}}));
  const json::object& hook = created.as_object();
  EXPECT_EQ(GetString(hook, "organizationName"), org_);
  EXPECT_EQ(GetString(hook, "name"), "deploys");
  EXPECT_EQ(GetString(hook, "displayName"), "Hook deploys");
  EXPECT_EQ(GetString(hook, "payloadUrl"), "https://hooks.example.com/a");
  EXPECT_EQ(hook.at("active"), true);
  EXPECT_EQ(GetString(hook, "format"), "slack");
  EXPECT_EQ(hook.at("filters"), (json::array{"update_failed", "stack_created"}));
  EXPECT_EQ(hook.at("groups"), (json::array{"stacks"}));
  EXPECT_EQ(hook.at("hasSecret"), true);
  const std::string ciphertext = GetString(hook, "secretCiphertext");
  EXPECT_FALSE(ciphertext.empty());
  EXPECT_EQ(ciphertext.find("s3cret"), std::string::npos);
  EXPECT_FALSE(hook.contains("secret"));
  EXPECT_FALSE(hook.contains("projectName"));
  EXPECT_EQ(created.as_object().size(), 10u) << Json(created);

  // Name generated when omitted: 8 hex digits; defaults for format/filters/groups.
  json::value generated = CreateHook(OrgHooks(org_), HookBody(org_, "", "http://h.example.com"));
  const std::string gen_name = GetString(generated, "name");
  EXPECT_EQ(gen_name.size(), 8u) << gen_name;
  EXPECT_EQ(gen_name.find_first_not_of("0123456789abcdef"), std::string::npos) << gen_name;
  EXPECT_EQ(GetString(generated, "format"), "raw");
  EXPECT_EQ(generated.at("filters"), json::array());
  EXPECT_EQ(generated.at("groups"), json::array());
  EXPECT_EQ(generated.at("hasSecret"), false);
  EXPECT_EQ(GetString(generated, "secretCiphertext"), "");

  ExpectJsonError(alice_->Post(OrgHooks(org_), HookBody(org_, "deploys", "https://x.example")),
                  409);

  HttpResponse list = alice_->Get(OrgHooks(org_));
  ASSERT_EQ(list.status, 200) << list;
  json::value listed = ParseJson(list.body);
  ASSERT_TRUE(listed.is_array()) << list.body;
  ASSERT_EQ(listed.as_array().size(), 2u);
  std::set<std::string> names;
  for (const auto& h : listed.as_array()) names.insert(GetString(h, "name"));
  EXPECT_EQ(names, (std::set<std::string>{"deploys", gen_name}));

  const std::string path = OrgHooks(org_) + "/deploys";
  HttpResponse got = alice_->Get(path);
  ASSERT_EQ(got.status, 200) << got;
  EXPECT_EQ(ParseJson(got.body), created);

  // PATCH merges: absent fields (the secret included) keep their value.
  HttpResponse patched = alice_->Patch(path, Json({{"displayName", "Renamed display"},
                                                   {"active", false},
                                                   {"filters", json::array{"preview_failed"}}}));
  ASSERT_EQ(patched.status, 200) << patched;
  json::value p = ParseJson(patched.body);
  EXPECT_EQ(GetString(p, "displayName"), "Renamed display");
  EXPECT_EQ(p.at("active"), false);
  EXPECT_EQ(p.at("filters"), (json::array{"preview_failed"}));
  EXPECT_EQ(p.at("groups"), (json::array{"stacks"}));
  EXPECT_EQ(GetString(p, "payloadUrl"), "https://hooks.example.com/a");
  EXPECT_EQ(p.at("hasSecret"), true);
  EXPECT_EQ(GetString(p, "secretCiphertext"), ciphertext);

  // A new secret changes the ciphertext; "" removes it.
  p = ParseJson(alice_->Patch(path, Json({{"secret", "other"}})).body);
  EXPECT_EQ(p.at("hasSecret"), true);
  EXPECT_NE(GetString(p, "secretCiphertext"), ciphertext);
  p = ParseJson(alice_->Patch(path, Json({{"secret", ""}})).body);
  EXPECT_EQ(p.at("hasSecret"), false);
  EXPECT_EQ(GetString(p, "secretCiphertext"), "");

  // The provider's full body (same name, organizationName) is accepted.
  HttpResponse full = alice_->Patch(path, HookBody(org_, "deploys", "https://hooks.example.com/b"));
  ASSERT_EQ(full.status, 200) << full;
  EXPECT_EQ(GetString(ParseJson(full.body), "payloadUrl"), "https://hooks.example.com/b");

  // Rename, and renaming onto a taken name.
  ExpectJsonError(alice_->Patch(path, Json({{"name", gen_name}})), 409);
  HttpResponse renamed = alice_->Patch(path, Json({{"name", "deploys-2"}}));
  ASSERT_EQ(renamed.status, 200) << renamed;
  ExpectJsonError(alice_->Get(path), 404);
  ExpectJsonError(alice_->Patch(OrgHooks(org_) + "/missing", Json({{"active", true}})), 404);

  HttpResponse deleted = alice_->Delete(OrgHooks(org_) + "/deploys-2");
  EXPECT_EQ(deleted.status, 204) << deleted;
  EXPECT_TRUE(deleted.body.empty());
  ExpectJsonError(alice_->Get(OrgHooks(org_) + "/deploys-2"), 404);
  ExpectJsonError(alice_->Delete(OrgHooks(org_) + "/deploys-2"), 404);
  EXPECT_EQ(ParseJson(alice_->Get(OrgHooks(org_)).body).as_array().size(), 1u);
}

TEST_F(WebhooksTest, StackWebhooksLiveInTheirStack) {
  ASSERT_EQ(CreateStack(*alice_, org_, "site", "prod").status, 200);
  ASSERT_EQ(CreateStack(*alice_, org_, "site", "dev").status, 200);
  const std::string prod = StackHooks(org_, "site", "prod");
  json::value created =
      CreateHook(prod, HookBody(org_, "notify", "https://h.example.com",
                                {{"projectName", "site"}, {"stackName", "prod"}}));
  EXPECT_EQ(GetString(created, "projectName"), "site");
  EXPECT_EQ(GetString(created, "stackName"), "prod");
  EXPECT_EQ(GetString(created, "organizationName"), org_);
  // Same name in another stack and in the org is fine.
  CreateHook(StackHooks(org_, "site", "dev"), HookBody(org_, "notify", "https://h.example.com"));
  CreateHook(OrgHooks(org_), HookBody(org_, "notify", "https://h.example.com"));
  ExpectJsonError(alice_->Post(prod, HookBody(org_, "notify", "https://h.example.com")), 409);

  EXPECT_EQ(ParseJson(alice_->Get(prod).body).as_array().size(), 1u);
  HttpResponse got = alice_->Get(prod + "/notify");
  ASSERT_EQ(got.status, 200) << got;
  EXPECT_EQ(GetString(ParseJson(got.body), "stackName"), "prod");

  // Mismatched scope names and org-only filters are refused.
  ExpectJsonError(
      alice_->Post(prod, HookBody(org_, "x", "https://h.example.com", {{"stackName", "dev"}})),
      400);
  ExpectJsonError(
      alice_->Post(prod, HookBody(org_, "x", "https://h.example.com", {{"projectName", "other"}})),
      400);
  HttpResponse org_only = alice_->Post(prod, HookBody(org_, "x", "https://h.example.com",
                                                      {{"filters", json::array{"stack_created"}}}));
  ExpectJsonError(org_only, 400);
  EXPECT_NE(ErrorMessage(org_only).find("stack_created"), std::string::npos) << org_only;

  EXPECT_EQ(alice_->Delete(prod + "/notify").status, 204);
  ExpectJsonError(alice_->Get(prod + "/notify"), 404);
  EXPECT_EQ(alice_->Get(OrgHooks(org_) + "/notify").status, 200);
  ExpectJsonError(alice_->Get(StackHooks(org_, "site", "missing")), 404);
}

TEST_F(WebhooksTest, InvalidBodiesAre400) {
  const std::string path = OrgHooks(org_);
  auto expect_400 = [&](const std::string& body, std::string_view mention) {
    HttpResponse r = alice_->Post(path, body);
    ExpectJsonError(r, 400);
    EXPECT_NE(ErrorMessage(r).find(mention), std::string::npos) << body << " -> " << r;
  };
  expect_400(HookBody("someone-else", "a", "https://h.example.com"), "organizationName");
  expect_400(
      Json({{"displayName", "d"}, {"payloadUrl", "https://h.example.com"}, {"active", true}}),
      "organizationName");
  expect_400(Json({{"organizationName", org_}, {"payloadUrl", "https://h"}, {"active", true}}),
             "displayName");
  expect_400(Json({{"organizationName", org_}, {"displayName", "d"}, {"active", true}}),
             "payloadUrl");
  expect_400(Json({{"organizationName", org_}, {"displayName", "d"}, {"payloadUrl", "https://h"}}),
             "active");
  expect_400(HookBody(org_, "a", "ftp://h.example.com/x"), "payloadUrl");
  expect_400(HookBody(org_, "a", "not a url"), "payloadUrl");
  expect_400(HookBody(org_, "a", "http://"), "payloadUrl");
  expect_400(HookBody(org_, "a", "file:///etc/passwd"), "payloadUrl");
  expect_400(HookBody(org_, "has space", "https://h.example.com"), "name");
  expect_400(HookBody(org_, "a", "https://h.example.com", {{"displayName", ""}}), "displayName");
  expect_400(HookBody(org_, "a", "https://h.example.com", {{"format", "xml"}}), "format");
  expect_400(HookBody(org_, "a", "https://h.example.com", {{"format", "pulumi_deployments"}}),
             "pulumi_deployments");
  expect_400(HookBody(org_, "a", "https://h.example.com", {{"filters", json::array{"nope"}}}),
             "nope");
  expect_400(HookBody(org_, "a", "https://h.example.com", {{"filters", "update_failed"}}),
             "filters");
  expect_400(HookBody(org_, "a", "https://h.example.com", {{"groups", json::array{"teams"}}}),
             "groups");
  expect_400(HookBody(org_, "a", "https://h.example.com", {{"projectName", "p"}}), "projectName");
  expect_400(HookBody(org_, "a", "https://h.example.com", {{"active", "yes"}}), "active");
  ExpectJsonError(alice_->Post(path, "not json"), 400);
  EXPECT_EQ(ParseJson(alice_->Get(path).body).as_array().size(), 0u);

  // Case of the org name does not matter; unknown fields and nulls are ignored.
  std::string upper = org_;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  CreateHook(path, HookBody(upper, "ok", "https://h.example.com",
                            {{"envName", "x"}, {"filters", nullptr}, {"secret", nullptr}}));
}

TEST_F(WebhooksTest, OnlyOrgAdminsManageOrgWebhooksAndStackWritersStackOnes) {
  const std::string bob_login = UniqueName("bob");
  HttpClient bob(*server_, CreateUser(*admin_, bob_login));
  const std::string path = OrgHooks(org_);
  ExpectJsonError(bob.Get(path), 404);  // not a member
  AddMember(*alice_, org_, bob_login);
  ExpectJsonError(bob.Get(path), 403);
  ExpectJsonError(bob.Post(path, HookBody(org_, "b", "https://h.example.com")), 403);
  ExpectJsonError(HttpClient(*server_, "").Get(path), 401);

  ASSERT_EQ(CreateStack(*alice_, org_, "site", "prod").status, 200);
  const std::string stack_path = StackHooks(org_, "site", "prod");
  ExpectJsonError(bob.Get(stack_path), 404);  // no access to the stack at all
  // Members read every stack: still not enough to manage its webhooks.
  ASSERT_EQ(alice_->Patch("/api/orgs/" + org_, Json({{"setDefaultStackPermission", 101}})).status,
            200);
  ExpectJsonError(bob.Post(stack_path, HookBody(org_, "b", "https://h.example.com")), 403);
  ASSERT_EQ(alice_->Patch("/api/orgs/" + org_, Json({{"setDefaultStackPermission", 102}})).status,
            200);
  HttpResponse created = bob.Post(stack_path, HookBody(org_, "b", "https://h.example.com"));
  EXPECT_EQ(created.status, 201) << created;
}

TEST_F(WebhooksTest, PingIsSignedRecordedAndRedeliverable) {
  receiver_.SetHandler([](const ReceivedRequest&, int) {
    return ReceiverReply{202, "thanks \xC3\xA9", {{"X-Receiver", "yes"}}};
  });
  const std::string path = OrgHooks(org_) + "/pinged";
  CreateHook(OrgHooks(org_),
             HookBody(org_, "pinged", receiver_.Url("/in?x=1"), {{"secret", "mysecret"}}));

  HttpResponse ping = alice_->Post(path + "/ping", "");
  ASSERT_EQ(ping.status, 200) << ping;
  json::value record = ParseJson(ping.body);
  ASSERT_EQ(receiver_.Count(), 1u);  // synchronous
  ReceivedRequest got = receiver_.Requests().at(0);
  EXPECT_EQ(got.method, "POST");
  EXPECT_EQ(got.target, "/in?x=1");
  EXPECT_EQ(got.Header("content-type"), "application/json");
  EXPECT_EQ(got.Header("pulumi-webhook-kind"), "ping");
  EXPECT_EQ(got.Header("pulumi-webhook-id"), GetString(record, "id"));
  EXPECT_EQ(got.Header("pulumi-webhook-signature"), HmacHex("mysecret", got.body));
  json::value body = ParseJson(got.body);
  EXPECT_EQ(GetString(body, "message"), kPingMessage);
  const int64_t timestamp = GetInt(body, "timestamp").value_or(0);
  EXPECT_EQ(got.body, "{\"timestamp\":" + std::to_string(timestamp) + ",\"message\":\"" +
                          kPingMessage + "\"}");

  const json::object& r = record.as_object();
  EXPECT_EQ(r.size(), 10u) << ping.body;
  EXPECT_EQ(GetString(r, "id").size(), 36u);
  EXPECT_EQ(GetString(r, "kind"), "ping");
  EXPECT_EQ(GetString(r, "payload"), got.body);
  EXPECT_EQ(GetInt(r, "timestamp"), timestamp);
  EXPECT_GE(GetInt(r, "duration").value_or(-1), 0);
  EXPECT_EQ(GetString(r, "requestUrl"), receiver_.Url("/in?x=1"));
  const std::string request_headers = GetString(r, "requestHeaders");
  EXPECT_NE(request_headers.find("Content-Type: application/json\r\n"), std::string::npos);
  EXPECT_NE(request_headers.find("Pulumi-Webhook-Id: " + GetString(r, "id") + "\r\n"),
            std::string::npos);
  EXPECT_NE(request_headers.find("Pulumi-Webhook-Kind: ping\r\n"), std::string::npos);
  EXPECT_NE(
      request_headers.find("Pulumi-Webhook-Signature: " + HmacHex("mysecret", got.body) + "\r\n"),
      std::string::npos);
  EXPECT_EQ(GetInt(r, "responseCode"), 202);
  EXPECT_NE(GetString(r, "responseHeaders").find("X-Receiver: yes\r\n"), std::string::npos);
  EXPECT_EQ(GetString(r, "responseBody"), "thanks \xC3\xA9");

  json::array list = Deliveries(*alice_, path);
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0], record);

  // Redeliver: same payload, new id, newest first.
  HttpResponse again = alice_->Post(path + "/deliveries/" + GetString(r, "id") + "/redeliver", "");
  ASSERT_EQ(again.status, 200) << again;
  json::value second = ParseJson(again.body);
  EXPECT_NE(GetString(second, "id"), GetString(r, "id"));
  EXPECT_EQ(GetString(second, "payload"), got.body);
  EXPECT_EQ(GetString(second, "kind"), "ping");
  ASSERT_EQ(receiver_.Count(), 2u);
  ReceivedRequest redelivered = receiver_.Requests().at(1);
  EXPECT_EQ(redelivered.body, got.body);
  EXPECT_EQ(redelivered.Header("pulumi-webhook-id"), GetString(second, "id"));
  EXPECT_EQ(redelivered.Header("pulumi-webhook-signature"), HmacHex("mysecret", got.body));
  list = Deliveries(*alice_, path);
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(GetString(list[0], "id"), GetString(second, "id"));
  EXPECT_EQ(GetString(list[1], "id"), GetString(r, "id"));

  ExpectJsonError(alice_->Post(path + "/deliveries/nope/redeliver", ""), 404);
  ExpectJsonError(alice_->Post(OrgHooks(org_) + "/missing/ping", ""), 404);
  ExpectJsonError(alice_->Get(OrgHooks(org_) + "/missing/deliveries"), 404);

  // Without a secret there is no signature header.
  ASSERT_EQ(alice_->Patch(path, Json({{"secret", ""}})).status, 200);
  ASSERT_EQ(alice_->Post(path + "/ping", "").status, 200);
  ASSERT_EQ(receiver_.Count(), 3u);
  EXPECT_FALSE(receiver_.Requests().at(2).headers.contains("pulumi-webhook-signature"));
}

TEST_F(WebhooksTest, ChatFormatsPingWithTheirOwnBodies) {
  CreateHook(OrgHooks(org_), HookBody(org_, "slack", receiver_.Url(), {{"format", "slack"}}));
  CreateHook(OrgHooks(org_), HookBody(org_, "teams", receiver_.Url(), {{"format", "ms_teams"}}));
  ASSERT_EQ(alice_->Post(OrgHooks(org_) + "/slack/ping", "").status, 200);
  ASSERT_EQ(alice_->Post(OrgHooks(org_) + "/teams/ping", "").status, 200);
  auto requests = receiver_.Requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(GetString(ParseJson(requests[0].body), "text"), kPingMessage);
  json::value card = ParseJson(requests[1].body);
  EXPECT_EQ(GetString(card, "@type"), "MessageCard");
  EXPECT_EQ(GetString(card, "@context"), "https://schema.org/extensions");
  EXPECT_EQ(GetString(card, "text"), kPingMessage);
}

TEST_F(WebhooksTest, RedirectsAreNotFollowed) {
  receiver_.SetHandler([this](const ReceivedRequest& request, int) {
    if (request.target == "/moved") {
      return ReceiverReply{302, "", {{"Location", receiver_.Url("/elsewhere")}}};
    }
    return ReceiverReply{200, "reached"};
  });
  CreateHook(OrgHooks(org_), HookBody(org_, "moved", receiver_.Url("/moved")));
  HttpResponse ping = alice_->Post(OrgHooks(org_) + "/moved/ping", "");
  ASSERT_EQ(ping.status, 200) << ping;
  EXPECT_EQ(GetInt(ParseJson(ping.body), "responseCode"), 302);
  EXPECT_NE(GetString(ParseJson(ping.body), "responseHeaders").find("Location: "),
            std::string::npos);
  std::this_thread::sleep_for(milliseconds(200));  // a followed redirect would show up here
  auto requests = receiver_.Requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].target, "/moved");
}

TEST_F(WebhooksTest, StackCreatedAndDeletedReachOrgWebhooksOnly) {
  CreateHook(OrgHooks(org_), HookBody(org_, "stacks", receiver_.Url("/org"),
                                      {{"filters", json::array{"stack_created", "stack_deleted"}},
                                       {"secret", "k"}}));
  ASSERT_EQ(CreateStack(*alice_, org_, "site", "prod").status, 200);
  CreateHook(StackHooks(org_, "site", "prod"), HookBody(org_, "own", receiver_.Url("/stack")));
  ASSERT_EQ(CreateStack(*alice_, org_, "site", "dev").status, 200);

  ASSERT_TRUE(receiver_.WaitForCount(2, seconds(20))) << "stack-created events did not arrive";
  auto requests = receiver_.Requests();
  std::set<std::string> stacks;
  for (const auto& r : requests) {
    EXPECT_EQ(r.target, "/org");
    EXPECT_EQ(r.Header("pulumi-webhook-kind"), "stack");
    EXPECT_EQ(r.Header("pulumi-webhook-signature"), HmacHex("k", r.body));
    json::value body = ParseJson(r.body);
    EXPECT_EQ(GetString(body, "action"), "created");
    EXPECT_EQ(GetString(body.at("organization"), "githubLogin"), org_);
    EXPECT_EQ(GetString(body.at("organization"), "name"), org_);
    EXPECT_EQ(GetString(body.at("user"), "githubLogin"), alice_login_);
    EXPECT_EQ(GetString(body, "projectName"), "site");
    stacks.insert(GetString(body, "stackName"));
  }
  EXPECT_EQ(stacks, (std::set<std::string>{"prod", "dev"}));

  ASSERT_EQ(alice_->Delete(StackPath(org_, "site", "dev")).status, 204);
  ASSERT_TRUE(receiver_.WaitForCount(3, seconds(20))) << "stack-deleted event did not arrive";
  ReceivedRequest deleted = receiver_.Requests().at(2);
  EXPECT_EQ(GetString(ParseJson(deleted.body), "action"), "deleted");
  EXPECT_EQ(GetString(ParseJson(deleted.body), "stackName"), "dev");
  std::this_thread::sleep_for(milliseconds(300));
  EXPECT_EQ(receiver_.Count(), 3u);  // the stack's own webhook got none of these

  json::array records = Deliveries(*alice_, OrgHooks(org_) + "/stacks");
  ASSERT_EQ(records.size(), 3u);
  for (const auto& rec : records) {
    EXPECT_EQ(GetString(rec, "kind"), "stack");
    EXPECT_EQ(GetInt(rec, "responseCode"), 200);
  }
}

TEST_F(WebhooksTest, UpdateAndPreviewResultsArrive) {
  ASSERT_EQ(CreateStack(*alice_, org_, "site", "prod").status, 200);
  const std::string stack = StackPath(org_, "site", "prod");
  CreateHook(StackHooks(org_, "site", "prod"),
             HookBody(org_, "results", receiver_.Url(),
                      {{"filters", json::array{"update_succeeded", "preview_failed"}}}));
  CreateHook(OrgHooks(org_), HookBody(org_, "all", receiver_.Url("/all")));

  ReplayDriver driver(*alice_, *server_, stack);
  ReplayUpdate update = driver.Begin("update", false);
  ASSERT_EQ(driver.Verbatim(update, ReplayDeployment(org_, "site", "prod", 1), 1).status, 204);
  ASSERT_EQ(driver.Complete(update).status, 204);
  ReplayUpdate preview = driver.Begin("preview", true);
  ASSERT_EQ(driver.Complete(preview, "failed").status, 204);

  // Stack hook: update_succeeded and preview_failed; org hook: both as well.
  ASSERT_TRUE(receiver_.WaitForCount(4, seconds(20)))
      << "got " << receiver_.Count() << " deliveries";
  std::this_thread::sleep_for(milliseconds(300));
  auto requests = receiver_.Requests();
  ASSERT_EQ(requests.size(), 4u);
  for (const std::string target : {"/hook", "/all"}) {
    std::vector<ReceivedRequest> mine;
    for (const auto& r : requests) {
      if (r.target == target) mine.push_back(r);
    }
    auto updates = OfKind(mine, "stack_update");
    auto previews = OfKind(mine, "stack_preview");
    ASSERT_EQ(updates.size(), 1u) << target;
    ASSERT_EQ(previews.size(), 1u) << target;
    json::value u = ParseJson(updates[0].body);
    EXPECT_EQ(GetString(u, "kind"), "update");
    EXPECT_EQ(GetString(u, "result"), "succeeded");
    EXPECT_EQ(u.at("isPreview"), false);
    EXPECT_EQ(GetString(u, "projectName"), "site");
    EXPECT_EQ(GetString(u, "stackName"), "prod");
    EXPECT_EQ(GetString(u.at("user"), "githubLogin"), alice_login_);
    const std::string url = GetString(u, "updateUrl");
    EXPECT_TRUE(url.ends_with("/" + org_ + "/site/prod/updates/" + std::to_string(update.version)))
        << url;
    EXPECT_TRUE(u.at("resourceChanges").is_object());
    json::value pv = ParseJson(previews[0].body);
    EXPECT_EQ(GetString(pv, "result"), "failed");
    EXPECT_EQ(pv.at("isPreview"), true);
    EXPECT_EQ(GetString(pv, "kind"), "update");
    EXPECT_TRUE(GetString(pv, "updateUrl").ends_with("/previews/" + preview.id))
        << GetString(pv, "updateUrl");
  }
}

TEST_F(WebhooksTest, FailedDeliveriesAreRetriedUntilOneSucceeds) {
  constexpr int kFailures = 3;
  receiver_.SetHandler([](const ReceivedRequest&, int index) {
    return index < kFailures ? ReceiverReply{500, "not yet"} : ReceiverReply{200, "finally"};
  });
  const std::string path = OrgHooks(org_) + "/flaky";
  CreateHook(OrgHooks(org_),
             HookBody(org_, "flaky", receiver_.Url(), {{"filters", json::array{"stack_created"}}}));
  ASSERT_EQ(CreateStack(*alice_, org_, "site", "prod").status, 200);

  ASSERT_TRUE(receiver_.WaitForCount(kFailures + 1, seconds(30)))
      << "only " << receiver_.Count() << " attempts";
  ASSERT_TRUE(Eventually([&] { return Deliveries(*alice_, path).size() == kFailures + 1; }));
  std::this_thread::sleep_for(milliseconds(500));
  EXPECT_EQ(receiver_.Count(), static_cast<size_t>(kFailures + 1));  // nothing after success

  auto requests = receiver_.Requests();
  std::set<std::string> ids;
  for (const auto& r : requests) {
    EXPECT_EQ(r.body, requests[0].body);  // the same payload every time
    ids.insert(r.Header("pulumi-webhook-id"));
  }
  EXPECT_EQ(ids.size(), requests.size());  // a new id per attempt

  json::array records = Deliveries(*alice_, path);
  ASSERT_EQ(records.size(), static_cast<size_t>(kFailures + 1));
  EXPECT_EQ(GetInt(records[0], "responseCode"), 200);  // newest first
  EXPECT_EQ(GetString(records[0], "responseBody"), "finally");
  int successes = 0;
  for (const auto& rec : records) {
    if (GetInt(rec, "responseCode") == 200)
      ++successes;
    else
      EXPECT_EQ(GetInt(rec, "responseCode"), 500);
    EXPECT_TRUE(ids.contains(GetString(rec, "id")));
  }
  EXPECT_EQ(successes, 1);
}

TEST_F(WebhooksTest, ReceiverThatIsDownGetsNoResponseRecords) {
  uint16_t dead_port;
  {
    WebhookReceiver dead;  // bind a free port, then close it
    dead_port = dead.port();
  }
  CreateHook(OrgHooks(org_),
             HookBody(org_, "dead", "http://127.0.0.1:" + std::to_string(dead_port) + "/x"));
  HttpResponse ping = alice_->Post(OrgHooks(org_) + "/dead/ping", "");
  ASSERT_EQ(ping.status, 200) << ping;
  json::value record = ParseJson(ping.body);
  EXPECT_EQ(GetInt(record, "responseCode"), 0);
  EXPECT_FALSE(GetString(record, "responseBody").empty());
  EXPECT_EQ(GetString(record, "responseHeaders"), "");
}

// Without --webhook-allow-cidr the shared default server refuses loopback.
class WebhookPolicyTest : public IntegrationTest {};

TEST_F(WebhookPolicyTest, LoopbackTargetsAreRefusedByDefault) {
  WebhookReceiver receiver;
  ASSERT_TRUE(receiver.ok());
  HttpClient admin = AdminClient();
  const std::string org = UniqueName("policy");
  CreateOrg(admin, org, "admin");
  for (const std::string& url : std::vector<std::string>{
           receiver.Url(), "http://localhost:" + std::to_string(receiver.port()) + "/hook",
           "http://[::1]:" + std::to_string(receiver.port()) + "/hook",
           "http://169.254.169.254/latest/meta-data"}) {
    const std::string name = UniqueName("h");
    ASSERT_EQ(admin.Post(OrgHooks(org), HookBody(org, name, url)).status, 201);
    HttpResponse ping = admin.Post(OrgHooks(org) + "/" + name + "/ping", "");
    ASSERT_EQ(ping.status, 200) << ping;
    json::value record = ParseJson(ping.body);
    EXPECT_EQ(GetInt(record, "responseCode"), 0) << url;
    EXPECT_NE(GetString(record, "responseBody").find("not allowed"), std::string::npos)
        << url << ": " << ping.body;
    EXPECT_EQ(GetString(record, "requestUrl"), url);
  }
  EXPECT_EQ(receiver.Count(), 0u);
}

TEST(WebhookStartupTest, MalformedAllowListStopsTheServer) {
  ServerProcess server(ConfigWith({"--webhook-allow-cidr", "10.0.0.1/8"}));
  EXPECT_FALSE(server.Start());
  EXPECT_NE(server.Log().find("--webhook-allow-cidr"), std::string::npos) << server.Log();
}

TEST(WebhookRestartTest, QueuedDeliveriesSurviveKill9) {
  WebhookReceiver receiver;
  ASSERT_TRUE(receiver.ok());
  std::atomic<bool> accept{false};
  receiver.SetHandler([&](const ReceivedRequest&, int) {
    return accept ? ReceiverReply{200, "ok"} : ReceiverReply{503, "down"};
  });

  // Retries wait 0-2 s (then 0-4 s, ...); a job the kill catches claimed is
  // claimable again 2 × 1 s + 5 s after its claim. Practically never given up.
  std::vector<std::string> args = WebhookFlags("2000", "1");
  args.insert(args.end(), {"--webhook-max-attempts", "100"});
  ServerProcess server(ConfigWith(args));
  ASSERT_TRUE(server.Start());
  HttpClient admin(server, server.bootstrap_token());
  ASSERT_EQ(admin
                .Post(OrgHooks("admin"), HookBody("admin", "durable", receiver.Url(),
                                                  {{"filters", json::array{"stack_created"}}}))
                .status,
            201);
  const std::vector<std::string> stacks = {"one", "two", "three"};
  for (const auto& s : stacks) ASSERT_EQ(CreateStack(admin, "admin", "proj", s).status, 200);

  auto seen = [&](bool need_success) {
    std::set<std::string> names;
    for (const auto& r : receiver.Requests()) {
      if (need_success && r.status_sent != 200) continue;
      names.insert(GetString(ParseJson(r.body), "stackName"));
    }
    return names;
  };
  ASSERT_TRUE(Eventually([&] { return seen(false).size() == stacks.size(); }))
      << "not every event was attempted before the kill";
  server.Kill9();
  EXPECT_TRUE(seen(true).empty());

  accept = true;
  const size_t before_restart = receiver.Count();
  ASSERT_TRUE(server.Start());
  admin.set_base_url(server.base_url());
  ASSERT_TRUE(Eventually([&] { return seen(true).size() == stacks.size(); }, seconds(30)))
      << "delivered after restart: " << seen(true).size() << "; log:\n"
      << server.AllLogs();
  EXPECT_GT(receiver.Count(), before_restart);
  std::this_thread::sleep_for(milliseconds(800));
  size_t successes = 0;
  for (const auto& r : receiver.Requests()) successes += r.status_sent == 200 ? 1 : 0;
  EXPECT_EQ(successes, stacks.size());  // each exactly once

  json::array records = Deliveries(admin, OrgHooks("admin") + "/durable");
  int ok = 0;
  for (const auto& rec : records) ok += GetInt(rec, "responseCode") == 200 ? 1 : 0;
  EXPECT_EQ(ok, static_cast<int>(stacks.size()));
}

}  // namespace
}  // namespace statehouse::testing
