#pragma once

// Teams, team membership and team stack grants (SQLite: sqlite/sqlite_team_store.cc).
// Same rules as store.h: atomic methods, opaque ids, Unix-second times,
// kNotFound / kAlreadyExists as documented per method.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/error.h"

namespace statehouse::storage {

class TeamStore {
 public:
  virtual ~TeamStore() = default;
};

}  // namespace statehouse::storage
