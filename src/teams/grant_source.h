#pragma once

#include "auth/authorizer.h"
#include "storage/store.h"

namespace statehouse::teams {

// Team stack grants for the Authorizer: the highest permission granted on the
// stack to any team of the stack's org that the user belongs to. Thread-safe.
class TeamGrantSource final : public auth::StackGrantSource {
 public:
  explicit TeamGrantSource(storage::TeamStore& store) : store_(store) {}
  Result<auth::StackPermission> GrantFor(const storage::UserRecord& user,
                                         const storage::StackRecord& stack) override;

 private:
  storage::TeamStore& store_;
};

}  // namespace statehouse::teams
