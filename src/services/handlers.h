#pragma once

#include "auth/authorizer.h"
#include "http/router.h"
#include "services/service.h"

namespace statehouse::services {

// Services routes under /api/orgs/{org}/services: create, list, head, get,
// update, delete, and add/remove items (v1 answers with the service and its
// first page of items, v2 with 204). Every route needs org membership; the
// service decides who may mutate.
void RegisterRoutes(http::Router& router, auth::Authorizer& authorizer, ServiceCatalog& catalog);

}  // namespace statehouse::services
