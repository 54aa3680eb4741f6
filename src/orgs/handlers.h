#pragma once

#include "auth/authorizer.h"
#include "http/router.h"
#include "orgs/service.h"

namespace statehouse::orgs {

// GET /api/orgs/{org}/members, PATCH/DELETE /api/orgs/{org}/members/{username}
// (POST lives with identity), GET /api/orgs/{org} and PATCH /api/orgs/{org}
// (setDefaultStackPermission only).
void RegisterRoutes(http::Router& router, auth::Authorizer& authorizer, OrgService& service);

}  // namespace statehouse::orgs
