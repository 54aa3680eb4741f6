// Walks the real binary through every implemented route over a real socket
// and checks each 2xx answer against the Pulumi Cloud OpenAPI description
// (shared/spec/pulumi-cloud-openapi.json): the status must be one the
// operation declares, and the body must validate against its schema
// ($refs resolved, Go []byte = base64, null where Go sends nil; see
// openapi_schema.h). Routes Statehouse adds itself (site admin) have no
// operation there and are only checked for a 2xx.

#include <gtest/gtest.h>

#include <iostream>
#include <map>
#include <set>
#include <string>

#include "test/integration/harness.h"
#include "test/integration/openapi_schema.h"
#include "test/integration/update_driver.h"
#include "test/integration/webhook_receiver.h"

namespace statehouse::testing {
namespace {

namespace json = boost::json;

// Every route the server registers, as "METHOD template". A route added to
// the server belongs here, and the walk below must reach it.
const std::set<std::string> kRoutes = {
    "GET /api/capabilities",
    "GET /api/user",
    "GET /api/user/organizations/default",
    "GET /api/user/stacks",
    "GET /api/user/tokens",
    "POST /api/user/tokens",
    "DELETE /api/user/tokens/{tokenId}",
    "POST /api/admin/users",
    "POST /api/admin/orgs",
    "GET /api/orgs/{org}",
    "PATCH /api/orgs/{org}",
    "GET /api/orgs/{org}/auditlogs",
    "GET /api/orgs/{org}/auditlogs/export",
    "GET /api/orgs/{org}/members",
    "POST /api/orgs/{org}/members/{username}",
    "PATCH /api/orgs/{org}/members/{username}",
    "DELETE /api/orgs/{org}/members/{username}",
    "POST /api/orgs/{org}/services",
    "GET /api/orgs/{org}/services",
    "HEAD /api/orgs/{org}/services/{ownerType}/{ownerName}/{serviceName}",
    "GET /api/orgs/{org}/services/{ownerType}/{ownerName}/{serviceName}",
    "PATCH /api/orgs/{org}/services/{ownerType}/{ownerName}/{serviceName}",
    "DELETE /api/orgs/{org}/services/{ownerType}/{ownerName}/{serviceName}",
    "POST /api/orgs/{org}/services/{ownerType}/{ownerName}/{serviceName}/items",
    "DELETE /api/orgs/{org}/services/{ownerType}/{ownerName}/{serviceName}/items/{itemType}/{itemName}",
    "POST /api/orgs/{org}/services/{ownerType}/{ownerName}/{serviceName}/v2/items",
    "DELETE /api/orgs/{org}/services/{ownerType}/{ownerName}/{serviceName}/v2/items/{itemType}/{itemName}",
    "POST /api/orgs/{org}/teams/pulumi",
    "GET /api/orgs/{org}/teams",
    "GET /api/orgs/{org}/teams/{team}",
    "PATCH /api/orgs/{org}/teams/{team}",
    "DELETE /api/orgs/{org}/teams/{team}",
    "POST /api/orgs/{org}/hooks",
    "GET /api/orgs/{org}/hooks",
    "GET /api/orgs/{org}/hooks/{hookName}",
    "PATCH /api/orgs/{org}/hooks/{hookName}",
    "DELETE /api/orgs/{org}/hooks/{hookName}",
    "POST /api/orgs/{org}/hooks/{hookName}/ping",
    "GET /api/orgs/{org}/hooks/{hookName}/deliveries",
    "POST /api/orgs/{org}/hooks/{hookName}/deliveries/{event}/redeliver",
    "POST /api/stacks/{org}/{project}",
    "HEAD /api/stacks/{org}/{project}",
    "GET /api/stacks/{org}/{project}/{stack}",
    "DELETE /api/stacks/{org}/{project}/{stack}",
    "POST /api/stacks/{org}/{project}/{stack}/rename",
    "POST /api/stacks/{org}/{project}/{stack}/transfer",
    "PATCH /api/stacks/{org}/{project}/{stack}/tags",
    "POST /api/stacks/{org}/{project}/{stack}/tags",
    "PATCH /api/stacks/{org}/{project}/{stack}/tags/{tagName}",
    "DELETE /api/stacks/{org}/{project}/{stack}/tags/{tagName}",
    "POST /api/stacks/{org}/{project}/{stack}/encrypt",
    "POST /api/stacks/{org}/{project}/{stack}/decrypt",
    "POST /api/stacks/{org}/{project}/{stack}/batch-encrypt",
    "POST /api/stacks/{org}/{project}/{stack}/batch-decrypt",
    "POST /api/stacks/{org}/{project}/{stack}/decrypt/log-decryption",
    "POST /api/stacks/{org}/{project}/{stack}/decrypt/log-batch-decryption",
    "POST /api/stacks/{org}/{project}/{stack}/update",
    "POST /api/stacks/{org}/{project}/{stack}/preview",
    "POST /api/stacks/{org}/{project}/{stack}/refresh",
    "POST /api/stacks/{org}/{project}/{stack}/destroy",
    "POST /api/stacks/{org}/{project}/{stack}/update/{updateID}",
    "GET /api/stacks/{org}/{project}/{stack}/update/{updateID}",
    "POST /api/stacks/{org}/{project}/{stack}/update/{updateID}/renew_lease",
    "PATCH /api/stacks/{org}/{project}/{stack}/update/{updateID}/checkpoint",
    "PATCH /api/stacks/{org}/{project}/{stack}/update/{updateID}/checkpointverbatim",
    "PATCH /api/stacks/{org}/{project}/{stack}/update/{updateID}/checkpointdelta",
    "POST /api/stacks/{org}/{project}/{stack}/update/{updateID}/events/batch",
    "GET /api/stacks/{org}/{project}/{stack}/update/{updateID}/events",
    "POST /api/stacks/{org}/{project}/{stack}/update/{updateID}/complete",
    "POST /api/stacks/{org}/{project}/{stack}/update/{updateID}/cancel",
    "POST /api/stacks/{org}/{project}/{stack}/import",
    "GET /api/stacks/{org}/{project}/{stack}/export",
    "GET /api/stacks/{org}/{project}/{stack}/export/{version}",
    "GET /api/stacks/{org}/{project}/{stack}/updates",
    "GET /api/stacks/{org}/{project}/{stack}/updates/latest",
    "GET /api/stacks/{org}/{project}/{stack}/updates/{version}",
    "GET /api/stacks/{org}/{project}/{stack}/updates/latest/previews",
    "GET /api/stacks/{org}/{project}/{stack}/updates/{version}/previews",
    "POST /api/stacks/{org}/{project}/{stack}/hooks",
    "GET /api/stacks/{org}/{project}/{stack}/hooks",
    "GET /api/stacks/{org}/{project}/{stack}/hooks/{hookName}",
    "PATCH /api/stacks/{org}/{project}/{stack}/hooks/{hookName}",
    "DELETE /api/stacks/{org}/{project}/{stack}/hooks/{hookName}",
    "POST /api/stacks/{org}/{project}/{stack}/hooks/{hookName}/ping",
    "GET /api/stacks/{org}/{project}/{stack}/hooks/{hookName}/deliveries",
    "POST /api/stacks/{org}/{project}/{stack}/hooks/{hookName}/deliveries/{event}/redeliver",
};
// Not walked: POST /api/orgs/{org}/teams/github always answers 400 (GitHub
// teams are not supported), so it has no 2xx to check.

// Statehouse's own routes (contract.md): not in the Pulumi Cloud API.
const std::set<std::string> kStatehouseOnly = {"POST /api/admin/users", "POST /api/admin/orgs"};

class SchemaConformanceTest : public ::testing::Test {
 public:
  static void SetUpTestSuite() {
    std::string error;
    auto spec = OpenApiSpec::Load(std::string(STATEHOUSE_SPEC_DIR) + "/pulumi-cloud-openapi.json",
                                  &error);
    if (!spec) {
      failure_ = error;
      return;
    }
    spec_ = new OpenApiSpec(std::move(*spec));
    // Go pointers the real service sends as null (apitype
    // GetUpdateEventsResponse.ContinuationToken is a *string: null on the
    // last page, which is how the CLI knows to stop).
    spec_->AllowNull("GetUpdateEventsResponse", "continuationToken");
    ServerConfig config;
    config.extra_args = {"--webhook-allow-cidr", "127.0.0.0/8", "--webhook-timeout-seconds", "5"};
    server_ = new ServerProcess(config);
    if (auto started = server_->Start(); !started) failure_ = started.message();
  }
  static void TearDownTestSuite() {
    delete server_;
    delete spec_;
    server_ = nullptr;
    spec_ = nullptr;
  }

