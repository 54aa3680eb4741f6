#pragma once

// Webhook vocabulary: payload formats, event kinds, filters and groups, and the
// selection rule that decides which webhooks an event goes to. Pure functions;
// thread-safe.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "storage/webhook_store.h"

namespace statehouse::webhooks {

inline constexpr char kFormatRaw[] = "raw";
inline constexpr char kFormatSlack[] = "slack";
inline constexpr char kFormatTeams[] = "ms_teams";
// Accepted by Pulumi Cloud for stack webhooks; Statehouse has no deployments.
inline constexpr char kFormatDeployments[] = "pulumi_deployments";

// Pulumi-Webhook-Kind values Statehouse sends.
inline constexpr char kKindPing[] = "ping";
inline constexpr char kKindStack[] = "stack";
inline constexpr char kKindStackPreview[] = "stack_preview";
inline constexpr char kKindStackUpdate[] = "stack_update";

inline constexpr char kGroupStacks[] = "stacks";
inline constexpr char kGroupDeployments[] = "deployments";
inline constexpr char kGroupEnvironments[] = "environments";

// One documented event filter.
struct FilterInfo {
  std::string_view name;   // e.g. "update_succeeded"
  std::string_view kind;   // Pulumi-Webhook-Kind, e.g. "stack_update"
  std::string_view group;  // "stacks", "deployments" or "" (none)
  bool org_only;           // only organization webhooks receive it
};

// Every filter an organization or stack webhook may name (environment filters
// excluded). Statehouse produces only the "stacks" group's events; the others
// are accepted so clients written for Pulumi Cloud keep working.
const std::vector<FilterInfo>& KnownFilters();
const FilterInfo* FindFilter(std::string_view name);

bool IsKnownGroup(std::string_view group);

// An event as webhooks see it: its kind and the filter it answers to.
struct HookEvent {
  std::string kind;    // e.g. "stack_update"
  std::string filter;  // e.g. "update_succeeded"
};

// The group of a kind ("stacks" for stack, stack_preview, stack_update).
std::string_view GroupOfKind(std::string_view kind);

// Selection rule: an active webhook with neither filters nor groups receives
// every event of its scope; otherwise one whose filters list the event's filter
// or whose groups list the event kind's group.
bool Selects(const storage::WebhookRecord& hook, const HookEvent& event);

}  // namespace statehouse::webhooks
