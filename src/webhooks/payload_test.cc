#include "webhooks/payload.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace statehouse::webhooks {
namespace {

namespace bj = boost::json;

events::DomainEvent StackEvent(std::string kind) {
  events::DomainEvent event;
  event.kind = std::move(kind);
  event.org_id = "o-acme";
  event.org_name = "acme";
  event.actor.user_id = "u-alice";
  event.actor.login = "alice";
  event.actor.name = "Alice <A>";
  event.stack_id = "s-1";
  event.project = "website";
  event.stack_name = "prod";
  event.target = "website/prod";
  event.time = 1'700'000'000;
  return event;
}

events::DomainEvent Completed(std::string kind, std::string dry_run, std::string result) {
  events::DomainEvent event = StackEvent("stack-update-completed");
  event.fields = {{"updateID", "upd-7"},          {"kind", std::move(kind)},
                  {"dryRun", std::move(dry_run)}, {"version", "12"},
                  {"result", std::move(result)},  {"resourceChanges", R"({"create":2,"same":1})"}};
  return event;
}

bj::object Parse(const std::string& text) {
  boost::system::error_code ec;
  bj::value value = bj::parse(text, ec);
  EXPECT_FALSE(ec) << text;
  return value.is_object() ? value.as_object() : bj::object();
}

TEST(ClassifyTest, MapsTheContractKinds) {
  auto created = Classify(StackEvent("stack-created"));
  ASSERT_TRUE(created);
  EXPECT_EQ(created->kind, "stack");
  EXPECT_EQ(created->filter, "stack_created");
  EXPECT_TRUE(OrgHooksOnly(*created));
  EXPECT_EQ(Classify(StackEvent("stack-deleted"))->filter, "stack_deleted");

  struct Case {
    std::string kind, dry_run, result, hook_kind, filter;
  };
  for (const Case& c : std::vector<Case>{
           {"update", "false", "succeeded", "stack_update", "update_succeeded"},
           {"update", "false", "failed", "stack_update", "update_failed"},
           {"refresh", "false", "succeeded", "stack_update", "refresh_succeeded"},
           {"destroy", "false", "failed", "stack_update", "destroy_failed"},
           {"import", "false", "succeeded", "stack_update", "update_succeeded"},
           {"preview", "true", "succeeded", "stack_preview", "preview_succeeded"},
           {"update", "true", "failed", "stack_preview", "preview_failed"},
           {"destroy", "true", "succeeded", "stack_preview", "preview_succeeded"},
       }) {
    auto e = Classify(Completed(c.kind, c.dry_run, c.result));
    ASSERT_TRUE(e) << c.kind << " " << c.dry_run;
    EXPECT_EQ(e->kind, c.hook_kind) << c.kind;
    EXPECT_EQ(e->filter, c.filter) << c.kind;
    EXPECT_FALSE(OrgHooksOnly(*e));
  }
}

TEST(ClassifyTest, IgnoresEverythingElse) {
  for (const char* kind :
       {"stack-update-started", "stack-update-canceled", "stack-renamed", "member-added",
        "webhook-created", "update-completed", "stack-exported"}) {
    EXPECT_FALSE(Classify(StackEvent(kind))) << kind;
  }
  EXPECT_FALSE(Classify(Completed("update", "false", "")));
  EXPECT_FALSE(Classify(Completed("update", "false", "cancelled")));
  EXPECT_FALSE(Classify(Completed("weird", "false", "succeeded")));
}

TEST(RenderRawTest, StackEventCarriesOrganizationUserAndAction) {
  events::DomainEvent event = StackEvent("stack-created");
  const std::string text = RenderEvent("raw", event, *Classify(event), "https://sh.example.com");
  EXPECT_EQ(text, R"({"organization":{"name":"acme","githubLogin":"acme","avatarUrl":""},)"
                  R"("user":{"name":"Alice <A>","githubLogin":"alice","avatarUrl":""},)"
                  R"("projectName":"website","stackName":"prod","action":"created"})");
  events::DomainEvent deleted = StackEvent("stack-deleted");
  deleted.actor = {};
  bj::object body = Parse(RenderEvent("raw", deleted, *Classify(deleted), "x"));
  EXPECT_EQ(body.at("action"), "deleted");
  EXPECT_FALSE(body.contains("user"));  // no user acted
}

TEST(RenderRawTest, UpdateAndPreviewPayloads) {
  events::DomainEvent update = Completed("update", "false", "succeeded");
  bj::object body = Parse(RenderEvent("raw", update, *Classify(update), "https://sh.example.com"));
  EXPECT_EQ(body.at("organization").at("githubLogin"), "acme");
  EXPECT_EQ(body.at("user").at("githubLogin"), "alice");
  EXPECT_EQ(body.at("projectName"), "website");
  EXPECT_EQ(body.at("stackName"), "prod");
  EXPECT_EQ(body.at("updateUrl"), "https://sh.example.com/acme/website/prod/updates/12");
  EXPECT_EQ(body.at("kind"), "update");
  EXPECT_EQ(body.at("result"), "succeeded");
  EXPECT_EQ(body.at("resourceChanges"), (bj::object{{"create", 2}, {"same", 1}}));
  EXPECT_EQ(body.at("isPreview"), false);

  events::DomainEvent preview = Completed("preview", "true", "failed");
  body = Parse(RenderEvent("raw", preview, *Classify(preview), "http://h:1"));
  EXPECT_EQ(body.at("updateUrl"), "http://h:1/acme/website/prod/previews/upd-7");
  EXPECT_EQ(body.at("kind"), "update");  // the operation previewed
  EXPECT_EQ(body.at("result"), "failed");
  EXPECT_EQ(body.at("isPreview"), true);

  events::DomainEvent no_changes = Completed("destroy", "false", "failed");
  no_changes.fields["resourceChanges"] = "not json";
  body = Parse(RenderEvent("raw", no_changes, *Classify(no_changes), "x"));
  EXPECT_EQ(body.at("resourceChanges"), bj::object());
  EXPECT_EQ(body.at("kind"), "destroy");
}

TEST(RenderChatTest, SlackMessage) {
  events::DomainEvent update = Completed("update", "false", "failed");
  bj::object body = Parse(RenderEvent("slack", update, *Classify(update), "https://sh"));
  const std::string text(body.at("text").as_string());
  EXPECT_NE(text.find("acme/website/prod"), std::string::npos) << text;
  EXPECT_NE(text.find("failed"), std::string::npos) << text;
  EXPECT_NE(text.find("Alice &lt;A&gt;"), std::string::npos) << text;  // mrkdwn escaped
  const bj::object& attachment = body.at("attachments").as_array().at(0).as_object();
  EXPECT_EQ(attachment.at("title_link"), "https://sh/acme/website/prod/updates/12");
  EXPECT_EQ(attachment.at("color"), "#d40000");
  EXPECT_NE(bj::serialize(attachment.at("fields")).find("create: 2, same: 1"), std::string::npos);

  events::DomainEvent created = StackEvent("stack-created");
  body = Parse(RenderEvent("slack", created, *Classify(created), "https://sh"));
  EXPECT_NE(std::string(body.at("text").as_string()).find("created stack acme/website/prod"),
            std::string::npos);
}

TEST(RenderChatTest, TeamsMessageCard) {
  events::DomainEvent preview = Completed("update", "true", "succeeded");
  bj::object card = Parse(RenderEvent("ms_teams", preview, *Classify(preview), "https://sh"));
  EXPECT_EQ(card.at("@type"), "MessageCard");
  EXPECT_EQ(card.at("@context"), "https://schema.org/extensions");
  EXPECT_FALSE(card.at("summary").as_string().empty());
  EXPECT_FALSE(card.at("text").as_string().empty());
  EXPECT_EQ(card.at("potentialAction").at(0).at("targets").at(0).at("uri"),
            "https://sh/acme/website/prod/previews/upd-7");
}

TEST(RenderPingTest, PerFormat) {
  EXPECT_EQ(Parse(RenderPing("raw", 5)).size(), 2u);
  EXPECT_EQ(Parse(RenderPing("slack", 5)).at("text"), kPingMessage);
  bj::object card = Parse(RenderPing("ms_teams", 5));
  EXPECT_EQ(card.at("@type"), "MessageCard");
  EXPECT_EQ(card.at("text"), kPingMessage);
}

storage::WebhookRecord Hook(std::vector<std::string> filters, std::vector<std::string> groups,
                            bool active = true) {
  storage::WebhookRecord hook;
  hook.active = active;
  hook.filters = std::move(filters);
  hook.groups = std::move(groups);
  return hook;
}

TEST(SelectionTest, FiltersAndGroupsFormAUnion) {
  const HookEvent update{"stack_update", "update_succeeded"};
  const HookEvent created{"stack", "stack_created"};
  const HookEvent preview{"stack_preview", "preview_failed"};

  EXPECT_TRUE(Selects(Hook({}, {}), update));
  EXPECT_TRUE(Selects(Hook({}, {}), created));
  EXPECT_FALSE(Selects(Hook({}, {}, /*active=*/false), update));

  EXPECT_TRUE(Selects(Hook({"update_succeeded"}, {}), update));
  EXPECT_FALSE(Selects(Hook({"update_failed"}, {}), update));
  EXPECT_FALSE(Selects(Hook({"update_succeeded"}, {}), created));

  EXPECT_TRUE(Selects(Hook({}, {"stacks"}), update));
  EXPECT_TRUE(Selects(Hook({}, {"stacks"}), created));
  EXPECT_TRUE(Selects(Hook({}, {"stacks"}), preview));
  EXPECT_FALSE(Selects(Hook({}, {"deployments"}), update));
  EXPECT_FALSE(Selects(Hook({}, {"environments"}), created));

  // Union: a filter outside the group still counts, and vice versa.
  EXPECT_TRUE(Selects(Hook({"stack_created"}, {"deployments"}), created));
  EXPECT_FALSE(Selects(Hook({"stack_created"}, {"deployments"}), update));
  EXPECT_TRUE(Selects(Hook({"deployment_started"}, {"stacks"}), preview));
}

TEST(ModelTest, KnowsTheDocumentedFiltersAndGroups) {
  EXPECT_EQ(KnownFilters().size(), 21u);
  ASSERT_NE(FindFilter("refresh_failed"), nullptr);
  EXPECT_EQ(FindFilter("refresh_failed")->kind, "stack_update");
  EXPECT_TRUE(FindFilter("stack_deleted")->org_only);
  EXPECT_FALSE(FindFilter("preview_succeeded")->org_only);
  EXPECT_EQ(FindFilter("refresh failed"), nullptr);
  EXPECT_EQ(GroupOfKind("stack_preview"), "stacks");
  EXPECT_EQ(GroupOfKind("drift_detection"), "deployments");
  EXPECT_TRUE(IsKnownGroup("environments"));
  EXPECT_FALSE(IsKnownGroup("teams"));
}

}  // namespace
}  // namespace statehouse::webhooks