 protected:
  void SetUp() override { ASSERT_TRUE(failure_.empty()) << failure_; }

  // Checks one answer of `route` ("METHOD template") to a request on
  // `path`; returns the parsed body (null when none).
  json::value Check(const std::string& route, const std::string& path, const HttpResponse& r) {
    SCOPED_TRACE(route);
    EXPECT_TRUE(kRoutes.contains(route)) << "not in kRoutes: " << route;
    if (r.status < 200 || r.status > 299) {
      ADD_FAILURE() << route << " (" << path << ") answered " << r;
      return nullptr;
    }
    covered_.insert(route);
    const std::string method = route.substr(0, route.find(' '));
    std::optional<json::value> body;
    if (!r.body.empty()) body = TryParseJson(r.body);
    if (kStatehouseOnly.contains(route)) return body.value_or(nullptr);

    std::string templ;
    const json::object* op =
        spec_->FindOperation(method, path.substr(0, path.find('?')), &templ);
    if (op == nullptr) {
      ADD_FAILURE() << route << ": no operation in the OpenAPI description";
      return body.value_or(nullptr);
    }
    const std::string status = std::to_string(r.status);
    const std::vector<std::string> declared = OpenApiSpec::SuccessStatuses(*op);
    EXPECT_TRUE(std::find(declared.begin(), declared.end(), status) != declared.end())
        << route << " answered " << status << "; " << templ << " declares "
        << json::serialize(json::value_from(declared));
    const json::value* schema = OpenApiSpec::ResponseSchema(*op, status);
    if (schema == nullptr) {
      if (r.status == 204) {
        EXPECT_TRUE(r.body.empty()) << route << ": 204 with a body";
      }
      return body.value_or(nullptr);
    }
    if (method == "HEAD") return nullptr;
    const bool is_json = r.Header("content-type").find("json") != std::string::npos;
    if (!is_json) {
      // A file download (audit export): the schema is a plain string.
      const json::value* resolved = schema;
      EXPECT_TRUE(resolved->is_object() && resolved->as_object().contains("type") &&
                  resolved->as_object().at("type") == "string")
          << route << ": non-JSON answer where the schema is " << json::serialize(*schema);
      return nullptr;
    }
    if (!body) {
      ADD_FAILURE() << route << ": body is not JSON: " << r.body.substr(0, 200);
      return nullptr;
    }
    SchemaReport report = spec_->Validate(*schema, *body);
    for (const std::string& e : report.errors) ADD_FAILURE() << route << ": " << e;
    for (const std::string& u : report.unknown) unknown_.insert(route + " " + u);
    return *body;
  }

