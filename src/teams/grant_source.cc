#include "teams/grant_source.h"

namespace statehouse::teams {

Result<auth::StackPermission> TeamGrantSource::GrantFor(const storage::UserRecord& user,
                                                        const storage::StackRecord& stack) {
  SH_ASSIGN_OR_RETURN(const int permission, store_.MaxTeamStackPermission(user.id, stack.id));
  switch (permission) {
    case 101:
      return auth::StackPermission::kRead;
    case 102:
      return auth::StackPermission::kWrite;
    case 103:
      return auth::StackPermission::kAdmin;
    default:
      return auth::StackPermission::kNone;
  }
}

}  // namespace statehouse::teams
