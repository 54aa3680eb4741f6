#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "common/error.h"
#include "storage/store.h"

namespace statehouse::stacks {

// A stack's running operation, shown by GET stack as `currentOperation`.
struct OperationInfo {
  std::string kind;    // e.g. "update", "Pupdate", "refresh", "destroy"
  std::string author;  // login of the requester
  int64_t started = 0;
};
// Returns the stack's running operation, or nullopt when nothing runs.
using OperationLookup =
    std::function<Result<std::optional<OperationInfo>>(const storage::StackRecord&)>;

}  // namespace statehouse::stacks
