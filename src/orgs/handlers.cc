#include "orgs/handlers.h"

#include <boost/json.hpp>

#include "api/endpoint.h"
#include "api/paths.h"
#include "json/json_util.h"

namespace statehouse::orgs {

namespace {

namespace bj = boost::json;
using auth::Access;
using auth::Need;
using http::Request;
using http::Response;

// GET /api/orgs/{org}: Pulumi Cloud's Organization fields plus the settings this
// server keeps (Statehouse extension: defaultStackPermission, userRole).
bj::object OrgJson(const storage::OrgRecord& org, storage::OrgRole caller_role) {
  return bj::object{{"githubLogin", org.name},
                    {"name", org.name},
                    {"avatarUrl", ""},
                    {"repos", bj::array{}},
                    {"id", org.id},
                    {"created", json::Rfc3339(org.created)},
                    {"defaultStackPermission", org.default_stack_permission},
                    {"userRole", OrgRoleName(caller_role)}};
}

// PATCH /api/orgs/{org}: OrganizationMetadata. Statehouse has no billing,
// Insights accounts, ESC environments, Neo/AI, VCS integrations or SSO, so
// those fields say so (0, false, "none", "disabled"); the features it has
// (audit logs, webhooks, teams) are on.
bj::object OrgMetadataJson(const storage::OrgRecord& org, storage::OrgRole caller_role,
                           const OrgCounts& counts) {
  static const char* const kOffFeatures[] = {
      "agentIntegrationCatalogEnabled", "agentPoolRegistrationEnabled",
      "agentScheduledTasksEnabled", "aiAgentsEnabled", "aleEnabled", "approvalsEnabled",
      "auditLogUIFilteringEnabled", "bitbucketVCSEnabled", "bringYourOwnKeyEnabled",
      "cliIntegrationCatalogEnabled", "crossGuardEnabled", "customRoleCondition",
      "customRolesEnabled", "customTemplatesEnabled", "customVCSEnabled",
      "dependencyCachingEnabled", "deployEnabled", "discoveredStacksEnabled",
      "driftDetectionEnabled", "environmentRevisionTagsEnabled",
      "environmentSecretRotationEnabled", "environmentsEnabled", "environmentsRestoreEnabled",
      "escEditorRevampEnabled", "escOnboardingAzureOAuthClientEnabled", "escOnboardingEnabled",
      "escOnboardingGcpOAuthClientEnabled", "escOnboardingV2Enabled", "fixDriftWithNeoEnabled",
      "ghAppDetailedDiffEnabled", "gitHubEnterpriseIntegrationEnabled", "iacCloudImportEnabled",
      "insightsAutoPolicyPacksEnabled", "insightsMonetizationEnabled",
      "integrationAssistantEnabled", "legacyDeploymentsOrgToken", "neoByokEnabled",
      "neoPlanModeEnabled", "neoTaskSharingEnabled", "nlpSearchEnabled",
      "pangeaAccountsScanPageEnabled", "policyIssueManagementEnabled",
      "policyManagementV2Enabled", "propertySearchUIEnabled", "resourceExportEnabled",
      "resourceSearchEnabled", "restoreStacksEnabled", "scimEnabled",
      "selfHostedDeploymentsEnabled", "selfServeIDPRemoval", "serviceBackedConfigEnabled",
      "themingEnabled"};
  bj::object features;
  for (const char* name : kOffFeatures) features[name] = false;
  features["auditLogsEnabled"] = true;
  features["webhooksEnabled"] = true;
  features["teamsEnabled"] = true;
  return bj::object{{"id", org.id},
                    {"created", json::Rfc3339(org.created)},
                    {"kind", "pulumi"},
                    {"userRole", OrgRoleName(caller_role)},
                    {"defaultStackPermission", org.default_stack_permission},
                    {"defaultAccountPermission", 0},
                    {"defaultEnvironmentPermission", "none"},
                    {"memberCount", counts.members},
                    {"stackCount", counts.stacks},
                    {"accountCount", 0},
                    {"environmentCount", 0},
                    // Members create stacks; stack admins delete and transfer
                    // them; only org admins create teams.
                    {"membersCanCreateStacks", true},
                    {"membersCanDeleteStacks", true},
                    {"membersCanTransferStacks", true},
                    {"membersCanCreateTeams", false},
                    {"membersCanCreateAccounts", false},
                    {"auditLogsEnabled", true},
                    {"webhooksEnabled", true},
                    {"preferredVCS", "none"},
                    {"aiEnablement", "disabled"},
                    {"neoEnabled", false},
                    {"neoAgentDisabled", true},
                    {"neoCLIExplanationsDisabled", true},
                    {"neoApprovalMode", "manual"},
                    {"neoTaskSharingMode", "none"},
                    {"naturalLanguageSearchDisabled", true},
                    {"insightsTrialUsingPolicy", false},
                    {"features", std::move(features)}};
}

}  // namespace

void RegisterRoutes(http::Router& router, auth::Authorizer& authorizer, OrgService& service) {
  api::AddRoute(router, authorizer, "GET", api::Path(api::kOrgPath, "/api/orgs/{org}/members"),
                Need::kOrgMember,
                [&service](const Request& request, const Access& access) -> Result<Response> {
                  if (auto type = request.Query("type");
                      type && *type != "frontend" && *type != "backend") {
                    return Fail(Error::InvalidArgument(
                        "Invalid query parameter 'type': must be 'frontend' or 'backend'"));
                  }
                  SH_ASSIGN_OR_RETURN(auto members, service.ListMembers(access));
                  bj::array out;
                  for (const auto& m : members) out.push_back(MemberJson(m));
                  return api::JsonOk(json::Serialize(bj::object{{"members", std::move(out)}}));
                });

  api::AddRoute(router, authorizer, "DELETE",
                api::Path(api::kOrgPath, "/api/orgs/{org}/members/{username}"), Need::kOrgAdmin,
                [&service](const Request& request, const Access& access) -> Result<Response> {
                  SH_TRY(service.RemoveMember(access, std::string(request.Param("username"))));
                  return Response::NoContent();
                });

  api::AddRoute(router, authorizer, "PATCH",
                api::Path(api::kOrgPath, "/api/orgs/{org}/members/{username}"), Need::kOrgAdmin,
                [&service](const Request& request, const Access& access) -> Result<Response> {
                  SH_ASSIGN_OR_RETURN(auto body, json::ParseObject(request.body));
                  SH_ASSIGN_OR_RETURN(auto role, json::OptionalString(body, "role"));
                  SH_ASSIGN_OR_RETURN(auto parsed, ParseOrgRole(role, std::nullopt));
                  SH_TRY(service.SetMemberRole(access, std::string(request.Param("username")),
                                               parsed));
                  return Response::NoContent();
                });

  api::AddRoute(router, authorizer, "GET", api::Path(api::kOrgPath, "/api/orgs/{org}"),
                Need::kOrgMember,
                [](const Request&, const Access& access) -> Result<Response> {
                  return api::JsonOk(json::Serialize(OrgJson(*access.org, access.org_role)));
                });

  api::AddRoute(router, authorizer, "PATCH", api::Path(api::kOrgPath, "/api/orgs/{org}"),
                Need::kOrgAdmin,
                [&service](const Request& request, const Access& access) -> Result<Response> {
                  SH_ASSIGN_OR_RETURN(auto body, json::ParseObject(request.body));
                  SH_ASSIGN_OR_RETURN(auto permission,
                                      json::OptionalInt(body, "setDefaultStackPermission"));
                  if (!permission) {
                    return Fail(Error::InvalidArgument(
                        "Invalid organization settings: this server supports only "
                        "'setDefaultStackPermission'"));
                  }
                  if (*permission < 0 || *permission > 1000) {
                    return Fail(Error::InvalidArgument(
                        "Invalid field 'setDefaultStackPermission': must be 0, 101 or 102"));
                  }
                  SH_ASSIGN_OR_RETURN(auto org, service.SetDefaultStackPermission(
                                                    access, static_cast<int>(*permission)));
                  SH_ASSIGN_OR_RETURN(auto counts, service.Counts(org));
                  return api::JsonOk(
                      json::Serialize(OrgMetadataJson(org, access.org_role, counts)));
                });
}

}  // namespace statehouse::orgs
