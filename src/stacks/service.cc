#include "stacks/service.h"

#include <algorithm>
#include <cctype>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "auth/event.h"
#include "common/names.h"
#include "crypto/crypto.h"
#include "json/deployment.h"
#include "stacks/state_rewrite.h"

namespace statehouse::stacks {

namespace {

constexpr size_t kMaxTags = 256;

Error InvalidStackName() {
  return Error::InvalidArgument(
      "Invalid stack name: must be 1-100 characters of letters, digits, '_', '.' or '-'");
}
Error InvalidProjectName() {
  return Error::InvalidArgument(
      "Invalid project name: must be 1-100 characters of letters, digits, '_', '.' or '-'");
}

Result<void> ValidateTag(std::string_view name, std::string_view value) {
  if (!names::IsValidTagName(name)) {
    return Fail(Error::InvalidArgument(fmt::format(
        "Invalid tag name '{}': must be 1-40 characters of letters, digits, '_', '.', ':' or '-'",
        name.substr(0, 64))));
  }
  if (!names::IsValidTagValue(value)) {
    return Fail(Error::InvalidArgument(
        fmt::format("Invalid value for tag '{}': at most 256 bytes", name)));
  }
  return {};
}

Result<void> ValidateTags(const std::map<std::string, std::string>& tags) {
  if (tags.size() > kMaxTags) return Fail(Error::InvalidArgument("Too many tags (at most 256)"));
  for (const auto& [name, value] : tags) SH_TRY(ValidateTag(name, value));
  return {};
}

Error UpdateInProgress(const storage::StackRecord& stack) {
  return Error::Conflict(fmt::format("Conflict: an update is in progress on stack '{}/{}/{}'",
                                     stack.org_name, stack.project, stack.name));
}

// The rename's own update ends within the call that starts it.
constexpr int64_t kRenameLeaseSeconds = 300;

Error AlreadyExists(std::string_view org, std::string_view project, std::string_view stack) {
  return Error::AlreadyExists(
      fmt::format("Conflict: Stack '{}/{}/{}' already exists", org, project, stack));
}

// Continuation tokens are the hex encoding of "org\x1fproject\x1fname".
std::string EncodePosition(const storage::StackRecord& s) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string raw = s.org_name + '\x1f' + s.project + '\x1f' + s.name;
  std::string out;
  out.reserve(raw.size() * 2);
  for (unsigned char c : raw) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 0xf]);
  }
  return out;
}

Result<storage::StackQuery::Position> DecodePosition(std::string_view token) {
  Error invalid = Error::InvalidArgument("Invalid continuationToken");
  if (token.empty() || token.size() % 2 != 0 || token.size() > 1024) return Fail(invalid);
  std::string raw;
  for (size_t i = 0; i < token.size(); i += 2) {
    auto nibble = [](char c) -> int {
      if (c >= '0' && c <= '9') return c - '0';
      if (c >= 'a' && c <= 'f') return c - 'a' + 10;
      return -1;
    };
    int hi = nibble(token[i]), lo = nibble(token[i + 1]);
    if (hi < 0 || lo < 0) return Fail(invalid);
    raw.push_back(static_cast<char>(hi * 16 + lo));
  }
  size_t a = raw.find('\x1f');
  size_t b = a == std::string::npos ? a : raw.find('\x1f', a + 1);
  if (b == std::string::npos) return Fail(invalid);
  storage::StackQuery::Position pos{raw.substr(0, a), raw.substr(a + 1, b - a - 1), raw.substr(b + 1)};
  if (!names::IsValidOrgName(pos.org_name) || !names::IsValidProjectName(pos.project) ||
      !names::IsValidStackName(pos.name)) {
    return Fail(invalid);
  }
  return pos;
}

}  // namespace

