#include "auth/event.h"
#include "services/service.h"

#include <algorithm>
#include <cctype>
#include <set>

#include <fmt/format.h>

#include "common/names.h"

namespace statehouse::services {

namespace {

constexpr int kMaxPageSize = 1000;
constexpr size_t kMaxItemsPerRequest = 1000;
constexpr size_t kMaxProperties = 100;
constexpr size_t kMaxDescriptionBytes = 4096;
constexpr size_t kMaxPropertyKeyBytes = 256;
constexpr size_t kMaxPropertyValueBytes = 8192;
constexpr size_t kMaxPropertyTypeBytes = 64;
constexpr int kScanBatch = 500;

using names::EqualsIgnoreCase;

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string Label(const std::string& owner_type, const std::string& owner_name,
                  const std::string& name) {
  return fmt::format("{}/{}/{}", owner_type, owner_name, name);
}

Error InvalidMaxResults() {
  return Error::InvalidArgument("Invalid maxResults: must be between 1 and 1000");
}

Error InvalidToken() { return Error::InvalidArgument("Invalid continuationToken"); }

// Continuation tokens are the hex encoding of the keyset fields joined by
// '\x1f'.
std::string EncodeToken(const std::vector<std::string>& fields) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string raw;
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) raw.push_back('\x1f');
    raw += fields[i];
  }
  std::string out;
  out.reserve(raw.size() * 2);
  for (unsigned char c : raw) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 0xf]);
  }
  return out;
}

// The `count` fields of a token; kInvalidArgument when it is not one.
Result<std::vector<std::string>> DecodeToken(std::string_view token, size_t count) {
  if (token.empty() || token.size() % 2 != 0 || token.size() > 2048) return Fail(InvalidToken());
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  std::vector<std::string> fields(1);
  for (size_t i = 0; i < token.size(); i += 2) {
    int hi = nibble(token[i]), lo = nibble(token[i + 1]);
    if (hi < 0 || lo < 0) return Fail(InvalidToken());
    char c = static_cast<char>(hi * 16 + lo);
    if (c == '\x1f') {
      fields.emplace_back();
    } else {
      fields.back().push_back(c);
    }
  }
  if (fields.size() != count) return Fail(InvalidToken());
  return fields;
}

bool IsOwnerType(std::string_view type) { return type == kOwnerUser || type == kOwnerTeam; }

// Service names follow the project-name rules.
Result<void> ValidateName(const std::string& name) {
  if (!names::IsValidProjectName(name)) {
    return Fail(Error::InvalidArgument(
        "Invalid service name: must be 1-100 characters of letters, digits, '_', '.' or '-'"));
  }
  return {};
}

Result<void> ValidateDescription(const std::string& description) {
  if (description.size() > kMaxDescriptionBytes) {
    return Fail(Error::InvalidArgument("Invalid description: at most 4096 bytes"));
  }
  return {};
}

Result<void> ValidateProperties(const std::vector<storage::ServicePropertyRecord>& properties) {
  if (properties.size() > kMaxProperties) {
    return Fail(Error::InvalidArgument("Too many properties (at most 100)"));
  }
  for (const auto& p : properties) {
    if (p.key.empty() || p.key.size() > kMaxPropertyKeyBytes) {
      return Fail(Error::InvalidArgument("Invalid property key: must be 1-256 bytes"));
    }
    if (p.value.size() > kMaxPropertyValueBytes) {
      return Fail(Error::InvalidArgument(
          fmt::format("Invalid value for property '{}': at most 8192 bytes", p.key)));
    }
    if (p.type.size() > kMaxPropertyTypeBytes) {
      return Fail(Error::InvalidArgument(
          fmt::format("Invalid type for property '{}': at most 64 bytes", p.key)));
    }
  }
  return {};
}

Result<void> ValidateItemType(const std::string& type) {
  if (type != kItemStack && type != kItemEnvironment) {
    return Fail(Error::InvalidArgument(fmt::format(
        "Invalid item type '{}': must be 'stack' or 'environment'", type.substr(0, 64))));
  }
  return {};
}

