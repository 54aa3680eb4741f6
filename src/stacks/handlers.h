#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "auth/authorizer.h"
#include "http/router.h"
#include "stacks/service.h"

namespace statehouse::stacks {

// Stack routes: list, create, project existence, get, delete, rename,
// transfer and tags. `state_body_limit` caps bodies that may carry a
// deployment (create stack with an initial state).
// A stack's running operation, shown by GET stack as `currentOperation`.
struct OperationInfo {
  std::string kind;    // e.g. "update", "Pupdate", "refresh", "destroy"
  std::string author;  // login of the requester
  int64_t started = 0;
};
// Returns the stack's running operation, or nullopt when nothing runs.
using OperationLookup =
    std::function<Result<std::optional<OperationInfo>>(const storage::StackRecord&)>;

// `current_operation`, when set, fills GET stack's `currentOperation`.
void RegisterRoutes(http::Router& router, auth::Authorizer& authorizer, StackService& service,
                    size_t state_body_limit, OperationLookup current_operation = {});

}  // namespace statehouse::stacks
