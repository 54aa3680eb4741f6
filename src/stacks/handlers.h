#pragma once

#include <cstddef>

#include "auth/authorizer.h"
#include "http/router.h"
#include "stacks/model.h"
#include "stacks/service.h"

namespace statehouse::stacks {

// Stack routes: list, create, project existence, get, delete, rename,
// transfer and tags. `state_body_limit` caps bodies that may carry a
// deployment (create stack with an initial state). `current_operation`, when
// set, fills GET stack's `currentOperation`.
void RegisterRoutes(http::Router& router, auth::Authorizer& authorizer, StackService& service,
                    size_t state_body_limit, OperationLookup current_operation = {});

}  // namespace statehouse::stacks
