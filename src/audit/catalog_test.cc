#include "audit/catalog.h"

#include <gtest/gtest.h>

#include <set>

namespace statehouse::audit {
namespace {

events::DomainEvent Event(std::string kind, std::string target = "",
                          std::map<std::string, std::string> fields = {}) {
  events::DomainEvent e;
  e.kind = std::move(kind);
  e.org_id = "o-acme";
  e.org_name = "acme";
  e.actor.user_id = "u-alice";
  e.actor.login = "alice";
  e.actor.name = "Alice";
  e.target = std::move(target);
  e.fields = std::move(fields);
  e.time = 1'700'000'000;
  return e;
}

events::DomainEvent StackEvent(std::string kind, std::map<std::string, std::string> fields = {}) {
  events::DomainEvent e = Event(std::move(kind), "project1/dev", std::move(fields));
  e.stack_id = "s-1";
  e.project = "project1";
  e.stack_name = "dev";
  return e;
}

// Every kind the services publish.
const std::vector<std::string> kContractKinds = {"user-login",
                                                 "user-login-failed",
                                                 "auth-failure-organization-role",
                                                 "auth-failure-stack-permission",
                                                 "stack-created",
                                                 "stack-deleted",
                                                 "stack-renamed",
                                                 "stack-transferred-to-organization",
                                                 "stack-exported",
                                                 "stack-imported",
                                                 "stack-rolled-back",
                                                 "stack-tags-updated",
                                                 "stack-update-started",
                                                 "stack-update-completed",
                                                 "stack-update-canceled",
                                                 "secret-decrypted",
                                                 "secrets-batch-decrypted",
                                                 "member-added",
                                                 "member-removed",
                                                 "member-role-changed",
                                                 "team-created",
                                                 "team-deleted",
                                                 "team-updated",
                                                 "organization-settings-changed",
                                                 "organization-created",
                                                 "user-created",
                                                 "personal-token-created",
                                                 "personal-token-deleted",
                                                 "service-created",
                                                 "service-updated",
                                                 "service-deleted",
                                                 "webhook-created",
                                                 "webhook-updated",
                                                 "webhook-deleted"};

TEST(AuditCatalogTest, CoversEveryContractKindWithUniqueIdsAndNames) {
  std::set<std::string_view> ids, names;
  for (const CatalogEntry& entry : Catalog()) {
    EXPECT_TRUE(ids.insert(entry.id).second) << entry.id;
    EXPECT_TRUE(names.insert(entry.display_name).second) << entry.display_name;
  }
  for (const std::string& kind : kContractKinds) {
    const CatalogEntry* entry = FindKind(kind);
    ASSERT_NE(entry, nullptr) << kind;
    EXPECT_FALSE(entry->display_name.empty());
    EXPECT_NE(entry->display_name, kind);
    // A description names something concrete, never the generic fallback.
    EXPECT_FALSE(Describe(Event(kind, "x")).starts_with("Event \"")) << kind;
  }
  EXPECT_EQ(Catalog().size(), kContractKinds.size());
}

TEST(AuditCatalogTest, DisplayNamesFollowTheCatalog) {
  EXPECT_EQ(DisplayName("stack-update-started"), "Stack Update Started");
  EXPECT_EQ(DisplayName("stack-transferred-to-organization"), "Stack Transferred to Organization");
  EXPECT_EQ(DisplayName("user-login"), "User Login");
  EXPECT_EQ(DisplayName("auth-failure-organization-role"), "Auth Failure Organization Role");
  EXPECT_EQ(DisplayName("stack-tags-updated"), "Stack Tags Updated");
  EXPECT_EQ(DisplayName("webhook-created"), "Webhook Created");
  EXPECT_EQ(DisplayName("personal-token-created"), "Personal Token Created");
  EXPECT_EQ(DisplayName("organization-created"), "Organization Created");
  EXPECT_EQ(DisplayName("user-created"), "User Created");
  EXPECT_EQ(DisplayName("brand-new-kind"), "brand-new-kind");
  EXPECT_EQ(FindKind("Stack Created"), nullptr);  // ids only
}

TEST(AuditCatalogTest, FlagsFollowSection55) {
  auto flags = [](std::string kind, std::map<std::string, std::string> fields = {}) {
    EventFlags f = FlagsFor(Event(std::move(kind), "t", std::move(fields)));
    return std::string(f.req_org_admin ? "O" : "") + (f.req_stack_admin ? "S" : "") +
           (f.auth_failure ? "A" : "");
  };
  EXPECT_EQ(flags("stack-created"), "");
  EXPECT_EQ(flags("stack-deleted"), "S");
  EXPECT_EQ(flags("stack-renamed"), "O");
  EXPECT_EQ(flags("stack-transferred-to-organization"), "O");
  EXPECT_EQ(flags("member-added"), "O");
  EXPECT_EQ(flags("member-role-changed"), "O");
  EXPECT_EQ(flags("team-updated"), "O");
  EXPECT_EQ(flags("service-deleted"), "O");
  EXPECT_EQ(flags("organization-settings-changed"), "O");
  EXPECT_EQ(flags("organization-created"), "O");
  EXPECT_EQ(flags("user-login"), "");
  EXPECT_EQ(flags("user-login-failed"), "");  // Pulumi Cloud: not an auth failure
  EXPECT_EQ(flags("auth-failure-organization-role"), "A");
  EXPECT_EQ(flags("auth-failure-stack-permission"), "A");
  EXPECT_EQ(flags("secret-decrypted"), "");
  EXPECT_EQ(flags("stack-update-started"), "");
  EXPECT_EQ(flags("personal-token-created"), "");
  EXPECT_EQ(flags("webhook-created", {{"scope", "organization"}}), "O");
  EXPECT_EQ(flags("webhook-deleted", {{"scope", "project1/dev"}}), "S");
  EXPECT_EQ(flags("unknown-kind"), "");
}

TEST(AuditCatalogTest, EventFilterAcceptsIdsAndDisplayNamesInAnyCase) {
  EXPECT_EQ(ResolveEventFilter("stack-created"), "stack-created");
  EXPECT_EQ(ResolveEventFilter("Stack Created"), "stack-created");
  EXPECT_EQ(ResolveEventFilter("  stack update STARTED "), "stack-update-started");
  EXPECT_EQ(ResolveEventFilter("MEMBER-ADDED"), "member-added");
  EXPECT_EQ(ResolveEventFilter("Stack Transferred To Organization"),
            "stack-transferred-to-organization");
  EXPECT_EQ(ResolveEventFilter("custom-thing"), "custom-thing");
  EXPECT_EQ(ResolveEventFilter(" "), "");
}

TEST(AuditCatalogTest, DescriptionsReadLikeTheSpecExamples) {
  EXPECT_EQ(
      Describe(StackEvent(
          "stack-update-started",
          {{"updateID", "u-123"}, {"kind", "update"}, {"dryRun", "false"}, {"version", "3"}})),
      "Started update \"u-123\" for stack \"project1/dev\"");
  EXPECT_EQ(Describe(StackEvent("stack-update-started",
                                {{"updateID", "u-9"}, {"kind", "preview"}, {"dryRun", "true"}})),
            "Started preview \"u-9\" for stack \"project1/dev\"");
  EXPECT_EQ(
      Describe(StackEvent(
          "stack-update-completed",
          {{"updateID", "u-123"}, {"kind", "refresh"}, {"dryRun", "false"}, {"result", "failed"}})),
      "Completed refresh \"u-123\" for stack \"project1/dev\" with result failed");
  EXPECT_EQ(
      Describe(StackEvent("stack-update-canceled", {{"updateID", "u-1"}, {"kind", "destroy"}})),
      "Canceled destroy \"u-1\" for stack \"project1/dev\"");
  EXPECT_EQ(Describe(StackEvent("stack-exported", {{"version", "latest"}})),
            "Exported stack project1/dev");
  EXPECT_EQ(Describe(StackEvent("stack-exported", {{"version", "4"}})),
            "Exported version 4 of stack project1/dev");
  EXPECT_EQ(Describe(StackEvent("stack-imported", {{"version", "5"}})),
            "Imported stack project1/dev as version 5");
  EXPECT_EQ(Describe(StackEvent("stack-rolled-back", {{"version", "6"}, {"fromVersion", "2"}})),
            "Rolled back stack project1/dev to version 2 as version 6");
  EXPECT_EQ(Describe(Event("member-role-changed", "bob", {{"role", "admin"}})),
            "Changed organization role for \"bob\" to admin");
  // Older publishers name the new role "to".
  EXPECT_EQ(Describe(Event("member-role-changed", "bob", {{"from", "member"}, {"to", "admin"}})),
            "Changed organization role for \"bob\" to admin");
  EXPECT_EQ(Describe(Event("member-added", "bob", {{"role", "member"}})),
            "Added \"bob\" to organization \"acme\" as member");
  EXPECT_EQ(Describe(Event("member-removed", "bob")), "Removed \"bob\" from organization \"acme\"");
  EXPECT_EQ(Describe(StackEvent("secret-decrypted",
                                {{"source", "service"}, {"ciphertextSuffix", "tbpiX4c="}})),
            "Decrypted secret value for stack \"project1/dev\" (cipher text suffix: \"tbpiX4c=\")");
  EXPECT_EQ(
      Describe(StackEvent("secret-decrypted", {{"source", "client"}, {"secretName", "dbPass"}})),
      "Decrypted secret value for stack \"project1/dev\" (secret name: \"dbPass\")");
  EXPECT_EQ(
      Describe(StackEvent("secrets-batch-decrypted", {{"source", "service"}, {"count", "3"}})),
      "Decrypted 3 secret values for stack \"project1/dev\"");
  EXPECT_EQ(Describe(StackEvent("secrets-batch-decrypted",
                                {{"source", "client"}, {"commandName", "pulumi up"}})),
            "Decrypted secret values for stack \"project1/dev\" (command: \"pulumi up\")");
  EXPECT_EQ(Describe(StackEvent("stack-created")), "Created stack \"project1/dev\"");
  EXPECT_EQ(Describe(StackEvent("stack-deleted")), "Deleted stack \"project1/dev\"");
  EXPECT_EQ(Describe(Event("stack-renamed", "project1/prod",
                           {{"from", "project1/dev"}, {"to", "project1/prod"}})),
            "Renamed stack \"project1/dev\" to \"project1/prod\"");
  EXPECT_EQ(Describe(StackEvent("stack-transferred-to-organization",
                                {{"fromOrg", "acme"}, {"toOrg", "globex"}})),
            "Transferred stack \"project1/dev\" from organization \"acme\" to organization "
            "\"globex\"");
  EXPECT_EQ(Describe(StackEvent("stack-tags-updated", {{"action", "add"}, {"tag", "env"}})),
            "Added tag \"env\" to stack \"project1/dev\"");
  EXPECT_EQ(Describe(StackEvent("stack-tags-updated", {{"action", "set"}})),
            "Replaced the tags of stack \"project1/dev\"");
  EXPECT_EQ(Describe(StackEvent("stack-tags-updated", {{"action", "delete"}, {"tag", "env"}})),
            "Deleted tag \"env\" from stack \"project1/dev\"");
  EXPECT_EQ(Describe(Event("team-created", "devs")), "Created team \"devs\"");
  EXPECT_EQ(Describe(Event("team-updated", "devs", {{"action", "add"}, {"member", "bob"}})),
            "Updated team \"devs\" (action: \"add\", member: \"bob\")");
  EXPECT_EQ(
      Describe(Event("organization-settings-changed", "acme", {{"defaultStackPermission", "101"}})),
      "Changed the default stack permission of organization \"acme\" to read");
  EXPECT_EQ(Describe(Event("organization-settings-changed", "acme",
                           {{"setting", "defaultStackPermission"}, {"from", "0"}, {"to", "102"}})),
            "Changed the default stack permission of organization \"acme\" to write");
  EXPECT_EQ(Describe(Event("organization-created", "acme", {{"admin", "alice"}})),
            "Created organization \"acme\" with admin \"alice\"");
  EXPECT_EQ(Describe(Event("user-created", "carol")), "Created user \"carol\"");
  EXPECT_EQ(Describe(Event("personal-token-created", "ci", {{"tokenID", "t1"}})),
            "Created personal access token \"ci\"");
  EXPECT_EQ(Describe(Event("service-created", "user/alice/checkout")),
            "Created service \"user/alice/checkout\"");
  EXPECT_EQ(Describe(Event("service-updated", "user/alice/checkout", {{"change", "items-added"}})),
            "Updated service \"user/alice/checkout\" (change: \"items-added\")");
  EXPECT_EQ(Describe(Event("webhook-created", "hook1", {{"scope", "organization"}})),
            "Created organization webhook \"hook1\"");
  EXPECT_EQ(Describe(Event("webhook-deleted", "hook1", {{"scope", "project1/dev"}})),
            "Deleted webhook \"hook1\" for stack \"project1/dev\"");
  events::DomainEvent login = Event("user-login", "alice");
  EXPECT_EQ(Describe(login), "User \"alice\" logged in");
  login.actor.token_name = "laptop";
  EXPECT_EQ(Describe(login), "User \"alice\" logged in with access token \"laptop\"");
  events::DomainEvent failed = Event("user-login-failed", "", {{"reason", "expired token"}});
  failed.actor = {};
  EXPECT_EQ(Describe(failed), "Failed login attempt (expired token)");
  EXPECT_EQ(Describe(Event("auth-failure-organization-role", "alice", {{"required", "admin"}})),
            "User \"alice\" was denied an action that requires the organization role admin");
  EXPECT_EQ(Describe(StackEvent("auth-failure-stack-permission", {{"required", "write"}})),
            "User \"alice\" was denied an action that requires write permission on stack "
            "\"project1/dev\"");
}

TEST(AuditCatalogTest, UnknownKindsGetAGenericDescription) {
  EXPECT_EQ(Describe(Event("policy-pack-created", "aws-guard", {{"version", "2"}, {"empty", ""}})),
            "Event \"policy-pack-created\" on \"aws-guard\" (version: \"2\")");
  EXPECT_EQ(Describe(Event("something-happened")), "Event \"something-happened\"");
}

TEST(AuditCatalogTest, LongValuesAreClippedOnACharacterBoundary) {
  std::string name(198, 'a');
  name += "\xC3\xA9\xC3\xA9";  // é é: the cut falls inside the second
  std::string text = Describe(Event("team-created", name));
  EXPECT_EQ(text, "Created team \"" + std::string(198, 'a') + "\xC3\xA9...\"");
}

}  // namespace
}  // namespace statehouse::audit
