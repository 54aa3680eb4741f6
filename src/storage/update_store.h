#pragma once

// Updates (up/preview/refresh/destroy/import), their leases, checkpoints and the stack's deployment history (SQLite: sqlite/sqlite_update_store.cc).
// Same rules as store.h: atomic methods, opaque ids, Unix-second times,
// kNotFound / kAlreadyExists as documented per method.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/error.h"

namespace statehouse::storage {

class UpdateStore {
 public:
  virtual ~UpdateStore() = default;
};

}  // namespace statehouse::storage