Result<storage::StackRecord> StackService::Create(const auth::Access& access,
                                                  CreateStackInput input) {
  if (!names::IsValidProjectName(input.project)) return Fail(InvalidProjectName());
  if (!names::IsValidStackName(input.stack_name)) return Fail(InvalidStackName());
  SH_TRY(ValidateTags(input.tags));
  int64_t resource_count = 0;
  if (input.initial_state) {
    SH_ASSIGN_OR_RETURN(auto summary, json::InspectUntypedDeployment(*input.initial_state));
    resource_count = summary.resource_count;
  }
  storage::StackRecord stack;
  stack.id = random_.Uuid();
  stack.org_id = access.org->id;
  stack.org_name = access.org->name;
  stack.project = std::move(input.project);
  stack.name = std::move(input.stack_name);
  stack.created_by = access.principal.user.id;
  stack.created = clock_.NowSeconds();
  stack.resource_count = resource_count;
  stack.tags = std::move(input.tags);
  auth::Access created_access = access;
  created_access.stack = stack;
  events::DomainEvent event = auth::NewEvent(created_access, "stack-created", stack.created);
  auto created = store_.RunInTransaction([&]() -> Result<void> {
    SH_TRY(store_.CreateStack(stack, input.initial_state));
    return events_.Publish(event);
  });
  if (!created) {
    if (created.error().code == ErrorCode::kAlreadyExists) {
      return Fail(AlreadyExists(stack.org_name, stack.project, stack.name));
    }
    return Fail(std::move(created).error());
  }
  return stack;
}

Result<bool> StackService::ProjectExists(const auth::Access& access, const std::string& project) {
  if (!names::IsValidProjectName(project)) return false;
  return store_.ProjectExists(access.org->id, project);
}

Result<StackPage> StackService::List(const auth::Principal& caller, const ListStacksInput& input) {
  if (input.max_results < 1 || input.max_results > 1000) {
    return Fail(Error::InvalidArgument("Invalid maxResults: must be between 1 and 1000"));
  }
  if (input.tag_value && !input.tag_name) {
    return Fail(Error::InvalidArgument("tagValue requires tagName"));
  }
  storage::StackQuery query;
  query.project = input.project;
  query.tag_name = input.tag_name;
  query.tag_value = input.tag_value;
  if (input.continuation_token) {
    SH_ASSIGN_OR_RETURN(auto position, DecodePosition(*input.continuation_token));
    query.after = std::move(position);
  }

  SH_ASSIGN_OR_RETURN(auto memberships, store_.ListMemberships(caller.user.id));
  std::map<std::string, storage::MembershipRecord> by_org_id;
  for (auto& m : memberships) {
    if (input.organization && input.organization->size() == m.org_name.size() &&
        std::equal(m.org_name.begin(), m.org_name.end(), input.organization->begin(),
                   [](char a, char b) { return std::tolower(a) == std::tolower(b); })) {
      query.org_ids.push_back(m.org_id);
    } else if (!input.organization) {
      query.org_ids.push_back(m.org_id);
    } else {
      continue;
    }
    by_org_id.emplace(m.org_id, m);
  }
  StackPage page;
  if (query.org_ids.empty()) return page;

  std::map<std::string, storage::OrgRecord> orgs;
  query.limit = input.max_results + 1;
  while (true) {
    SH_ASSIGN_OR_RETURN(auto rows, store_.ListStacks(query));
    for (auto& row : rows) {
      query.after = storage::StackQuery::Position{row.org_name, row.project, row.name};
      auto org_it = orgs.find(row.org_id);
      if (org_it == orgs.end()) {
        SH_ASSIGN_OR_RETURN(auto org, store_.GetOrgByName(row.org_name));
        org_it = orgs.emplace(row.org_id, std::move(org)).first;
      }
      SH_ASSIGN_OR_RETURN(auto permission,
                          authorizer_.EffectivePermission(caller, org_it->second,
                                                          by_org_id[row.org_id].role, row));
      if (permission == auth::StackPermission::kNone) continue;
      if (static_cast<int>(page.stacks.size()) == input.max_results) {
        page.continuation_token = EncodePosition(page.stacks.back());
        return page;
      }
      page.stacks.push_back(std::move(row));
    }
    if (static_cast<int>(rows.size()) < query.limit) return page;
  }
}

Result<void> StackService::Delete(const auth::Access& access, bool force) {
  if (access.stack->resource_count > 0 && !force) {
    return Fail(Error::InvalidArgument("Bad Request: Stack still contains resources."));
  }
  events::DomainEvent event = auth::NewEvent(access, "stack-deleted", clock_.NowSeconds());
  return store_.RunInTransaction([&]() -> Result<void> {
    SH_TRY(store_.DeleteStack(access.stack->id));
    return events_.Publish(event);
  });
}