struct ItemName {
  std::string project;
  std::string name;
};

// "project/name", or "org/project/name" where org is `org_name`.
Result<ItemName> ParseItemName(const std::string& org_name, const ItemRef& item) {
  SH_TRY(ValidateItemType(item.type));
  Error invalid = Error::InvalidArgument(fmt::format(
      "Invalid {} item name '{}': want 'project/name' or '{}/project/name'", item.type,
      item.name.substr(0, 256), org_name));
  std::vector<std::string> parts(1);
  for (char c : item.name) {
    if (c == '/') {
      parts.emplace_back();
    } else {
      parts.back().push_back(c);
    }
  }
  if (parts.size() == 3) {
    if (!EqualsIgnoreCase(parts[0], org_name)) return Fail(invalid);
    parts.erase(parts.begin());
  }
  if (parts.size() != 2 || !names::IsValidProjectName(parts[0]) ||
      !names::IsValidStackName(parts[1])) {
    return Fail(invalid);
  }
  return ItemName{parts[0], parts[1]};
}

}  // namespace

Result<storage::ServiceRecord> ServiceCatalog::Load(const auth::Access& access,
                                                    const ServiceKey& key) {
  Error not_found = Error::NotFound(
      fmt::format("Service '{}' not found", Label(key.owner_type, key.owner_name, key.name)));
  if (!IsOwnerType(key.owner_type)) return Fail(not_found);
  auto service = store_.GetService(access.org->id, key.owner_type, key.owner_name, key.name);
  if (!service && service.error().code == ErrorCode::kNotFound) return Fail(not_found);
  return service;
}

Result<ServiceCatalog::Owner> ServiceCatalog::ResolveOwner(const auth::Access& access,
                                                           const std::string& type,
                                                           const std::string& name) {
  if (type == kOwnerUser) {
    Error not_found = Error::NotFound(fmt::format(
        "User '{}' is not a member of organization '{}'", name.substr(0, 64), access.org->name));
    if (!names::IsValidLogin(name)) return Fail(not_found);
    auto user = store_.GetUserByLogin(name);
    if (!user) {
      if (user.error().code == ErrorCode::kNotFound) return Fail(not_found);
      return Fail(std::move(user).error());
    }
    SH_ASSIGN_OR_RETURN(auto role, store_.GetRole(access.org->id, user->id));
    if (role == storage::OrgRole::kNone) return Fail(not_found);
    return Owner{Member{kOwnerUser, user->login}, ""};
  }
  Error not_found = Error::NotFound(fmt::format("Team '{}' not found in organization '{}'",
                                                name.substr(0, 64), access.org->name));
  if (name.empty()) return Fail(not_found);
  auto team = store_.GetTeam(access.org->id, name);
  if (!team) {
    if (team.error().code == ErrorCode::kNotFound) return Fail(not_found);
    return Fail(std::move(team).error());
  }
  return Owner{Member{kOwnerTeam, team->name}, team->id};
}

Result<bool> ServiceCatalog::CanManage(const auth::Access& access, const std::string& owner_type,
                                       const std::string& owner_name) {
  if (access.org_role == storage::OrgRole::kAdmin) return true;
  if (owner_type == kOwnerUser) return EqualsIgnoreCase(owner_name, access.principal.user.login);
  auto team = store_.GetTeam(access.org->id, owner_name);
  if (!team) {
    if (team.error().code == ErrorCode::kNotFound) return false;
    return Fail(std::move(team).error());
  }
  SH_ASSIGN_OR_RETURN(auto role, store_.GetTeamRole(team->id, access.principal.user.id));
  return role != storage::TeamRole::kNone;
}

Result<void> ServiceCatalog::RequireManage(const auth::Access& access,
                                           const storage::ServiceRecord& service) {
  SH_ASSIGN_OR_RETURN(bool allowed, CanManage(access, service.owner_type, service.owner_name));
  if (!allowed) {
    return Fail(Error::PermissionDenied(fmt::format(
        "Forbidden: only organization admins and the owner may change service '{}'",
        Label(service.owner_type, service.owner_name, service.name))));
  }
  return {};
}

