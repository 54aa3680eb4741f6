#pragma once

#include <cstddef>
#include <optional>

#include "auth/authorizer.h"
#include "engine_events/model.h"
#include "http/router.h"
#include "stacks/model.h"
#include "updates/service.h"

namespace statehouse::updates {

// Update lifecycle (create/start/status/renew_lease/complete/cancel),
// checkpoints (full, verbatim, delta), export and history routes.
// `state_body_limit` caps the checkpoint bodies (after gzip).
void RegisterRoutes(http::Router& router, auth::Authorizer& authorizer, UpdateService& service,
                    size_t state_body_limit, engine_events::EventViews views = {});

// The stack's running operation for GET stack (`currentOperation`).
Result<std::optional<stacks::OperationInfo>> CurrentOperation(UpdateService& service,
                                                             const storage::StackRecord& stack);

}  // namespace statehouse::updates
