#include "auth/event.h"
#include "teams/service.h"

#include <fmt/format.h>

namespace statehouse::teams {

namespace {

using storage::OrgRole;
using storage::TeamRole;

Result<void> CheckInfo(const std::optional<std::string>& display_name,
                       const std::optional<std::string>& description) {
  if (display_name && display_name->size() > kMaxDisplayNameLength) {
    return Fail(Error::InvalidArgument("Display name too long. Max length 100 characters."));
  }
  if (description && description->size() > kMaxDescriptionLength) {
    return Fail(Error::InvalidArgument("Description too long. Max length 1024 characters."));
  }
  return {};
}

Result<void> RequireOrgAdmin(const auth::Access& access) {
  if (access.org_role == OrgRole::kAdmin) return {};
  return Fail(Error::PermissionDenied(
      fmt::format("Forbidden: only admins of organization '{}' may do this", access.org->name)));
}

std::string_view ActionName(MemberAction action) {
  switch (action) {
    case MemberAction::kAdd:
      return "member-added";
    case MemberAction::kRemove:
      return "member-removed";
    case MemberAction::kPromote:
      return "member-promoted";
    case MemberAction::kDemote:
      return "member-demoted";
  }
  return "";
}

// Replaces the message of a kNotFound error, passing other errors through.
Result<void> NotFoundAs(Result<void> result, std::string message) {
  if (!result && result.error().code == ErrorCode::kNotFound) {
    return Fail(Error::NotFound(std::move(message)));
  }
  return result;
}

}  // namespace

std::string_view TeamRoleName(TeamRole role) {
  switch (role) {
    case TeamRole::kAdmin:
      return "admin";
    case TeamRole::kMember:
      return "member";
    case TeamRole::kNone:
      break;
  }
  return "none";
}

Result<void> TeamService::Publish(const auth::Access& access, std::string kind, std::string target,
                                  std::map<std::string, std::string> fields) {
  events::DomainEvent event = auth::NewEvent(access, std::move(kind), clock_.NowSeconds());
  event.target = std::move(target);
  event.fields = std::move(fields);
  return events_.Publish(event);
}

Result<storage::TeamRecord> TeamService::FindTeam(const auth::Access& access,
                                                  const std::string& name) {
  Error not_found = Error::NotFound(fmt::format("Team '{}' not found", name));
  if (!IsValidTeamName(name)) return Fail(std::move(not_found));
  auto team = store_.GetTeam(access.org->id, name);
  if (!team && team.error().code == ErrorCode::kNotFound) return Fail(std::move(not_found));
  return team;
}

Result<TeamView> TeamService::Load(const auth::Access& access, storage::TeamRecord team) {
  TeamView view;
  SH_ASSIGN_OR_RETURN(view.members, store_.ListTeamMembers(team.id));
  SH_ASSIGN_OR_RETURN(view.stacks, store_.ListTeamStackGrants(team.id));
  for (const auto& m : view.members) {
    if (m.user_id == access.principal.user.id) view.caller_role = m.role;
  }
  view.team = std::move(team);
  return view;
}

Result<storage::StackRecord> TeamService::FindStack(const auth::Access& access,
                                                    const std::string& project,
                                                    const std::string& stack) {
  Error not_found = Error::NotFound(
      fmt::format("Stack '{}/{}/{}' not found", access.org->name, project, stack));
  if (!names::IsValidProjectName(project) || !names::IsValidStackName(stack)) {
    return Fail(std::move(not_found));
  }
  auto found = store_.GetStack(access.org->name, project, stack);
  if (!found && found.error().code == ErrorCode::kNotFound) return Fail(std::move(not_found));
  return found;
}

Result<TeamView> TeamService::Create(const auth::Access& access, const std::string& name,
                                     const std::string& display_name,
                                     const std::string& description) {
  if (!IsValidTeamName(name)) {
    return Fail(Error::InvalidArgument(
        "Invalid team name: must be 1-100 characters of letters, digits, '_', '.' or '-'"));
  }
  SH_TRY(CheckInfo(display_name, description));
  storage::TeamRecord team{random_.Uuid(), access.org->id, name,
                           display_name.empty() ? name : display_name, description,
                           clock_.NowSeconds()};
  auto created = store_.RunInTransaction([&]() -> Result<void> {
    SH_TRY(store_.CreateTeam(team, access.principal.user.id));
    return Publish(access, "team-created", team.name, {});
  });
  if (!created) {
    if (created.error().code == ErrorCode::kAlreadyExists) {
      return Fail(Error::AlreadyExists(fmt::format("Team with this name already exists: '{}'", name)));
    }
    return Fail(std::move(created).error());
  }
  return Load(access, std::move(team));
}

Result<std::vector<TeamView>> TeamService::List(const auth::Access& access) {
  SH_ASSIGN_OR_RETURN(auto teams, store_.ListTeams(access.org->id));
  std::vector<TeamView> views;
  views.reserve(teams.size());
  for (auto& team : teams) {
    SH_ASSIGN_OR_RETURN(auto view, Load(access, std::move(team)));
    views.push_back(std::move(view));
  }
  return views;
}

Result<TeamView> TeamService::Get(const auth::Access& access, const std::string& name) {
  SH_ASSIGN_OR_RETURN(auto team, FindTeam(access, name));
  return Load(access, std::move(team));
}

Result<void> TeamService::Delete(const auth::Access& access, const std::string& name) {
  SH_TRY(RequireOrgAdmin(access));
  SH_ASSIGN_OR_RETURN(auto team, FindTeam(access, name));
  return store_.RunInTransaction([&]() -> Result<void> {
    SH_TRY(NotFoundAs(store_.DeleteTeam(team.id), fmt::format("Team '{}' not found", name)));
    return Publish(access, "team-deleted", team.name, {});
  });
}

Result<void> TeamService::ChangeMember(const auth::Access& access, const std::string& team_name,
                                       MemberAction action, const std::string& login) {
  SH_ASSIGN_OR_RETURN(auto team, FindTeam(access, team_name));
  if (access.org_role != OrgRole::kAdmin) {
    SH_ASSIGN_OR_RETURN(auto caller_role, store_.GetTeamRole(team.id, access.principal.user.id));
    if (caller_role != TeamRole::kAdmin) {
      return Fail(Error::PermissionDenied(fmt::format(
          "Forbidden: only organization admins and admins of team '{}' may change its members",
          team.name)));
    }
  }
  Error not_org_member = Error::NotFound(
      fmt::format("User '{}' is not a member of organization '{}'", login, access.org->name));
  if (!names::IsValidLogin(login)) return Fail(std::move(not_org_member));
  auto user = store_.GetUserByLogin(login);
  if (!user) {
    if (user.error().code == ErrorCode::kNotFound) return Fail(std::move(not_org_member));
    return Fail(std::move(user).error());
  }
  const std::string not_in_team =
      fmt::format("User '{}' is not a member of team '{}'", user->login, team.name);
  return store_.RunInTransaction([&]() -> Result<void> {
    SH_TRY(ApplyMemberAction(team, *user, action, not_org_member.message, not_in_team));
    return Publish(access, "team-updated", team.name,
                   {{"action", std::string(ActionName(action))}, {"member", user->login}});
  });
}

Result<void> TeamService::ApplyMemberAction(const storage::TeamRecord& team,
                                            const storage::UserRecord& user, MemberAction action,
                                            const std::string& not_org_member,
                                            const std::string& not_in_team) {
  switch (action) {
    case MemberAction::kAdd: {
      auto added = store_.AddTeamMember(team.id, user.id, TeamRole::kMember, clock_.NowSeconds());
      if (!added && added.error().code == ErrorCode::kAlreadyExists) {
        return Fail(Error::AlreadyExists(fmt::format(
            "Conflict: user '{}' is already a member of team '{}'", user.login, team.name)));
      }
      return NotFoundAs(std::move(added), not_org_member);
    }
    case MemberAction::kRemove:
      return NotFoundAs(store_.RemoveTeamMember(team.id, user.id), not_in_team);
    case MemberAction::kPromote:
    case MemberAction::kDemote:
      return NotFoundAs(
          store_.SetTeamMemberRole(
              team.id, user.id,
              action == MemberAction::kPromote ? TeamRole::kAdmin : TeamRole::kMember),
          not_in_team);
  }
  return {};
}

Result<void> TeamService::SetStackPermission(const auth::Access& access, const std::string& team_name,
                                             const std::string& project, const std::string& stack,
                                             int permission, bool add) {
  SH_TRY(RequireOrgAdmin(access));
  if (permission != 101 && permission != 102 && permission != 103) {
    return Fail(Error::InvalidArgument(
        "Invalid stack permission: must be 101 (read), 102 (write) or 103 (admin)"));
  }
  SH_ASSIGN_OR_RETURN(auto team, FindTeam(access, team_name));
  SH_ASSIGN_OR_RETURN(auto target, FindStack(access, project, stack));
  return store_.RunInTransaction([&]() -> Result<void> {
    SH_TRY(NotFoundAs(
        store_.PutTeamStackGrant(team.id, target.id, permission, add),
        fmt::format("Team '{}' has no permission on stack '{}/{}'", team.name, project, stack)));
    return Publish(access, "team-updated", team.name,
                   {{"action", add ? "stack-permission-added" : "stack-permission-changed"},
                    {"stack", fmt::format("{}/{}", target.project, target.name)},
                    {"permission", std::to_string(permission)}});
  });
}

Result<void> TeamService::RemoveStack(const auth::Access& access, const std::string& team_name,
                                      const std::string& project, const std::string& stack) {
  SH_TRY(RequireOrgAdmin(access));
  SH_ASSIGN_OR_RETURN(auto team, FindTeam(access, team_name));
  SH_ASSIGN_OR_RETURN(auto target, FindStack(access, project, stack));
  return store_.RunInTransaction([&]() -> Result<void> {
    SH_TRY(NotFoundAs(
        store_.RemoveTeamStackGrant(team.id, target.id),
        fmt::format("Team '{}' has no permission on stack '{}/{}'", team.name, project, stack)));
    return Publish(access, "team-updated", team.name,
                   {{"action", "stack-removed"},
                    {"stack", fmt::format("{}/{}", target.project, target.name)}});
  });
}

Result<void> TeamService::UpdateInfo(const auth::Access& access, const std::string& team_name,
                                     const std::optional<std::string>& display_name,
                                     const std::optional<std::string>& description) {
  SH_TRY(RequireOrgAdmin(access));
  SH_TRY(CheckInfo(display_name, description));
  SH_ASSIGN_OR_RETURN(auto team, FindTeam(access, team_name));
  std::map<std::string, std::string> fields{{"action", "info-changed"}};
  if (display_name) fields["displayName"] = *display_name;
  if (description) fields["description"] = *description;
  return store_.RunInTransaction([&]() -> Result<void> {
    SH_TRY(NotFoundAs(store_.UpdateTeam(team.id, display_name, description),
                      fmt::format("Team '{}' not found", team_name)));
    return Publish(access, "team-updated", team.name, std::move(fields));
  });
}

}  // namespace statehouse::teams