  json::value Call(HttpClient& client, const std::string& route, const std::string& path,
                   std::optional<std::string> body = std::nullopt,
                   const HeaderList& headers = {}) {
    const std::string method = route.substr(0, route.find(' '));
    return Check(route, path, client.Request(method, path, body, headers));
  }

  static OpenApiSpec* spec_;
  static ServerProcess* server_;
  static std::string failure_;
  std::set<std::string> covered_;
  std::set<std::string> unknown_;
};

OpenApiSpec* SchemaConformanceTest::spec_ = nullptr;
ServerProcess* SchemaConformanceTest::server_ = nullptr;
std::string SchemaConformanceTest::failure_;

std::string Str(const json::value& v, std::string_view key) { return GetString(v, key); }

TEST_F(SchemaConformanceTest, EveryRouteAnswersAsTheOpenApiDescriptionSays) {
  HttpClient admin(*server_, server_->bootstrap_token());
  WebhookReceiver receiver;
  ASSERT_TRUE(receiver.ok());

  // Site admin (Statehouse's own) and identity.
  const std::string alice = UniqueName("alice");
  const std::string bob = UniqueName("bob");
  json::value created = Call(admin, "POST /api/admin/users", "/api/admin/users",
                             Json({{"login", alice}, {"name", "Alice"}, {"email", "a@example.com"}}));
  HttpClient a(*server_, Str(created, "token"));
  created = Call(admin, "POST /api/admin/users", "/api/admin/users",
                 Json({{"login", bob}, {"name", "Bob"}, {"email", "b@example.com"}}));
  const std::string org = UniqueName("acme");
  Call(admin, "POST /api/admin/orgs", "/api/admin/orgs", Json({{"name", org}, {"admin", alice}}));

  Call(a, "GET /api/user", "/api/user");
  Call(a, "GET /api/user/organizations/default", "/api/user/organizations/default");
  Call(a, "GET /api/capabilities", "/api/capabilities");
  json::value token = Call(a, "POST /api/user/tokens", "/api/user/tokens",
                           Json({{"description", "ci"}, {"expires", 0}}));
  Call(a, "GET /api/user/tokens", "/api/user/tokens");
  Call(a, "DELETE /api/user/tokens/{tokenId}", "/api/user/tokens/" + Str(token, "id"));

  // Organization, members, teams.
  const std::string org_path = "/api/orgs/" + org;
  Call(a, "GET /api/orgs/{org}", org_path);
  Call(a, "PATCH /api/orgs/{org}", org_path, Json({{"setDefaultStackPermission", 101}}));
  Call(a, "POST /api/orgs/{org}/members/{username}", org_path + "/members/" + bob,
       Json({{"role", "member"}}));
  Call(a, "GET /api/orgs/{org}/members", org_path + "/members");
  Call(a, "PATCH /api/orgs/{org}/members/{username}", org_path + "/members/" + bob,
       Json({{"role", "admin"}}));
  Call(a, "POST /api/orgs/{org}/teams/pulumi", org_path + "/teams/pulumi",
       Json({{"name", "ops"}, {"displayName", "Ops"}, {"description", "d"}}));
  Call(a, "PATCH /api/orgs/{org}/teams/{team}", org_path + "/teams/ops",
       Json({{"memberAction", "add"}, {"member", bob}}));
  Call(a, "GET /api/orgs/{org}/teams", org_path + "/teams");
  Call(a, "GET /api/orgs/{org}/teams/{team}", org_path + "/teams/ops");

  // Stacks and tags.
  const std::string project = "conf";
  const std::string stack_route = "/api/stacks/{org}/{project}/{stack}";
  Call(a, "POST /api/stacks/{org}/{project}", "/api/stacks/" + org + "/" + project,
       Json({{"stackName", "dev"},
             {"tags", {{"pulumi:project", project}, {"pulumi:runtime", "nodejs"}}}}));
  Call(a, "HEAD /api/stacks/{org}/{project}", "/api/stacks/" + org + "/" + project);
  const std::string path = StackPath(org, project, "dev");
  Call(a, "GET " + stack_route, path);
  Call(a, "POST " + stack_route + "/tags", path + "/tags", Json({{"name", "team"}, {"value", "a"}}));
  Call(a, "PATCH " + stack_route + "/tags/{tagName}", path + "/tags/team",
       Json({{"name", "team"}, {"value", "b"}}));
  Call(a, "DELETE " + stack_route + "/tags/{tagName}", path + "/tags/team");
  Call(a, "PATCH " + stack_route + "/tags", path + "/tags",
       Json({{"pulumi:project", project}, {"pulumi:runtime", "nodejs"}, {"k", "v"}}));
  Call(a, "GET /api/user/stacks", "/api/user/stacks?organization=" + org);

  // Secrets.
  json::value sealed =
      Call(a, "POST " + stack_route + "/encrypt", path + "/encrypt", Json({{"plaintext", "c2VjcmV0"}}));
  Call(a, "POST " + stack_route + "/decrypt", path + "/decrypt",
       Json({{"ciphertext", Str(sealed, "ciphertext")}}));
  json::value batch = Call(a, "POST " + stack_route + "/batch-encrypt", path + "/batch-encrypt",
                           Json({{"plaintexts", {"YQ==", "Yg=="}}}));
  Call(a, "POST " + stack_route + "/batch-decrypt", path + "/batch-decrypt",
       Json({{"ciphertexts", batch.at("ciphertexts")}}));
  Call(a, "POST " + stack_route + "/decrypt/log-decryption", path + "/decrypt/log-decryption",
       Json({{"secretName", "db"}}));
  Call(a, "POST " + stack_route + "/decrypt/log-batch-decryption",
       path + "/decrypt/log-batch-decryption", Json({{"commandName", "stack export"}}));

  // An update with every kind of checkpoint, events, lease renewal.
  const std::string update_route = stack_route + "/update/{updateID}";
  json::value update = Call(a, "POST " + stack_route + "/update", path + "/update",
                            ReplayCreateBody(false, project));
  const std::string id = Str(update, "updateID");
  const std::string update_path = path + "/update/" + id;
  json::value started = Call(a, "POST " + update_route, update_path,
                             Json({{"tags", json::object{}}, {"journalVersion", 0}}));
  HttpClient lease(*server_, "");
  lease.set_gzip_body(true);
  const HeaderList auth{{"Authorization", "update-token " + Str(started, "token")}};
  Call(lease, "POST " + update_route + "/renew_lease", update_path + "/renew_lease",
       Json({{"token", Str(started, "token")}, {"duration", 300}}), auth);
  const std::string s1 = ReplayDeployment(org, project, "dev", 1);
  const std::string prefix = R"({"version":3,"deployment":)";
  Call(lease, "PATCH " + update_route + "/checkpoint", update_path + "/checkpoint",
       R"({"isInvalid":false,"version":3,"deployment":)" +
           s1.substr(prefix.size(), s1.size() - prefix.size() - 1) + "}",
       auth);
  const std::string s2 = ReplayDeployment(org, project, "dev", 2);
  Call(lease, "PATCH " + update_route + "/checkpointverbatim", update_path + "/checkpointverbatim",
       R"({"version":3,"untypedDeployment":)" + s2 + R"(,"sequenceNumber":1})", auth);
  const std::string s3 = s2.substr(0, s2.size() - 3) + R"(,{"urn":"x"}]}})";
  json::array edits{json::object{
      {"Span",
       {{"uri", ""},
        {"start", {{"line", 1}, {"column", 1}, {"offset", s2.size() - 3}}},
        {"end", {{"line", 1}, {"column", 1}, {"offset", s2.size() - 3}}}}},
      {"NewText", R"(,{"urn":"x"})"}}};
  Call(lease, "PATCH " + update_route + "/checkpointdelta", update_path + "/checkpointdelta",
       R"({"version":3,"checkpointHash":")" + crypto::Sha256Hex(s3) +
           R"(","sequenceNumber":2,"deploymentDelta":)" + json::serialize(edits) + "}",
       auth);
  Call(lease, "POST " + update_route + "/events/batch", update_path + "/events/batch",
       R"({"events":[{"sequence":0,"timestamp":1787306401,"stdoutEvent":{"message":"hi\n","color":"raw"}},)"
       R"({"sequence":1,"timestamp":1787306402,"summaryEvent":{"maybeCorrupt":false,"durationSeconds":1,)"
       R"("resourceChanges":{"create":2},"PolicyPacks":{},"isPreview":false,"result":"succeeded"}}]})",
       auth);
  Call(a, "GET " + update_route, update_path);
  Call(a, "GET " + update_route + "/events", update_path + "/events");
  Call(lease, "POST " + update_route + "/complete", update_path + "/complete",
       R"({"status":"succeeded"})", auth);

  // A preview, cancelled; refresh and destroy created only.
  json::value preview = Call(a, "POST " + stack_route + "/preview", path + "/preview",
                             ReplayCreateBody(true, project));
  const std::string preview_path = path + "/update/" + Str(preview, "updateID");
  Call(a, "POST " + update_route, preview_path, Json({{"tags", json::object{}}}));
  Call(a, "POST " + update_route + "/cancel", preview_path + "/cancel", "");
  Call(a, "POST " + stack_route + "/refresh", path + "/refresh", ReplayCreateBody(false, project));
  Call(a, "POST " + stack_route + "/destroy", path + "/destroy", ReplayCreateBody(false, project));

  // History and state.
  Call(a, "GET " + stack_route + "/updates", path + "/updates?output-type=service");
  Call(a, "GET " + stack_route + "/updates", path + "/updates?page=1&pageSize=10");
  Call(a, "GET " + stack_route + "/updates/latest", path + "/updates/latest");
  Call(a, "GET " + stack_route + "/updates/{version}", path + "/updates/1");
  Call(a, "GET " + stack_route + "/updates/latest/previews", path + "/updates/latest/previews");
  Call(a, "GET " + stack_route + "/updates/{version}/previews", path + "/updates/1/previews");
  Call(a, "GET " + stack_route + "/export", path + "/export");
  Call(a, "GET " + stack_route + "/export/{version}", path + "/export/1");
  a.set_gzip_body(true);
  Call(a, "POST " + stack_route + "/import", path + "/import", s2);
  a.set_gzip_body(false);
  Call(a, "GET " + stack_route + "/updates/{version}", path + "/updates/2");

  // Services.
  const std::string services = org_path + "/services";
  const std::string service_route = "/api/orgs/{org}/services/{ownerType}/{ownerName}/{serviceName}";
  Call(a, "POST /api/orgs/{org}/services", services,
       Json({{"ownerType", "user"}, {"ownerName", alice}, {"name", "svc"}, {"description", "d"},
             {"items", {{{"type", "stack"}, {"name", project + "/dev"}}}}}));
  Call(a, "GET /api/orgs/{org}/services", services);
  const std::string service = services + "/user/" + alice + "/svc";
  Call(a, "HEAD " + service_route, service);
  Call(a, "GET " + service_route, service);
  Call(a, "PATCH " + service_route, service, Json({{"description", "e"}}));
  Call(a, "POST " + service_route + "/items", service + "/items",
       Json({{"items", {{{"type", "environment"}, {"name", "proj/env"}}}}}));
  Call(a, "DELETE " + service_route + "/items/{itemType}/{itemName}",
       service + "/items/environment/proj%2Fenv");
  Call(a, "POST " + service_route + "/v2/items", service + "/v2/items",
       Json({{"items", {{{"type", "environment"}, {"name", "proj/env2"}}}}}));
  Call(a, "DELETE " + service_route + "/v2/items/{itemType}/{itemName}",
       service + "/v2/items/environment/proj%2Fenv2");
  Call(a, "DELETE " + service_route, service + "?force=true");

  // Webhooks, org and stack.
  receiver.SetHandler([](const ReceivedRequest&, int) { return ReceiverReply{200, "ok", {}}; });
  for (const std::string& scope : {std::string("/api/orgs/{org}"), stack_route}) {
    const std::string base = (scope == stack_route ? path : org_path) + "/hooks";
    const std::string r = scope + "/hooks";
    Call(a, "POST " + r, base,
         Json({{"organizationName", org}, {"displayName", "Hook"}, {"name", "h"},
               {"payloadUrl", receiver.Url("/in")}, {"active", true}}));
    Call(a, "GET " + r, base);
    Call(a, "GET " + r + "/{hookName}", base + "/h");
    Call(a, "PATCH " + r + "/{hookName}", base + "/h", Json({{"displayName", "Hook 2"}}));
    json::value delivery = Call(a, "POST " + r + "/{hookName}/ping", base + "/h/ping", "");
    Call(a, "GET " + r + "/{hookName}/deliveries", base + "/h/deliveries");
    Call(a, "POST " + r + "/{hookName}/deliveries/{event}/redeliver",
         base + "/h/deliveries/" + Str(delivery, "id") + "/redeliver", "");
    Call(a, "DELETE " + r + "/{hookName}", base + "/h");
  }

  // Audit logs.
  Call(a, "GET /api/orgs/{org}/auditlogs", org_path + "/auditlogs?startTime=" +
                                               std::to_string(time(nullptr) + 60));
  Call(a, "GET /api/orgs/{org}/auditlogs/export",
       org_path + "/auditlogs/export?format=csv&startTime=" + std::to_string(time(nullptr) + 60));

  // Moving and removing.
  Call(a, "POST " + stack_route + "/rename", path + "/rename",
       Json({{"newName", "prod"}, {"newProject", project}}));
  const std::string org2 = UniqueName("acme2");
  Call(admin, "POST /api/admin/orgs", "/api/admin/orgs", Json({{"name", org2}, {"admin", alice}}));
  Call(a, "POST " + stack_route + "/transfer", StackPath(org, project, "prod") + "/transfer",
       Json({{"toOrg", org2}}));
  Call(a, "DELETE " + stack_route, StackPath(org2, project, "prod") + "?force=true");
  Call(a, "DELETE /api/orgs/{org}/teams/{team}", org_path + "/teams/ops");
  Call(a, "DELETE /api/orgs/{org}/members/{username}", org_path + "/members/" + bob);

  for (const std::string& route : kRoutes) {
    EXPECT_TRUE(covered_.contains(route)) << "route not walked: " << route;
  }
  if (!unknown_.empty()) {
    std::cout << "Properties Statehouse sends that the description does not name:\n";
    for (const std::string& u : unknown_) std::cout << "  " << u << "\n";
  }
}

}  // namespace
}  // namespace statehouse::testing
