#pragma once

// Per-stack secrets data keys, stored wrapped by the master key (SQLite: sqlite/sqlite_secret_store.cc).
// Same rules as store.h: atomic methods, opaque ids, Unix-second times,
// kNotFound / kAlreadyExists as documented per method.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/error.h"

namespace statehouse::storage {

class SecretStore {
 public:
  virtual ~SecretStore() = default;
};

}  // namespace statehouse::storage