// Rename is recorded the way Pulumi Cloud records it: as an update of kind
// "rename" (apitype.UpdateKind "rename"; the OpenAPI RenameStack answers its
// updateId) whose checkpoint is the rewritten state. It becomes the stack's
// next version and current state; the versions before it stay as they were
// recorded. Starting it inside the transaction is what refuses a rename while
// another update runs, atomically.
Result<std::string> StackService::Rename(const auth::Access& access,
                                         const std::string& new_project,
                                         const std::string& new_name) {
  const auto& stack = *access.stack;
  const std::string& project = new_project.empty() ? stack.project : new_project;
  if (!names::IsValidProjectName(project)) return Fail(InvalidProjectName());
  if (!names::IsValidStackName(new_name)) return Fail(InvalidStackName());
  if (project == stack.project && new_name == stack.name) {
    return Fail(Error::InvalidArgument("No rename to apply."));
  }
  const int64_t now = clock_.NowSeconds();
  storage::UpdateRecord update;
  update.id = random_.Uuid();
  update.stack_id = stack.id;
  update.kind = "rename";
  update.requested_by = access.principal.user.id;
  update.requested_by_login = access.principal.user.login;
  update.requested_by_name = access.principal.user.name;
  update.created = now;
  // The lease is never handed out: the rename ends within this call.
  const std::string lease_hash = crypto::Sha256Hex(random_.Hex(32));

  events::DomainEvent event = auth::NewEvent(access, "stack-renamed", now);
  const std::string from = event.target;
  event.project = project;
  event.stack_name = new_name;
  event.target = fmt::format("{}/{}", project, new_name);
  event.fields = {{"from", from}, {"to", event.target}};
  auto moved = store_.RunInTransaction([&]() -> Result<void> {
    SH_TRY(store_.MoveStack(stack.id, stack.org_id, project, new_name, std::nullopt));
    // The CLI re-sends pulumi:project with every tag update; keep it truthful.
    if (project != stack.project && stack.tags.contains("pulumi:project")) {
      SH_TRY(store_.UpdateTag(stack.id, "pulumi:project", project));
    }
    SH_TRY(store_.CreateUpdate(update));
    SH_TRY(store_.StartUpdate(update.id, lease_hash, now + kRenameLeaseSeconds, now));
    // Read after the start: no checkpoint of another update can land now.
    SH_ASSIGN_OR_RETURN(auto state, store_.GetCurrentState(stack.id));
    if (state) {
      std::string renamed = RewriteMovedState(*state, {stack.org_name, stack.project, stack.name},
                                              {stack.org_name, project, new_name});
      state.reset();
      SH_TRY(store_.PutCheckpoint(update.id, 0, 0, "", renamed, stack.resource_count));
    }
    SH_TRY(store_.FinishUpdate(update.id, storage::UpdateStatus::kRunning,
                               storage::UpdateStatus::kSucceeded, now));
    return events_.Publish(event);
  });
  if (!moved) {
    if (moved.error().code == ErrorCode::kAlreadyExists) {
      return Fail(AlreadyExists(stack.org_name, project, new_name));
    }
    if (moved.error().code == ErrorCode::kConflict) return Fail(UpdateInProgress(stack));
    return Fail(std::move(moved).error());
  }
  return update.id;
}

Result<void> StackService::Transfer(const auth::Access& access, const std::string& to_org) {
  const auto& stack = *access.stack;
  Error not_found = Error::NotFound(fmt::format("Organization '{}' not found", to_org));
  if (!names::IsValidOrgName(to_org)) return Fail(not_found);
  auto org = store_.GetOrgByName(to_org);
  if (!org) {
    if (org.error().code == ErrorCode::kNotFound) return Fail(not_found);
    return Fail(std::move(org).error());
  }
  SH_ASSIGN_OR_RETURN(auto role, store_.GetRole(org->id, access.principal.user.id));
  if (role == storage::OrgRole::kNone) return Fail(not_found);
  if (org->id == stack.org_id) {
    return Fail(Error::InvalidArgument("Stack already belongs to that organization"));
  }
  // One event in the org the stack leaves, one in the org it joins.
  events::DomainEvent in_source =
      auth::NewEvent(access, "stack-transferred-to-organization", clock_.NowSeconds());
  in_source.fields = {{"fromOrg", stack.org_name}, {"toOrg", org->name}};
  events::DomainEvent in_destination = in_source;
  in_destination.org_id = org->id;
  in_destination.org_name = org->name;
  bool busy = false;
  auto moved = store_.RunInTransaction([&]() -> Result<void> {
    // The move writes the stack's row first (on PostgreSQL a row lock until
    // commit, which an update start must wait for), so the check below sees
    // every update started before it and none can start after it.
    SH_TRY(store_.MoveStack(stack.id, org->id, stack.project, stack.name, std::nullopt));
    SH_ASSIGN_OR_RETURN(auto now_stack, store_.GetStack(org->name, stack.project, stack.name));
    if (now_stack.active && now_stack.active->running &&
        now_stack.active->lease_expires > clock_.NowSeconds()) {
      busy = true;
      return Fail(UpdateInProgress(stack));
    }
    // The service secrets provider in the state names the organization: the
    // CLI decrypts through the stack path named there.
    SH_ASSIGN_OR_RETURN(auto state, store_.GetCurrentState(stack.id));
    if (state) {
      std::string moved_state =
          RewriteMovedState(*state, {stack.org_name, stack.project, stack.name},
                            {org->name, stack.project, stack.name});
      if (moved_state != *state) {
        state.reset();
        SH_TRY(store_.MoveStack(stack.id, org->id, stack.project, stack.name,
                                std::move(moved_state)));
      }
    }
    SH_TRY(events_.Publish(in_source));
    return events_.Publish(in_destination);
  });
  if (!moved && moved.error().code == ErrorCode::kAlreadyExists) {
    return Fail(AlreadyExists(org->name, stack.project, stack.name));
  }
  if (!moved && busy) return Fail(UpdateInProgress(stack));
  return moved;
}

