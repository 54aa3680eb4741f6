#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string_view>
#include <vector>

#include <boost/json.hpp>

#include "auth/authorizer.h"
#include "http/router.h"
#include "stacks/handlers.h"
#include "updates/service.h"

namespace statehouse::updates {

// What the update routes show from engine events (src/engine_events). Unset
// members show nothing.
struct EventViews {
  // resourceChanges (op → count) of those of the updates that have any.
  std::function<Result<std::map<std::string, std::map<std::string, int64_t>>>(
      const std::vector<std::string>& update_ids)>
      resource_changes;
  // Sets "events" (and "continuationToken" while more may come) of the
  // status poll of `update` from the given continuation token.
  std::function<Result<void>(const storage::UpdateRecord& update,
                             std::optional<std::string_view> continuation_token,
                             boost::json::object& body)>
      status_events;
};

// Update lifecycle (create/start/status/renew_lease/complete/cancel),
// checkpoints (full, verbatim, delta), export and history routes.
// `state_body_limit` caps the checkpoint bodies (after gzip).
void RegisterRoutes(http::Router& router, auth::Authorizer& authorizer, UpdateService& service,
                    size_t state_body_limit, EventViews views = {});

// The stack's running operation for GET stack (`currentOperation`).
Result<std::optional<stacks::OperationInfo>> CurrentOperation(UpdateService& service,
                                                             const storage::StackRecord& stack);

}  // namespace statehouse::updates