Result<bool> ServiceCatalog::Visible(const auth::Access& access,
                                     const storage::ServiceItemRecord& item) {
  if (item.type != kItemStack) return true;
  if (item.stack_org_id != access.org->id) return false;
  storage::StackRecord stack;
  stack.id = item.stack_id;
  stack.org_id = item.stack_org_id;
  stack.org_name = access.org->name;
  stack.project = item.stack_project;
  stack.name = item.stack_name;
  stack.created_by = item.stack_created_by;
  stack.created = item.stack_created;
  stack.resource_count = item.stack_resource_count;
  SH_ASSIGN_OR_RETURN(auto permission, authorizer_.EffectivePermission(
                                           access.principal, *access.org, access.org_role, stack));
  return permission != auth::StackPermission::kNone;
}

Result<std::vector<storage::NewServiceItem>> ServiceCatalog::ResolveItems(
    const auth::Access& access, const std::vector<ItemRef>& items) {
  if (items.size() > kMaxItemsPerRequest) {
    return Fail(Error::InvalidArgument("Too many items (at most 1000 per request)"));
  }
  std::vector<storage::NewServiceItem> resolved;
  resolved.reserve(items.size());
  const int64_t now = clock_.NowSeconds();
  for (const ItemRef& item : items) {
    SH_ASSIGN_OR_RETURN(auto name, ParseItemName(access.org->name, item));
    storage::NewServiceItem out;
    out.type = item.type;
    out.added_by = access.principal.user.login;
    out.added = now;
    if (item.type == kItemEnvironment) {
      out.name = name.project + "/" + name.name;
      resolved.push_back(std::move(out));
      continue;
    }
    Error not_found = Error::InvalidArgument(
        fmt::format("Stack '{}/{}' not found in organization '{}'", name.project, name.name,
                    access.org->name));
    auto stack = store_.GetStack(access.org->name, name.project, name.name);
    if (!stack) {
      if (stack.error().code == ErrorCode::kNotFound) return Fail(not_found);
      return Fail(std::move(stack).error());
    }
    SH_ASSIGN_OR_RETURN(auto permission, authorizer_.EffectivePermission(
                                             access.principal, *access.org, access.org_role,
                                             *stack));
    if (permission == auth::StackPermission::kNone) return Fail(not_found);
    out.stack_id = stack->id;
    out.name = stack->project + "/" + stack->name;
    resolved.push_back(std::move(out));
  }
  return resolved;
}

Result<ServiceCatalog::ItemScan> ServiceCatalog::Scan(const auth::Access& access,
                                                      const storage::ServiceRecord& service) {
  ItemScan scan;
  std::set<std::string> seen;  // lower-cased logins
  if (service.owner_type == kOwnerUser) seen.insert(Lower(service.owner_name));
  std::optional<std::string> team_id;
  std::optional<storage::ServiceItemPosition> after;
  while (true) {
    SH_ASSIGN_OR_RETURN(auto items, store_.ListServiceItems(service.id, after, kScanBatch));
    for (const auto& item : items) {
      SH_ASSIGN_OR_RETURN(bool visible, Visible(access, item));
      if (visible) ++scan.counts[item.type];
      if (!seen.insert(Lower(item.added_by)).second) continue;
      if (service.owner_type == kOwnerTeam) {
        // Members of the owning team act as the owner.
        if (!team_id) {
          auto team = store_.GetTeam(service.org_id, service.owner_name);
          if (!team && team.error().code != ErrorCode::kNotFound) return Fail(team.error());
          team_id = team ? team->id : "";
        }
        if (!team_id->empty()) {
          auto user = store_.GetUserByLogin(item.added_by);
          if (!user && user.error().code != ErrorCode::kNotFound) return Fail(user.error());
          if (user) {
            SH_ASSIGN_OR_RETURN(auto role, store_.GetTeamRole(*team_id, user->id));
            if (role != storage::TeamRole::kNone) continue;
          }
        }
      }
      scan.contributors.push_back(Member{kOwnerUser, item.added_by});
    }
    if (static_cast<int>(items.size()) < kScanBatch) return scan;
    after = storage::ServiceItemPosition{items.back().type, items.back().name};
  }
}

