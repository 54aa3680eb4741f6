// TeamStore: teams, team membership and team stack grants.
//
// Rules kept across replicas (PostgreSQL; SQLite serializes its writers):
//   * a team member is a member of the team's org: adding one share-locks
//     the org row (FOR SHARE), which waits for and is waited on by
//     RemoveMember's org row lock (FOR NO KEY UPDATE), so a member is never
//     added to a team while being removed from its org; the team row is
//     key-share-locked too, so a concurrent DeleteTeam yields kNotFound. The
//     insert that checks the membership is a separate statement, so its
//     fresh READ COMMITTED snapshot sees what the lock waited for;
//   * a grant names a stack of the team's org: creating one share-locks the
//     stack row, which serializes it with MoveStack (whose transfer trigger
//     drops the stack's grants), so a transferred stack never keeps or
//     regains a grant from its former org. The locked rows are re-checked
//     after the wait, so the one statement inserts nothing if the stack left
//     the team's org meanwhile.

#include <fmt/format.h>

#include "storage/sql_store.h"

namespace statehouse::storage {
namespace {

SH_QUERY(kInsertTeam,
         "INSERT INTO teams (id, org_id, name, display_name, description, created)"
         " VALUES ($1, $2, $3, $4, $5, $6)");
SH_QUERY(kSelectTeam,
         "SELECT id, org_id, name, display_name, description, created FROM teams"
         " WHERE org_id = $1 AND sh_fold(name) = sh_fold($2)");
SH_QUERY(kSelectTeams,
         "SELECT id, org_id, name, display_name, description, created FROM teams"
         " WHERE org_id = $1 ORDER BY sh_fold(name), id");
SH_QUERY(kDeleteTeam, "DELETE FROM teams WHERE id = $1");
SH_QUERY(kUpdateTeam,
         "UPDATE teams SET display_name = COALESCE($2, display_name),"
         " description = COALESCE($3, description) WHERE id = $1");

// Locks the team (against deletion) and its org (against member removal,
// which locks it FOR NO KEY UPDATE).
SH_QUERY(kLockTeamAndOrg,
         "SELECT 1 FROM teams AS t JOIN orgs AS o ON o.id = t.org_id WHERE t.id = $1"
         " FOR KEY SHARE OF t FOR SHARE OF o");
// Inserts only when the user belongs to the team's org.
SH_QUERY(kInsertTeamMember,
         "INSERT INTO team_members (team_id, user_id, role, created)"
         " SELECT t.id, m.user_id, $3::integer, $4::bigint FROM teams AS t"
         " JOIN memberships AS m ON m.org_id = t.org_id AND m.user_id = $2"
         " WHERE t.id = $1");
SH_QUERY(kSelectTeamMembers,
         "SELECT u.id, u.login, u.name, tm.role, tm.created"
         " FROM team_members AS tm JOIN users AS u ON u.id = tm.user_id"
         " WHERE tm.team_id = $1 ORDER BY sh_fold(u.login), u.id");
SH_QUERY(kSelectTeamRole, "SELECT role FROM team_members WHERE team_id = $1 AND user_id = $2");
SH_QUERY(kDeleteTeamMember, "DELETE FROM team_members WHERE team_id = $1 AND user_id = $2");
SH_QUERY(kUpdateTeamMemberRole,
         "UPDATE team_members SET role = $3 WHERE team_id = $1 AND user_id = $2");

SH_QUERY(kSelectTeamGrants,
         "SELECT s.id, s.project, s.name, g.permission"
         " FROM team_stack_grants AS g JOIN stacks AS s ON s.id = g.stack_id"
         " JOIN teams AS t ON t.id = g.team_id AND t.org_id = s.org_id"
         " WHERE g.team_id = $1 ORDER BY sh_fold(s.project), sh_fold(s.name), s.id");
// Upsert, only when team and stack exist in the same org; on PostgreSQL
// locks the team against deletion and the stack against deletion and
// transfer until commit.
SH_QUERY(kUpsertTeamGrant,
         "INSERT INTO team_stack_grants (team_id, stack_id, permission)"
         " SELECT t.id, s.id, $3::integer FROM teams AS t JOIN stacks AS s ON s.org_id = t.org_id"
         " WHERE t.id = $1 AND s.id = $2 FOR KEY SHARE OF t FOR SHARE OF s"
         " ON CONFLICT (team_id, stack_id) DO UPDATE SET permission = excluded.permission");
// The grant row lock serializes with the transfer trigger's delete.
SH_QUERY(kUpdateTeamGrant,
         "UPDATE team_stack_grants SET permission = $3 WHERE team_id = $1 AND stack_id = $2");
SH_QUERY(kDeleteTeamGrant, "DELETE FROM team_stack_grants WHERE team_id = $1 AND stack_id = $2");
// Grants count only while the stack is in the team's org (the transfer
// trigger removes the others; the join keeps reads correct regardless).
SH_QUERY(kMaxTeamGrant,
         "SELECT COALESCE(MAX(g.permission), 0)"
         " FROM team_stack_grants AS g"
         " JOIN team_members AS tm ON tm.team_id = g.team_id AND tm.user_id = $1"
         " JOIN teams AS t ON t.id = g.team_id"
         " JOIN stacks AS s ON s.id = g.stack_id AND s.org_id = t.org_id"
         " WHERE g.stack_id = $2");

TeamRecord ReadTeam(const Rows& rows) {
  return TeamRecord{rows.Text(0), rows.Text(1), rows.Text(2),
                    rows.Text(3), rows.Text(4), rows.Int(5)};
}

TeamRole ToTeamRole(int64_t value) {
  return value == 1 || value == 2 ? static_cast<TeamRole>(value) : TeamRole::kNone;
}

// Only inside Write.
Result<void> InsertTeamMember(Session& s, const std::string& team_id, const std::string& user_id,
                              TeamRole role, int64_t created) {
  constexpr std::string_view kNotFound =
      "team not found or user is not a member of its organization";
  SH_TRY(s.RequireRow(kLockTeamAndOrg, Params::Of(team_id), kNotFound));
  return AlreadyExistsAs(
      s.ChangeOne(kInsertTeamMember,
                  Params::Of(team_id, user_id, static_cast<int64_t>(role), created), kNotFound),
      "user is already a member of the team");
}

}  // namespace

Result<void> SqlStore::CreateTeam(const TeamRecord& team, const std::string& creator_user_id) {
  return engine_->Write([&](Session& s) -> Result<void> {
    SH_TRY(AlreadyExistsAs(
        s.Execute(kInsertTeam, Params::Of(team.id, team.org_id, team.name, team.display_name,
                                          team.description, team.created)),
        fmt::format("team '{}' already exists", team.name)));
    if (creator_user_id.empty()) return {};
    return InsertTeamMember(s, team.id, creator_user_id, TeamRole::kAdmin, team.created);
  });
}

Result<TeamRecord> SqlStore::GetTeam(const std::string& org_id, const std::string& name) {
  return engine_->One(kSelectTeam, Params::Of(org_id, name), ReadTeam,
                      fmt::format("team '{}' not found", name));
}

Result<std::vector<TeamRecord>> SqlStore::ListTeams(const std::string& org_id) {
  return engine_->All(kSelectTeams, Params::Of(org_id), ReadTeam);
}

// One statement (memberships and grants go by ON DELETE CASCADE).
Result<void> SqlStore::DeleteTeam(const std::string& team_id) {
  return engine_->ChangeOne(kDeleteTeam, Params::Of(team_id), "team not found");
}

Result<void> SqlStore::UpdateTeam(const std::string& team_id,
                                  const std::optional<std::string>& display_name,
                                  const std::optional<std::string>& description) {
  return engine_->ChangeOne(kUpdateTeam, Params::Of(team_id, display_name, description),
                            "team not found");
}

Result<std::vector<TeamMemberRecord>> SqlStore::ListTeamMembers(const std::string& team_id) {
  return engine_->All(kSelectTeamMembers, Params::Of(team_id), [](const Rows& rows) {
    return TeamMemberRecord{rows.Text(0), rows.Text(1), rows.Text(2), ToTeamRole(rows.Int(3)),
                            rows.Int(4)};
  });
}

Result<TeamRole> SqlStore::GetTeamRole(const std::string& team_id, const std::string& user_id) {
  SH_ASSIGN_OR_RETURN(const int64_t role,
                      engine_->QueryInt(kSelectTeamRole, Params::Of(team_id, user_id)));
  return ToTeamRole(role);
}

Result<void> SqlStore::AddTeamMember(const std::string& team_id, const std::string& user_id,
                                     TeamRole role, int64_t created) {
  return engine_->Write([&](Session& s) -> Result<void> {
    return InsertTeamMember(s, team_id, user_id, role, created);
  });
}

Result<void> SqlStore::RemoveTeamMember(const std::string& team_id, const std::string& user_id) {
  return engine_->ChangeOne(kDeleteTeamMember, Params::Of(team_id, user_id),
                            "user is not a member of the team");
}

// Write: an invalid role fails the CHECK constraint, which must not abort a
// caller's transaction.
Result<void> SqlStore::SetTeamMemberRole(const std::string& team_id, const std::string& user_id,
                                         TeamRole role) {
  return engine_->ChangeOne(kUpdateTeamMemberRole,
                            Params::Of(team_id, user_id, static_cast<int64_t>(role)),
                            "user is not a member of the team");
}

Result<std::vector<TeamStackGrantRecord>> SqlStore::ListTeamStackGrants(
    const std::string& team_id) {
  return engine_->All(kSelectTeamGrants, Params::Of(team_id), [](const Rows& rows) {
    return TeamStackGrantRecord{rows.Text(0), rows.Text(1), rows.Text(2),
                                static_cast<int>(rows.Int(3))};
  });
}

Result<void> SqlStore::PutTeamStackGrant(const std::string& team_id, const std::string& stack_id,
                                         int permission, bool create_if_absent) {
  return engine_->ChangeOne(
      create_if_absent ? kUpsertTeamGrant : kUpdateTeamGrant,
      Params::Of(team_id, stack_id, permission),
      create_if_absent ? "team or stack not found" : "the team has no permission on the stack");
}

Result<void> SqlStore::RemoveTeamStackGrant(const std::string& team_id,
                                            const std::string& stack_id) {
  return engine_->ChangeOne(kDeleteTeamGrant, Params::Of(team_id, stack_id),
                            "the team has no permission on the stack");
}

Result<int> SqlStore::MaxTeamStackPermission(const std::string& user_id,
                                             const std::string& stack_id) {
  SH_ASSIGN_OR_RETURN(const int64_t permission,
                      engine_->QueryInt(kMaxTeamGrant, Params::Of(user_id, stack_id)));
  return static_cast<int>(permission);
}

}  // namespace statehouse::storage
