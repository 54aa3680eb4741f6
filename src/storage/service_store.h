#pragma once

// Services: groups of stacks and environments (SQLite: sqlite/sqlite_service_store.cc).
// Same rules as store.h: atomic methods, opaque ids, Unix-second times,
// kNotFound / kAlreadyExists as documented per method.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/error.h"

namespace statehouse::storage {

class ServiceStore {
 public:
  virtual ~ServiceStore() = default;
};

}  // namespace statehouse::storage