Result<ServiceView> ServiceCatalog::View(const auth::Access& access,
                                         const storage::ServiceRecord& service) {
  SH_ASSIGN_OR_RETURN(auto scan, Scan(access, service));
  ServiceView view;
  view.org_name = access.org->name;
  view.owner = Member{service.owner_type, service.owner_name};
  view.name = service.name;
  view.description = service.description;
  view.created = service.created;
  view.members.push_back(view.owner);
  for (auto& m : scan.contributors) view.members.push_back(std::move(m));
  view.item_counts = std::move(scan.counts);
  view.properties = service.properties;
  std::stable_sort(view.properties.begin(), view.properties.end(),
                   [](const auto& a, const auto& b) { return a.order < b.order; });
  return view;
}

Result<void> ServiceCatalog::Publish(const auth::Access& access, std::string kind,
                                     const storage::ServiceRecord& service,
                                     std::map<std::string, std::string> fields) {
  events::DomainEvent event = auth::NewEvent(access, std::move(kind), clock_.NowSeconds());
  event.target = Label(service.owner_type, service.owner_name, service.name);
  event.fields = std::move(fields);
  return events_.Publish(event);
}

Result<ServiceView> ServiceCatalog::Create(const auth::Access& access, CreateServiceInput input) {
  if (!IsOwnerType(input.owner_type)) {
    return Fail(Error::InvalidArgument(fmt::format(
        "Invalid ownerType '{}': must be 'user' or 'team'", input.owner_type.substr(0, 64))));
  }
  if (input.owner_name.empty()) {
    return Fail(Error::InvalidArgument("Missing required field 'ownerName'"));
  }
  SH_TRY(ValidateName(input.name));
  SH_TRY(ValidateDescription(input.description));
  SH_TRY(ValidateProperties(input.properties));
  for (const ItemRef& item : input.items) SH_TRY(ParseItemName(access.org->name, item));

  SH_ASSIGN_OR_RETURN(auto owner, ResolveOwner(access, input.owner_type, input.owner_name));
  SH_ASSIGN_OR_RETURN(bool allowed, CanManage(access, owner.member.type, owner.member.name));
  if (!allowed) {
    return Fail(Error::PermissionDenied(fmt::format(
        "Forbidden: only organization admins may create services owned by {} '{}'",
        owner.member.type, owner.member.name)));
  }
  SH_ASSIGN_OR_RETURN(auto items, ResolveItems(access, input.items));

  storage::ServiceRecord service;
  service.id = random_.Uuid();
  service.org_id = access.org->id;
  service.owner_type = owner.member.type;
  service.owner_name = owner.member.name;
  service.name = std::move(input.name);
  service.description = std::move(input.description);
  service.created = clock_.NowSeconds();
  service.properties = std::move(input.properties);
  auto created = store_.RunInTransaction([&]() -> Result<void> {
    SH_TRY(store_.CreateService(service, items));
    return Publish(access, "service-created", service,
                   {{"ownerType", service.owner_type},
                    {"ownerName", service.owner_name},
                    {"items", std::to_string(items.size())}});
  });
  if (!created) {
    if (created.error().code == ErrorCode::kAlreadyExists) {
      return Fail(Error::AlreadyExists(fmt::format(
          "Conflict: service '{}' already exists",
          Label(service.owner_type, service.owner_name, service.name))));
    }
    if (created.error().code == ErrorCode::kNotFound) {
      return Fail(Error::InvalidArgument(created.error().message));
    }
    return Fail(std::move(created).error());
  }
  return View(access, service);
}