Result<void> StackService::ReplaceTags(const auth::Access& access,
                                       const std::map<std::string, std::string>& tags) {
  SH_TRY(ValidateTags(tags));
  auto project_tag = tags.find("pulumi:project");
  if (project_tag != tags.end() && project_tag->second != access.stack->project) {
    return Fail(Error::InvalidArgument("Cannot change project's name via the pulumi:project tag"));
  }
  return store_.RunInTransaction([&]() -> Result<void> {
    SH_TRY(store_.ReplaceTags(access.stack->id, tags));
    return PublishTags(access, "set", "");
  });
}

Result<void> StackService::PublishTags(const auth::Access& access, std::string_view action,
                                       const std::string& tag) {
  events::DomainEvent event = auth::NewEvent(access, "stack-tags-updated", clock_.NowSeconds());
  event.fields = {{"action", std::string(action)}};
  if (!tag.empty()) event.fields["tag"] = tag;
  return events_.Publish(event);
}

Result<void> StackService::AddTag(const auth::Access& access, const std::string& name,
                                  const std::string& value) {
  SH_TRY(ValidateTag(name, value));
  if (names::IsBuiltInTag(name)) {
    return Fail(Error::InvalidArgument(fmt::format("Built-in tag '{}' cannot be set", name)));
  }
  if (access.stack->tags.size() >= kMaxTags) {
    return Fail(Error::InvalidArgument("Too many tags (at most 256)"));
  }
  auto added = store_.RunInTransaction([&]() -> Result<void> {
    SH_TRY(store_.AddTag(access.stack->id, name, value));
    return PublishTags(access, "add", name);
  });
  if (!added && added.error().code == ErrorCode::kAlreadyExists) {
    return Fail(Error::InvalidArgument(fmt::format("Tag '{}' already exists", name)));
  }
  return added;
}

Result<void> StackService::UpdateTag(const auth::Access& access, const std::string& name,
                                     const std::string& value) {
  SH_TRY(ValidateTag(name, value));
  if (names::IsBuiltInTag(name)) {
    return Fail(Error::InvalidArgument(fmt::format("Built-in tag '{}' cannot be updated", name)));
  }
  auto updated = store_.RunInTransaction([&]() -> Result<void> {
    SH_TRY(store_.UpdateTag(access.stack->id, name, value));
    return PublishTags(access, "update", name);
  });
  if (!updated && updated.error().code == ErrorCode::kNotFound) {
    return Fail(Error::NotFound(fmt::format("Tag '{}' not found", name)));
  }
  return updated;
}

Result<void> StackService::DeleteTag(const auth::Access& access, const std::string& name) {
  if (names::IsBuiltInTag(name)) {
    return Fail(Error::InvalidArgument(fmt::format("Built-in tag '{}' cannot be deleted", name)));
  }
  auto deleted = store_.RunInTransaction([&]() -> Result<void> {
    SH_TRY(store_.DeleteTag(access.stack->id, name));
    return PublishTags(access, "delete", name);
  });
  if (!deleted && deleted.error().code == ErrorCode::kNotFound) {
    return Fail(Error::NotFound(fmt::format("Tag '{}' not found", name)));
  }
  return deleted;
}

}  // namespace statehouse::stacks
