#include "webhooks/payload.h"

#include <fmt/format.h>

#include <boost/json.hpp>

namespace statehouse::webhooks {

namespace bj = boost::json;

const char kPingMessage[] = "\xF0\x9F\x8D\xB9 Just a friendly ping from Pulumi \xF0\x9F\x8D\xB9";

namespace {

std::string Field(const events::DomainEvent& event, const std::string& name) {
  auto it = event.fields.find(name);
  return it == event.fields.end() ? std::string() : it->second;
}

// The resourceChanges field (a JSON object of op → count) as an object; an
// absent or malformed value renders as {}.
bj::object ResourceChanges(const events::DomainEvent& event) {
  std::string text = Field(event, "resourceChanges");
  if (text.empty()) return {};
  boost::system::error_code ec;
  bj::value value = bj::parse(text, ec);
  if (ec || !value.is_object()) return {};
  bj::object out;
  for (const auto& kv : value.get_object()) {
    if (kv.value().is_int64() || kv.value().is_uint64()) out[kv.key()] = kv.value();
  }
  return out;
}

std::string StackLabel(const events::DomainEvent& event) {
  return fmt::format("{}/{}/{}", event.org_name, event.project, event.stack_name);
}

std::string UpdateUrl(const events::DomainEvent& event, const HookEvent& hook_event,
                      std::string_view base_url) {
  std::string stack_url =
      fmt::format("{}/{}/{}/{}", base_url, event.org_name, event.project, event.stack_name);
  if (hook_event.kind == kKindStackPreview) {
    return stack_url + "/previews/" + Field(event, "updateID");
  }
  return stack_url + "/updates/" + Field(event, "version");
}

std::string ResultOf(const events::DomainEvent& event) { return Field(event, "result"); }

// The operation: a preview names the operation it previews ("update" for
// the CLI's plain "preview").
std::string KindOf(const events::DomainEvent& event) {
  std::string kind = Field(event, "kind");
  return kind == "preview" ? "update" : kind;
}

std::string ActorName(const events::DomainEvent& event) {
  if (!event.actor.name.empty()) return event.actor.name;
  if (!event.actor.login.empty()) return event.actor.login;
  return "Statehouse";
}

// "create: 2, same: 1", or "none".
std::string ChangesText(const bj::object& changes) {
  std::string out;
  for (const auto& kv : changes) {
    if (!out.empty()) out += ", ";
    out += fmt::format("{}: {}", std::string_view(kv.key().data(), kv.key().size()),
                       bj::serialize(kv.value()));
  }
  return out.empty() ? "none" : out;
}

// One-line summary shared by the chat formats.
std::string Summary(const events::DomainEvent& event, const HookEvent& hook_event) {
  if (hook_event.kind == kKindStack) {
    return fmt::format("{} {} stack {}", ActorName(event),
                       hook_event.filter == "stack_created" ? "created" : "deleted",
                       StackLabel(event));
  }
  std::string kind = KindOf(event);
  if (hook_event.kind == kKindStackPreview) {
    return fmt::format("Preview of {} on stack {} {} (by {})", kind, StackLabel(event),
                       ResultOf(event), ActorName(event));
  }
  return fmt::format("{} of stack {} {} (by {})", kind.empty() ? "update" : kind, StackLabel(event),
                     ResultOf(event), ActorName(event));
}

bool Failed(const events::DomainEvent& event, const HookEvent& hook_event) {
  return hook_event.kind != kKindStack && ResultOf(event) != "succeeded";
}

// Slack mrkdwn needs &, < and > escaped.
std::string SlackEscape(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

std::string RenderRaw(const events::DomainEvent& event, const HookEvent& hook_event,
                      std::string_view base_url) {
  bj::object body;
  body["organization"] =
      bj::object{{"name", event.org_name}, {"githubLogin", event.org_name}, {"avatarUrl", ""}};
  if (!event.actor.login.empty()) {
    body["user"] =
        bj::object{{"name", event.actor.name.empty() ? event.actor.login : event.actor.name},
                   {"githubLogin", event.actor.login},
                   {"avatarUrl", ""}};
  }
  body["projectName"] = event.project;
  body["stackName"] = event.stack_name;
  if (hook_event.kind == kKindStack) {
    body["action"] = hook_event.filter == "stack_created" ? "created" : "deleted";
  } else {
    body["updateUrl"] = UpdateUrl(event, hook_event, base_url);
    body["kind"] = KindOf(event);
    body["result"] = ResultOf(event);
    body["resourceChanges"] = ResourceChanges(event);
    body["isPreview"] = hook_event.kind == kKindStackPreview;
  }
  return bj::serialize(body);
}

std::string RenderSlack(const events::DomainEvent& event, const HookEvent& hook_event,
                        std::string_view base_url) {
  const std::string summary = Summary(event, hook_event);
  bj::array fields;
  fields.push_back(
      bj::object{{"title", "Stack"}, {"value", SlackEscape(StackLabel(event))}, {"short", true}});
  bj::object attachment{{"fallback", SlackEscape(summary)},
                        {"color", Failed(event, hook_event) ? "#d40000" : "#2eb67d"},
                        {"title", SlackEscape(summary)}};
  if (hook_event.kind != kKindStack) {
    attachment["title_link"] = UpdateUrl(event, hook_event, base_url);
    fields.push_back(
        bj::object{{"title", "Kind"}, {"value", SlackEscape(KindOf(event))}, {"short", true}});
    fields.push_back(
        bj::object{{"title", "Result"}, {"value", SlackEscape(ResultOf(event))}, {"short", true}});
    fields.push_back(bj::object{{"title", "Resource changes"},
                                {"value", SlackEscape(ChangesText(ResourceChanges(event)))},
                                {"short", false}});
  }
  attachment["fields"] = std::move(fields);
  bj::array attachments;
  attachments.push_back(std::move(attachment));
  return bj::serialize(
      bj::object{{"text", SlackEscape(summary)}, {"attachments", std::move(attachments)}});
}

bj::object MessageCard(std::string_view summary, std::string_view text, std::string_view color) {
  return bj::object{{"@type", "MessageCard"},
                    {"@context", "https://schema.org/extensions"},
                    {"summary", summary},
                    {"themeColor", color},
                    {"text", text}};
}

std::string RenderTeams(const events::DomainEvent& event, const HookEvent& hook_event,
                        std::string_view base_url) {
  const std::string summary = Summary(event, hook_event);
  bj::object card = MessageCard(summary, summary, Failed(event, hook_event) ? "D40000" : "2EB67D");
  card["title"] = StackLabel(event);
  bj::array facts;
  facts.push_back(bj::object{{"name", "Stack"}, {"value", StackLabel(event)}});
  if (!event.actor.login.empty()) {
    facts.push_back(bj::object{{"name", "User"}, {"value", event.actor.login}});
  }
  if (hook_event.kind != kKindStack) {
    facts.push_back(bj::object{{"name", "Kind"}, {"value", KindOf(event)}});
    facts.push_back(bj::object{{"name", "Result"}, {"value", ResultOf(event)}});
    facts.push_back(
        bj::object{{"name", "Resource changes"}, {"value", ChangesText(ResourceChanges(event))}});
    bj::array targets;
    targets.push_back(
        bj::object{{"os", "default"}, {"uri", UpdateUrl(event, hook_event, base_url)}});
    bj::array actions;
    actions.push_back(
        bj::object{{"@type", "OpenUri"},
                   {"name", hook_event.kind == kKindStackPreview ? "View preview" : "View update"},
                   {"targets", std::move(targets)}});
    card["potentialAction"] = std::move(actions);
  }
  bj::array sections;
  sections.push_back(bj::object{{"facts", std::move(facts)}});
  card["sections"] = std::move(sections);
  return bj::serialize(card);
}

}  // namespace

std::optional<HookEvent> Classify(const events::DomainEvent& event) {
  if (event.kind == "stack-created") return HookEvent{kKindStack, "stack_created"};
  if (event.kind == "stack-deleted") return HookEvent{kKindStack, "stack_deleted"};
  if (event.kind != "stack-update-completed") return std::nullopt;
  const std::string result = Field(event, "result");
  if (result != "succeeded" && result != "failed") return std::nullopt;
  if (Field(event, "dryRun") == "true") return HookEvent{kKindStackPreview, "preview_" + result};
  std::string kind = KindOf(event);
  if (kind == "import") kind = "update";
  if (kind != "update" && kind != "refresh" && kind != "destroy") return std::nullopt;
  return HookEvent{kKindStackUpdate, kind + "_" + result};
}

bool OrgHooksOnly(const HookEvent& event) { return event.kind == kKindStack; }

std::string RenderEvent(std::string_view format, const events::DomainEvent& event,
                        const HookEvent& hook_event, std::string_view base_url) {
  if (format == kFormatSlack) return RenderSlack(event, hook_event, base_url);
  if (format == kFormatTeams) return RenderTeams(event, hook_event, base_url);
  return RenderRaw(event, hook_event, base_url);
}

std::string RenderPing(std::string_view format, int64_t now) {
  if (format == kFormatSlack) return bj::serialize(bj::object{{"text", kPingMessage}});
  if (format == kFormatTeams) {
    return bj::serialize(MessageCard(kPingMessage, kPingMessage, "2EB67D"));
  }
  return bj::serialize(bj::object{{"timestamp", now}, {"message", kPingMessage}});
}

}  // namespace statehouse::webhooks
