#pragma once

#include "auth/authorizer.h"
#include "http/router.h"
#include "webhooks/service.h"

namespace statehouse::webhooks {

// Webhook routes, the same set under two scopes:
//   /api/orgs/{org}/hooks                        (Need::kOrgAdmin)
//   /api/stacks/{org}/{project}/{stack}/hooks    (Need::kStackWrite)
// POST (201 WebhookResponse) and GET (bare array) on the collection;
// GET/PATCH (200 WebhookResponse) and DELETE (204) on /{hookName};
// POST /{hookName}/ping (200 WebhookDelivery); GET /{hookName}/deliveries
// (bare array, newest first); POST /{hookName}/deliveries/{event}/redeliver
// (200 WebhookDelivery).
void RegisterRoutes(http::Router& router, auth::Authorizer& authorizer, WebhookService& service);

}  // namespace statehouse::webhooks
