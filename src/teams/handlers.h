#pragma once

#include "auth/authorizer.h"
#include "http/router.h"
#include "teams/service.h"

namespace statehouse::teams {

// POST /api/orgs/{org}/teams/pulumi (and …/github, refused), GET
// /api/orgs/{org}/teams, GET/DELETE/PATCH /api/orgs/{org}/teams/{team}.
void RegisterRoutes(http::Router& router, auth::Authorizer& authorizer, TeamService& service);

}  // namespace statehouse::teams
