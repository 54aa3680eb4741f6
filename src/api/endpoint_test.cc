#include "api/endpoint.h"

#include <gtest/gtest.h>

#include "crypto/crypto.h"
#include "test/fakes/fake_clock.h"
#include "test/fakes/temp_dir.h"
#include "test/fakes/test_store.h"

namespace statehouse::api {
namespace {

class GuardTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = testing::OpenTestStore(dir_.path());
    authorizer_ = std::make_unique<auth::Authorizer>(*store_, clock_);
    authorizer_->SetEventSink(&sink_);
    alice_ = testing::CreateTestUser(*store_, random_, clock_, "alice");
    bob_ = testing::CreateTestUser(*store_, random_, clock_, "bob");
    ASSERT_TRUE(store_->AddMember(store_->GetOrgByName("alice")->id, bob_.user.id,
                                  storage::OrgRole::kMember, 0));
  }

  // A request to a route with an {org} parameter from `ip`.
  static http::Request OrgRequest(const std::string& org, const std::string& ip,
                                  std::optional<std::string> token) {
    http::Request request;
    request.method = "POST";
    request.path = "/api/orgs/" + org + "/things";
    request.route = "/api/orgs/{org}/things";
    request.path_params = {{"org", org}};
    request.remote_address = ip;
    if (token) request.headers.push_back({"authorization", "token " + *token});
    return request;
  }

  std::vector<events::DomainEvent> Published(std::string_view kind) const {
    std::vector<events::DomainEvent> out;
    for (auto& e : sink_.Events()) {
      if (e.kind == kind) out.push_back(e);
    }
    return out;
  }

  testing::TempDir dir_;
  testing::FakeClock clock_;
  crypto::OpenSslRandom random_;
  events::RecordingSink sink_;
  storage::StorePtr store_;
  std::unique_ptr<auth::Authorizer> authorizer_;
  testing::TestUser alice_, bob_;
};

TEST_F(GuardTest, HandlersSeeTheSourceAddressAndLoginsCarryIt) {
  std::string seen_ip;
  http::Handler handler =
      Guard(*authorizer_, auth::Need::kOrgMember,
            [&](const http::Request&, const auth::Access& access) -> Result<http::Response> {
              seen_ip = access.source_ip;
              return JsonOk("{}");
            });
  http::Request request = OrgRequest("alice", "192.0.2.44", bob_.token);
  EXPECT_EQ(handler(request).status, 200);
  EXPECT_EQ(seen_ip, "192.0.2.44");
  auto logins = Published("user-login");
  ASSERT_EQ(logins.size(), 2u);  // bob belongs to alice and bob
  EXPECT_EQ(logins[0].actor.source_ip, "192.0.2.44");
}

TEST_F(GuardTest, BadCredentialsOnAnOrgRoutePublishLoginFailed) {
  int calls = 0;
  http::Handler handler =
      Guard(*authorizer_, auth::Need::kOrgMember,
            [&](const http::Request&, const auth::Access&) -> Result<http::Response> {
              ++calls;
              return JsonOk("{}");
            });
  http::Request missing = OrgRequest("alice", "192.0.2.1", std::nullopt);
  EXPECT_EQ(handler(missing).status, 401);
  http::Request unknown = OrgRequest("Alice", "192.0.2.2", "pul-00");
  EXPECT_EQ(handler(unknown).status, 401);
  http::Request no_org = OrgRequest("nobody", "192.0.2.3", std::nullopt);
  EXPECT_EQ(handler(no_org).status, 401);
  EXPECT_EQ(calls, 0);

  auto failed = Published("user-login-failed");
  ASSERT_EQ(failed.size(), 2u);
  EXPECT_EQ(failed[0].org_name, "alice");
  EXPECT_EQ(failed[0].actor.source_ip, "192.0.2.1");
  EXPECT_EQ(failed[0].fields.at("reason"), "missing token");
  EXPECT_EQ(failed[1].actor.source_ip, "192.0.2.2");
  EXPECT_EQ(failed[1].fields.at("reason"), "invalid token");
}

TEST_F(GuardTest, RefusalsByTheAuthorizerOrTheHandlerPublishAuthFailures) {
  http::Handler admin_only =
      Guard(*authorizer_, auth::Need::kOrgAdmin,
            [](const http::Request&, const auth::Access&) -> Result<http::Response> {
              return JsonOk("{}");
            });
  http::Request request = OrgRequest("alice", "192.0.2.5", bob_.token);
  EXPECT_EQ(admin_only(request).status, 403);

  http::Handler refusing =
      Guard(*authorizer_, auth::Need::kOrgMember,
            [](const http::Request&, const auth::Access&) -> Result<http::Response> {
              return Fail(Error::PermissionDenied("Forbidden: no"));
            });
  request = OrgRequest("alice", "192.0.2.6", bob_.token);
  EXPECT_EQ(refusing(request).status, 403);

  http::Handler failing =
      Guard(*authorizer_, auth::Need::kOrgMember,
            [](const http::Request&, const auth::Access&) -> Result<http::Response> {
              return Fail(Error::InvalidArgument("bad"));
            });
  request = OrgRequest("alice", "192.0.2.7", bob_.token);
  EXPECT_EQ(failing(request).status, 400);

  auto refused = Published("auth-failure-organization-role");
  ASSERT_EQ(refused.size(), 2u);
  for (const auto& e : refused) {
    EXPECT_EQ(e.org_name, "alice");
    EXPECT_EQ(e.target, "bob");
    EXPECT_EQ(e.actor.login, "bob");
    EXPECT_EQ(e.fields.at("required"), "admin");
  }
  EXPECT_EQ(refused[0].actor.source_ip, "192.0.2.5");
  EXPECT_EQ(refused[1].actor.source_ip, "192.0.2.6");
}

}  // namespace
}  // namespace statehouse::api
