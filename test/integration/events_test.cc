// Security events of the request path as the audit log records them: a
// flood of bad credentials on an org route is recorded, but throttled per
// (org, source address, kind); refusals of authenticated callers likewise.

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "test/integration/harness.h"

namespace statehouse::testing {
namespace {

namespace json = boost::json;

int64_t WallSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

class SecurityEventsTest : public IntegrationTest {
 protected:
  // Audit events of `org` of catalog id `kind` (the JSON shows the display
  // name or the id), newest first; at most 1000.
  static std::vector<json::value> Recorded(HttpClient& admin, const std::string& org,
                                            std::string_view kind, std::string_view display) {
    HttpResponse r = admin.Get("/api/orgs/" + org + "/auditlogs?pageSize=1000&startTime=" +
                               std::to_string(WallSeconds() + 3600));
    EXPECT_EQ(r.status, 200) << r;
    std::vector<json::value> out;
    if (r.status != 200) return out;
    const json::value body = ParseJson(r.body);
    for (const json::value& e : body.at("auditLogEvents").as_array()) {
      const std::string name = GetString(e, "event");
      if (name == kind || name == display) out.push_back(e);
    }
    return out;
  }
};

TEST_F(SecurityEventsTest, AFloodOfBadCredentialsIsRecordedButThrottled) {
  HttpClient admin = AdminClient();
  const std::string org = UniqueName("acme");
  CreateOrg(admin, org, "admin");
  HttpClient anonymous = Client();
  HttpClient bad = Client(RandomToken());
  const auto began = std::chrono::steady_clock::now();
  for (int i = 0; i < 100; ++i) {
    ASSERT_EQ(bad.Get("/api/orgs/" + org + "/members").status, 401);
    ASSERT_EQ(anonymous.Get("/api/orgs/" + org + "/members").status, 401);
  }
  // Routes without an org record nothing.
  ASSERT_EQ(bad.Get("/api/user").status, 401);
  const auto elapsed = std::chrono::steady_clock::now() - began;

  auto failed = Recorded(admin, org, "user-login-failed", "User Login Failed");
  // One per 10 s from 127.0.0.1; the flood takes well under that.
  const size_t allowed = 1 + static_cast<size_t>(elapsed / std::chrono::seconds(10));
  EXPECT_GE(failed.size(), 1u);
  EXPECT_LE(failed.size(), allowed);
  ASSERT_FALSE(failed.empty());
  EXPECT_EQ(GetString(failed.back(), "sourceIP"), "127.0.0.1");
}

TEST_F(SecurityEventsTest, RefusalsOfAuthenticatedCallersAreRecordedOnce) {
  HttpClient admin = AdminClient();
  const std::string org = UniqueName("acme");
  CreateOrg(admin, org, "admin");
  const std::string login = UniqueName("mallory");
  HttpClient mallory = Client(CreateUser(admin, login));
  for (int i = 0; i < 20; ++i) {
    ASSERT_EQ(mallory.Get("/api/orgs/" + org + "/members").status, 404);  // hidden org
  }
  auto refused =
      Recorded(admin, org, "auth-failure-organization-role", "Auth Failure Organization Role");
  ASSERT_EQ(refused.size(), 1u);
  const json::object* user = FindObject(refused[0], "user");
  ASSERT_NE(user, nullptr);
  EXPECT_EQ(GetString(*user, "githubLogin"), login);
}

}  // namespace
}  // namespace statehouse::testing
