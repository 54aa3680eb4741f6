#pragma once

#include "auth/authorizer.h"
#include "http/router.h"
#include "identity/service.h"

namespace statehouse::identity {

// GET /api/user, GET /api/user/organizations/default, the site-admin endpoints
// (POST /api/admin/users, POST /api/admin/orgs) and
// POST /api/orgs/{org}/members/{username}.
void RegisterRoutes(http::Router& router, auth::Authorizer& authorizer, IdentityService& service);

}  // namespace statehouse::identity