Result<ServicePage> ServiceCatalog::List(const auth::Access& access,
                                         const std::optional<std::string>& continuation_token,
                                         int max_results) {
  if (max_results < 1 || max_results > kMaxPageSize) return Fail(InvalidMaxResults());
  std::optional<storage::ServicePosition> after;
  if (continuation_token) {
    SH_ASSIGN_OR_RETURN(auto fields, DecodeToken(*continuation_token, 3));
    after = storage::ServicePosition{fields[0], fields[1], fields[2]};
  }
  SH_ASSIGN_OR_RETURN(auto services, store_.ListServices(access.org->id, after, max_results + 1));
  ServicePage page;
  if (static_cast<int>(services.size()) > max_results) {
    services.resize(static_cast<size_t>(max_results));
    const auto& last = services.back();
    page.continuation_token = EncodeToken({last.name, last.owner_type, last.owner_name});
  }
  for (const auto& service : services) {
    SH_ASSIGN_OR_RETURN(auto view, View(access, service));
    page.services.push_back(std::move(view));
  }
  return page;
}

Result<bool> ServiceCatalog::Exists(const auth::Access& access, const ServiceKey& key) {
  auto service = Load(access, key);
  if (!service) {
    if (service.error().code == ErrorCode::kNotFound) return false;
    return Fail(std::move(service).error());
  }
  return true;
}

Result<ServiceDetail> ServiceCatalog::Get(const auth::Access& access, const ServiceKey& key,
                                          const std::optional<std::string>& continuation_token,
                                          int max_results) {
  if (max_results < 1 || max_results > kMaxPageSize) return Fail(InvalidMaxResults());
  std::optional<storage::ServiceItemPosition> after;
  if (continuation_token) {
    SH_ASSIGN_OR_RETURN(auto fields, DecodeToken(*continuation_token, 2));
    after = storage::ServiceItemPosition{fields[0], fields[1]};
  }
  SH_ASSIGN_OR_RETURN(auto service, Load(access, key));
  ServiceDetail detail;
  SH_ASSIGN_OR_RETURN(detail.service, View(access, service));
  const int batch = max_results + 1;
  while (true) {
    SH_ASSIGN_OR_RETURN(auto rows, store_.ListServiceItems(service.id, after, batch));
    for (auto& row : rows) {
      after = storage::ServiceItemPosition{row.type, row.name};
      SH_ASSIGN_OR_RETURN(bool visible, Visible(access, row));
      if (!visible) continue;
      if (static_cast<int>(detail.items.size()) == max_results) {
        const ItemView& last = detail.items.back();
        detail.continuation_token = EncodeToken({last.type, last.name});
        return detail;
      }
      ItemView item;
      item.org_name = access.org->name;
      item.type = row.type;
      item.name = row.name;
      item.created = row.type == kItemStack ? row.stack_created : row.added;
      item.added_by = row.added_by;
      item.cloud_count = row.stack_resource_count;
      detail.items.push_back(std::move(item));
    }
    if (static_cast<int>(rows.size()) < batch) return detail;
  }
}

Result<ServiceView> ServiceCatalog::Update(const auth::Access& access, const ServiceKey& key,
                                           UpdateServiceInput input) {
  SH_ASSIGN_OR_RETURN(auto service, Load(access, key));
  SH_TRY(RequireManage(access, service));
  if (input.name && *input.name == service.name) input.name.reset();
  if (input.name) SH_TRY(ValidateName(*input.name));
  if (input.description) SH_TRY(ValidateDescription(*input.description));
  if (input.properties) SH_TRY(ValidateProperties(*input.properties));
  if (!input.name && !input.description && !input.properties) return View(access, service);

  std::string changed;
  auto note = [&changed](std::string_view field) {
    if (!changed.empty()) changed += ",";
    changed += field;
  };
  if (input.name) note("name");
  if (input.description) note("description");
  if (input.properties) note("properties");
  std::map<std::string, std::string> fields{{"change", "metadata"}, {"fields", changed}};
  storage::ServiceRecord result = service;
  if (input.name) {
    fields["previousName"] = service.name;
    result.name = *input.name;
  }
  if (input.description) result.description = *input.description;
  if (input.properties) result.properties = *input.properties;
  auto updated = store_.RunInTransaction([&]() -> Result<void> {
    SH_TRY(store_.UpdateService(service.id, input.name, input.description, input.properties));
    return Publish(access, "service-updated", result, std::move(fields));
  });
  if (!updated) {
    if (updated.error().code == ErrorCode::kAlreadyExists) {
      return Fail(Error::AlreadyExists(
          fmt::format("Conflict: service '{}' already exists",
                      Label(service.owner_type, service.owner_name, *input.name))));
    }
    return Fail(std::move(updated).error());
  }
  return View(access, result);
}

