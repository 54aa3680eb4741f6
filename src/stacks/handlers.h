#pragma once

#include "auth/authorizer.h"
#include "http/router.h"
#include "stacks/service.h"

namespace statehouse::stacks {

// Stack routes: list, create, project existence, get, delete, rename,
// transfer and tags.
void RegisterRoutes(http::Router& router, auth::Authorizer& authorizer, StackService& service);

}  // namespace statehouse::stacks
