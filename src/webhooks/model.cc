#include "webhooks/model.h"

#include <algorithm>

namespace statehouse::webhooks {

const std::vector<FilterInfo>& KnownFilters() {
  static const std::vector<FilterInfo> filters = {
      {"stack_created", kKindStack, kGroupStacks, true},
      {"stack_deleted", kKindStack, kGroupStacks, true},
      {"preview_succeeded", kKindStackPreview, kGroupStacks, false},
      {"preview_failed", kKindStackPreview, kGroupStacks, false},
      {"update_succeeded", kKindStackUpdate, kGroupStacks, false},
      {"update_failed", kKindStackUpdate, kGroupStacks, false},
      {"destroy_succeeded", kKindStackUpdate, kGroupStacks, false},
      {"destroy_failed", kKindStackUpdate, kGroupStacks, false},
      {"refresh_succeeded", kKindStackUpdate, kGroupStacks, false},
      {"refresh_failed", kKindStackUpdate, kGroupStacks, false},
      {"deployment_queued", "deployment", kGroupDeployments, false},
      {"deployment_started", "deployment", kGroupDeployments, false},
      {"deployment_succeeded", "deployment", kGroupDeployments, false},
      {"deployment_failed", "deployment", kGroupDeployments, false},
      {"drift_detected", "drift_detection", kGroupDeployments, false},
      {"drift_detection_succeeded", "drift_detection", kGroupDeployments, false},
      {"drift_detection_failed", "drift_detection", kGroupDeployments, false},
      {"drift_remediation_succeeded", "drift_remediation", kGroupDeployments, false},
      {"drift_remediation_failed", "drift_remediation", kGroupDeployments, false},
      {"policy_violation_mandatory", "policy_violation", "", false},
      {"policy_violation_advisory", "policy_violation", "", false},
  };
  return filters;
}

const FilterInfo* FindFilter(std::string_view name) {
  for (const FilterInfo& f : KnownFilters()) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

bool IsKnownGroup(std::string_view group) {
  return group == kGroupStacks || group == kGroupDeployments || group == kGroupEnvironments;
}

std::string_view GroupOfKind(std::string_view kind) {
  for (const FilterInfo& f : KnownFilters()) {
    if (f.kind == kind) return f.group;
  }
  return {};
}

bool Selects(const storage::WebhookRecord& hook, const HookEvent& event) {
  if (!hook.active) return false;
  if (hook.filters.empty() && hook.groups.empty()) return true;
  auto contains = [](const std::vector<std::string>& list, std::string_view value) {
    return std::find(list.begin(), list.end(), value) != list.end();
  };
  if (contains(hook.filters, event.filter)) return true;
  std::string_view group = GroupOfKind(event.kind);
  return !group.empty() && contains(hook.groups, group);
}

}  // namespace statehouse::webhooks