Result<void> ServiceCatalog::Delete(const auth::Access& access, const ServiceKey& key,
                                    bool force) {
  SH_ASSIGN_OR_RETURN(auto service, Load(access, key));
  SH_TRY(RequireManage(access, service));
  if (!force) {
    SH_ASSIGN_OR_RETURN(auto scan, Scan(access, service));
    if (!scan.contributors.empty()) {
      return Fail(Error::PreconditionFailed(fmt::format(
          "Precondition Failed: service '{}' has members other than its owner; "
          "delete with force=true to confirm",
          Label(service.owner_type, service.owner_name, service.name))));
    }
  }
  return store_.RunInTransaction([&]() -> Result<void> {
    SH_TRY(store_.DeleteService(service.id));
    return Publish(access, "service-deleted", service, {});
  });
}

Result<void> ServiceCatalog::AddItems(const auth::Access& access, const ServiceKey& key,
                                      const std::vector<ItemRef>& items) {
  SH_ASSIGN_OR_RETURN(auto service, Load(access, key));
  SH_TRY(RequireManage(access, service));
  SH_ASSIGN_OR_RETURN(auto resolved, ResolveItems(access, items));
  if (resolved.empty()) return {};
  std::string names;
  for (const auto& item : resolved) {
    if (!names.empty()) names += ",";
    names += item.type + ":" + item.name;
  }
  auto added = store_.RunInTransaction([&]() -> Result<void> {
    SH_ASSIGN_OR_RETURN(int count, store_.AddServiceItems(service.id, resolved));
    if (count == 0) return {};
    return Publish(access, "service-updated", service,
                   {{"change", "items-added"}, {"items", names}, {"added", std::to_string(count)}});
  });
  // The service or a stack was deleted after it was looked up.
  if (!added && added.error().code == ErrorCode::kNotFound) {
    return Fail(Error::InvalidArgument(added.error().message));
  }
  return added;
}

Result<void> ServiceCatalog::RemoveItem(const auth::Access& access, const ServiceKey& key,
                                        const ItemRef& item, bool must_exist) {
  SH_ASSIGN_OR_RETURN(auto service, Load(access, key));
  SH_TRY(RequireManage(access, service));
  SH_ASSIGN_OR_RETURN(auto name, ParseItemName(access.org->name, item));
  Error absent = Error::NotFound(fmt::format("Item '{}/{}/{}' not found in service '{}'", item.type,
                                             name.project, name.name, service.name));
  std::string item_key = name.project + "/" + name.name;
  if (item.type == kItemStack) {
    auto stack = store_.GetStack(access.org->name, name.project, name.name);
    if (!stack) {
      if (stack.error().code != ErrorCode::kNotFound) return Fail(std::move(stack).error());
      if (must_exist) return Fail(absent);
      return {};
    }
    item_key = stack->id;
  }
  return store_.RunInTransaction([&]() -> Result<void> {
    SH_ASSIGN_OR_RETURN(bool removed, store_.RemoveServiceItem(service.id, item.type, item_key));
    if (!removed) {
      if (must_exist) return Fail(absent);
      return {};
    }
    return Publish(access, "service-updated", service,
                   {{"change", "item-removed"},
                    {"item", fmt::format("{}:{}/{}", item.type, name.project, name.name)}});
  });
}

}  // namespace statehouse::services
