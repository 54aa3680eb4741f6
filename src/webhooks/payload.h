#pragma once

// Which domain events become webhook events and the request bodies posted
// for them, per webhook format (Pulumi Cloud's payload shapes).
// Pure functions; thread-safe.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "events/domain_event.h"
#include "webhooks/model.h"

namespace statehouse::webhooks {

// "🍹 Just a friendly ping from Pulumi 🍹" (UTF-8).
extern const char kPingMessage[];

// The webhook event `event` produces, or nullopt when it produces none:
//   stack-created / stack-deleted → stack (stack_created / stack_deleted);
//   stack-update-completed, dryRun "true" → stack_preview (preview_<result>);
//   stack-update-completed, kind update/refresh/destroy/import →
//     stack_update (<kind>_<result>, import as update);
// where result must be "succeeded" or "failed".
std::optional<HookEvent> Classify(const events::DomainEvent& event);

// Events that go to organization webhooks only (kind "stack").
bool OrgHooksOnly(const HookEvent& event);

// The body for a webhook of `format` ("raw", "slack" or "ms_teams"; anything
// else renders as raw). `base_url` prefixes the links in update payloads
// ("{base}/{org}/{project}/{stack}/updates/{version}", previews
// "…/previews/{updateID}"); no trailing slash.
//   raw: {"organization":{name,githubLogin,avatarUrl},"user":{…} (absent
//     when no user acted),"projectName","stackName", then "action"
//     (stack) or "updateUrl","kind","result","resourceChanges","isPreview";
//   slack: an incoming-webhook message {"text", "attachments":[…]};
//   ms_teams: a connector MessageCard.
std::string RenderEvent(std::string_view format, const events::DomainEvent& event,
                        const HookEvent& hook_event, std::string_view base_url);

// The ping body: raw {"timestamp":<now>,"message":kPingMessage} exactly;
// slack {"text":kPingMessage}; ms_teams a MessageCard with that text.
std::string RenderPing(std::string_view format, int64_t now);

}  // namespace statehouse::webhooks
