#pragma once

// Per-stack secrets data keys, stored wrapped by the master key (SqlStore:
// secret_store.cc). Same rules as store.h.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/error.h"

namespace statehouse::storage {

// A stack's secrets data key as stored: only ever in wrapped form. Bound to
// the stack's immutable id, so it survives renames and transfers, and is
// removed together with the stack.
struct StackSecretKeyRecord {
  std::string stack_id;
  std::string master_key_id;  // opaque id of the key that wrapped it
  std::string wrapped_key;    // opaque bytes
  int64_t created = 0;
};

class SecretStore {
 public:
  virtual ~SecretStore() = default;
  // The stack's key; nullopt when none has been stored for it (or the stack
  // does not exist).
  virtual Result<std::optional<StackSecretKeyRecord>> GetStackSecretKey(
      const std::string& stack_id) = 0;
  // Stores `record` as the key of record.stack_id unless that stack already
  // has one, and returns the key stored afterwards: `record` itself, or the
  // earlier key untouched. Callers racing to create a stack's first key all
  // receive the same (winning) record. kNotFound if the stack does not exist.
  virtual Result<StackSecretKeyRecord> CreateStackSecretKeyIfAbsent(
      const StackSecretKeyRecord& record) = 0;
};

}  // namespace statehouse::storage
