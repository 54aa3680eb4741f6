#pragma once

// Webhook management for one scope: an organization (routes under
// /api/orgs/{org}/hooks, Need::kOrgAdmin) or a stack (under
// /api/stacks/{org}/{project}/{stack}/hooks, Need::kStackWrite). The scope
// comes from the Access: a stack Access means the stack's webhooks, else the
// org's. A stack webhook follows its stack through renames and transfers.
//
// Validation (kInvalidArgument, message naming the field):
//   organizationName must name the route's org (case-insensitively), and
//     projectName/stackName, when given, the route's stack (an org webhook
//     takes neither);
//   name: 1-100 of letters, digits, '_', '.', '-' (generated as 8 random hex
//     digits when omitted); displayName: 1-256 bytes, no control characters;
//   payloadUrl: an absolute http or https URL with a host, at most 2048
//     bytes; format: raw, slack or ms_teams (pulumi_deployments is refused:
//     Statehouse has no Pulumi Deployments); filters: documented filter
//     names, stack_created/stack_deleted on org webhooks only; groups:
//     stacks, deployments, environments; secret: at most 1024 bytes.
// Duplicates in filters and groups are dropped (first occurrence kept).
//
// The secret is sealed with the master key (bound to the webhook id) and is
// never returned. Mutations publish webhook-created / webhook-updated /
// webhook-deleted in the transaction of the change. Thread-safe.

#include <optional>
#include <string>
#include <vector>

#include "auth/authorizer.h"
#include "common/clock.h"
#include "common/error.h"
#include "common/random.h"
#include "events/domain_event.h"
#include "storage/store.h"
#include "webhooks/deliverer.h"

namespace statehouse::webhooks {

// The Webhook request body. Absent (or null) fields are nullopt.
struct WebhookInput {
  std::optional<std::string> organization_name;
  std::optional<std::string> project_name;
  std::optional<std::string> stack_name;
  std::optional<std::string> name;
  std::optional<std::string> display_name;
  std::optional<std::string> payload_url;
  std::optional<bool> active;
  std::optional<std::string> format;
  std::optional<std::vector<std::string>> filters;
  std::optional<std::vector<std::string>> groups;
  std::optional<std::string> secret;
};

// A webhook with the names of its scope, for responses.
struct WebhookView {
  storage::WebhookRecord hook;
  std::string org_name;
  std::string project;     // "" for an org webhook
  std::string stack_name;  // "" for an org webhook
};

class WebhookService {
 public:
  WebhookService(storage::Store& store, const Clock& clock, Random& random,
                 events::EventSink& events, std::string master_key, Deliverer& deliverer)
      : store_(store),
        clock_(clock),
        random_(random),
        events_(events),
        master_key_(std::move(master_key)),
        deliverer_(deliverer) {}

  // Requires organizationName, displayName, payloadUrl and active.
  // kAlreadyExists when the scope has a webhook of that name.
  Result<WebhookView> Create(const auth::Access& access, const WebhookInput& input);
  // The scope's webhooks ordered by name.
  Result<std::vector<WebhookView>> List(const auth::Access& access);
  // kNotFound for an unknown name.
  Result<WebhookView> Get(const auth::Access& access, const std::string& name);
  // Merge update: absent fields keep their value. `secret` absent keeps it,
  // "" removes it, anything else replaces it. A different `name` renames
  // (kAlreadyExists when taken). kNotFound for an unknown webhook.
  Result<WebhookView> Update(const auth::Access& access, const std::string& name,
                             const WebhookInput& input);
  // Removes the webhook with its queued jobs and delivery records.
  Result<void> Remove(const auth::Access& access, const std::string& name);

  // Posts a ping now, bypassing the queue (also to an inactive webhook), and
  // returns its delivery record; an unreachable or refused receiver is a
  // failed record, not an error. kNotFound for an unknown webhook.
  Result<storage::WebhookDeliveryRecord> Ping(const auth::Access& access, const std::string& name);
  // The newest kKeepDeliveries records, newest first.
  Result<std::vector<storage::WebhookDeliveryRecord>> Deliveries(const auth::Access& access,
                                                                 const std::string& name);
  // Posts the payload of delivery `delivery_id` again now (new delivery id),
  // and returns the new record. kNotFound for an unknown webhook or delivery.
  Result<storage::WebhookDeliveryRecord> Redeliver(const auth::Access& access,
                                                   const std::string& name,
                                                   const std::string& delivery_id);

 private:
  Result<storage::WebhookRecord> Load(const auth::Access& access, const std::string& name);
  Result<void> CheckScopeNames(const auth::Access& access, const WebhookInput& input);
  Result<void> ApplyFields(const auth::Access& access, const WebhookInput& input,
                           storage::WebhookRecord& hook);
  WebhookView View(const auth::Access& access, storage::WebhookRecord hook) const;
  Result<void> Publish(const auth::Access& access, std::string kind,
                       const storage::WebhookRecord& hook);
  Result<storage::WebhookDeliveryRecord> Send(const storage::WebhookRecord& hook,
                                              std::string_view kind, const std::string& payload);

  storage::Store& store_;
  const Clock& clock_;
  Random& random_;
  events::EventSink& events_;
  const std::string master_key_;
  Deliverer& deliverer_;
};

}  // namespace statehouse::webhooks
