#include "audit/catalog.h"

#include <fmt/format.h>

#include <array>
#include <cctype>
#include <map>

#include "common/names.h"

namespace statehouse::audit {

namespace {

constexpr EventFlags kNone{};
constexpr EventFlags kO{.req_org_admin = true};
constexpr EventFlags kS{.req_stack_admin = true};
constexpr EventFlags kA{.auth_failure = true};

// Pulumi Cloud's published catalog ids and flags; Statehouse extensions
// (marked EXT) carry O when they are organization-level administration.
constexpr std::array kCatalog{
    CatalogEntry{"user-login", "User Login", kNone},
    CatalogEntry{"user-login-failed", "User Login Failed", kNone},  // Pulumi Cloud does not set A
    CatalogEntry{"auth-failure-organization-role", "Auth Failure Organization Role", kA},
    CatalogEntry{"auth-failure-stack-permission", "Auth Failure Stack Permission", kA},
    CatalogEntry{"stack-created", "Stack Created", kNone},
    CatalogEntry{"stack-deleted", "Stack Deleted", kS},
    CatalogEntry{"stack-renamed", "Stack Renamed", kO},
    CatalogEntry{"stack-transferred-to-organization", "Stack Transferred to Organization", kO},
    CatalogEntry{"stack-exported", "Stack Exported", kNone},
    CatalogEntry{"stack-imported", "Stack Imported", kNone},
    CatalogEntry{"stack-rolled-back", "Stack Rolled Back", kS},  // EXT
    CatalogEntry{"stack-tags-updated", "Stack Tags Updated", kNone},  // EXT
    CatalogEntry{"stack-update-started", "Stack Update Started", kNone},
    CatalogEntry{"stack-update-completed", "Stack Update Completed", kNone},
    CatalogEntry{"stack-update-canceled", "Stack Update Canceled", kNone},
    CatalogEntry{"secret-decrypted", "Secret Decrypted", kNone},
    CatalogEntry{"secrets-batch-decrypted", "Secrets Batch Decrypted", kNone},
    CatalogEntry{"member-added", "Member Added", kO},
    CatalogEntry{"member-removed", "Member Removed", kO},
    CatalogEntry{"member-role-changed", "Member Role Changed", kO},
    CatalogEntry{"team-created", "Team Created", kO},
    CatalogEntry{"team-deleted", "Team Deleted", kO},
    CatalogEntry{"team-updated", "Team Updated", kO},
    CatalogEntry{"organization-settings-changed", "Organization Settings Changed", kO},
    CatalogEntry{"organization-created", "Organization Created", kO},         // EXT
    CatalogEntry{"user-created", "User Created", kO},                         // EXT
    CatalogEntry{"personal-token-created", "Personal Token Created", kNone},  // EXT
    CatalogEntry{"personal-token-deleted", "Personal Token Deleted", kNone},  // EXT
    CatalogEntry{"service-created", "Service Created", kO},
    CatalogEntry{"service-updated", "Service Updated", kO},
    CatalogEntry{"service-deleted", "Service Deleted", kO},
    CatalogEntry{"webhook-created", "Webhook Created", kO},  // EXT
    CatalogEntry{"webhook-updated", "Webhook Updated", kO},  // EXT
    CatalogEntry{"webhook-deleted", "Webhook Deleted", kO},  // EXT
};

constexpr size_t kMaxValueBytes = 200;

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

using names::EqualsIgnoreCase;

// At most kMaxValueBytes of `s`, cut on a UTF-8 character boundary, with
// "..." when cut.
std::string Clip(std::string_view s) {
  if (s.size() <= kMaxValueBytes) return std::string(s);
  size_t end = kMaxValueBytes;
  while (end > 0 && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80) --end;
  return std::string(s.substr(0, end)) + "...";
}

std::string Field(const events::DomainEvent& event, std::string_view key) {
  auto it = event.fields.find(std::string(key));
  return it == event.fields.end() ? std::string() : Clip(it->second);
}

// The first non-empty of the fields `keys`.
std::string FirstField(const events::DomainEvent& event,
                       std::initializer_list<std::string_view> keys) {
  for (std::string_view key : keys) {
    std::string value = Field(event, key);
    if (!value.empty()) return value;
  }
  return {};
}

std::string Target(const events::DomainEvent& event) { return Clip(event.target); }

// "project/stack" of a stack event: the target, else the stack fields.
std::string StackOf(const events::DomainEvent& event) {
  if (!event.target.empty()) return Target(event);
  if (!event.project.empty() || !event.stack_name.empty()) {
    return Clip(event.project + "/" + event.stack_name);
  }
  return {};
}

// ` (key: "value", ...)` over the fields in key order (skipping `except` and
// empty values); "" when nothing is left.
std::string Details(const events::DomainEvent& event,
                    std::initializer_list<std::string_view> except = {}) {
  std::string out;
  for (const auto& [key, value] : event.fields) {
    if (value.empty()) continue;
    bool skip = false;
    for (std::string_view e : except) skip = skip || key == e;
    if (skip) continue;
    out += out.empty() ? " (" : ", ";
    out += fmt::format("{}: \"{}\"", Clip(key), Clip(value));
  }
  if (!out.empty()) out += ")";
  return out;
}

std::string OrgPhrase(const events::DomainEvent& event) {
  return event.org_name.empty() ? std::string("the organization")
                                : fmt::format("organization \"{}\"", Clip(event.org_name));
}

std::string PermissionName(std::string_view value) {
  if (value == "0") return "none";
  if (value == "101") return "read";
  if (value == "102") return "write";
  if (value == "103") return "admin";
  return std::string(value);
}

// "update", "preview", "refresh preview", ... for a stack-update-* event.
std::string UpdateWord(const events::DomainEvent& event) {
  std::string kind = Field(event, "kind");
  if (kind.empty()) kind = "update";
  if (Field(event, "dryRun") == "true" && kind != "preview") kind += " preview";
  return kind;
}

std::string Actor(const events::DomainEvent& event) {
  return Clip(!event.actor.login.empty() ? event.actor.login : event.target);
}

std::string DescribeWebhook(const events::DomainEvent& event, std::string_view verb) {
  std::string scope = Field(event, "scope");
  if (scope.empty() || scope == "organization") {
    return fmt::format("{} organization webhook \"{}\"", verb, Target(event));
  }
  return fmt::format("{} webhook \"{}\" for stack \"{}\"", verb, Target(event), scope);
}

std::string DescribeTags(const events::DomainEvent& event) {
  const std::string stack = StackOf(event);
  const std::string action = Field(event, "action");
  const std::string tag = Field(event, "tag");
  if (action == "set" || tag.empty())
    return fmt::format("Replaced the tags of stack \"{}\"", stack);
  if (action == "add") return fmt::format("Added tag \"{}\" to stack \"{}\"", tag, stack);
  if (action == "delete") return fmt::format("Deleted tag \"{}\" from stack \"{}\"", tag, stack);
  return fmt::format("Updated tag \"{}\" of stack \"{}\"", tag, stack);
}

std::string DescribeSettings(const events::DomainEvent& event) {
  std::string permission = Field(event, "defaultStackPermission");
  if (permission.empty() && Field(event, "setting") == "defaultStackPermission") {
    permission = Field(event, "to");
  }
  if (!permission.empty()) {
    return fmt::format("Changed the default stack permission of {} to {}", OrgPhrase(event),
                       PermissionName(permission));
  }
  return fmt::format("Changed the settings of {}{}", OrgPhrase(event), Details(event));
}

using Describer = std::string (*)(const events::DomainEvent&);

const std::map<std::string_view, Describer>& Describers() {
  static const auto* describers = new std::map<std::string_view, Describer>{
      {"user-login",
       [](const events::DomainEvent& e) {
         if (e.actor.token_name.empty()) return fmt::format("User \"{}\" logged in", Actor(e));
         return fmt::format("User \"{}\" logged in with access token \"{}\"", Actor(e),
                            Clip(e.actor.token_name));
       }},
      {"user-login-failed",
       [](const events::DomainEvent& e) {
         std::string reason = Field(e, "reason");
         if (reason.empty()) return std::string("Failed login attempt");
         return fmt::format("Failed login attempt ({})", reason);
       }},
      {"auth-failure-organization-role",
       [](const events::DomainEvent& e) {
         return fmt::format(
             "User \"{}\" was denied an action that requires the organization role {}", Actor(e),
             FirstField(e, {"required"}));
       }},
      {"auth-failure-stack-permission",
       [](const events::DomainEvent& e) {
         return fmt::format(
             "User \"{}\" was denied an action that requires {} permission on stack \"{}\"",
             Clip(e.actor.login), FirstField(e, {"required"}), StackOf(e));
       }},
      {"stack-created",
       [](const events::DomainEvent& e) {
         return fmt::format("Created stack \"{}\"", StackOf(e));
       }},
      {"stack-deleted",
       [](const events::DomainEvent& e) {
         return fmt::format("Deleted stack \"{}\"", StackOf(e));
       }},
      {"stack-renamed",
       [](const events::DomainEvent& e) {
         std::string from = Field(e, "from");
         std::string to = FirstField(e, {"to"});
         if (to.empty()) to = StackOf(e);
         if (from.empty()) return fmt::format("Renamed stack to \"{}\"", to);
         return fmt::format("Renamed stack \"{}\" to \"{}\"", from, to);
       }},
      {"stack-transferred-to-organization",
       [](const events::DomainEvent& e) {
         return fmt::format(
             "Transferred stack \"{}\" from organization \"{}\" to organization \"{}\"", StackOf(e),
             Field(e, "fromOrg"), Field(e, "toOrg"));
       }},
      {"stack-exported",
       [](const events::DomainEvent& e) {
         std::string version = Field(e, "version");
         if (version.empty() || version == "latest") {
           return fmt::format("Exported stack {}", StackOf(e));
         }
         return fmt::format("Exported version {} of stack {}", version, StackOf(e));
       }},
      {"stack-imported",
       [](const events::DomainEvent& e) {
         std::string version = Field(e, "version");
         if (version.empty()) return fmt::format("Imported stack {}", StackOf(e));
         return fmt::format("Imported stack {} as version {}", StackOf(e), version);
       }},
      {"stack-rolled-back",
       [](const events::DomainEvent& e) {
         return fmt::format("Rolled back stack {} to version {} as version {}", StackOf(e),
                            Field(e, "fromVersion"), Field(e, "version"));
       }},
      {"stack-tags-updated", &DescribeTags},
      {"stack-update-started",
       [](const events::DomainEvent& e) {
         return fmt::format("Started {} \"{}\" for stack \"{}\"", UpdateWord(e),
                            Field(e, "updateID"), StackOf(e));
       }},
      {"stack-update-completed",
       [](const events::DomainEvent& e) {
         std::string result = Field(e, "result");
         std::string text = fmt::format("Completed {} \"{}\" for stack \"{}\"", UpdateWord(e),
                                        Field(e, "updateID"), StackOf(e));
         if (!result.empty()) text += fmt::format(" with result {}", result);
         return text;
       }},
      {"stack-update-canceled",
       [](const events::DomainEvent& e) {
         return fmt::format("Canceled {} \"{}\" for stack \"{}\"", UpdateWord(e),
                            Field(e, "updateID"), StackOf(e));
       }},
      {"secret-decrypted",
       [](const events::DomainEvent& e) {
         std::string text = fmt::format("Decrypted secret value for stack \"{}\"", StackOf(e));
         if (std::string suffix = Field(e, "ciphertextSuffix"); !suffix.empty()) {
           text += fmt::format(" (cipher text suffix: \"{}\")", suffix);
         } else if (std::string name = Field(e, "secretName"); !name.empty()) {
           text += fmt::format(" (secret name: \"{}\")", name);
         }
         return text;
       }},
      {"secrets-batch-decrypted",
       [](const events::DomainEvent& e) {
         if (std::string count = Field(e, "count"); !count.empty()) {
           return fmt::format("Decrypted {} secret value{} for stack \"{}\"", count,
                              count == "1" ? "" : "s", StackOf(e));
         }
         std::string text = fmt::format("Decrypted secret values for stack \"{}\"", StackOf(e));
         if (std::string command = Field(e, "commandName"); !command.empty()) {
           text += fmt::format(" (command: \"{}\")", command);
         }
         return text;
       }},
      {"member-added",
       [](const events::DomainEvent& e) {
         std::string role = Field(e, "role");
         std::string text = fmt::format("Added \"{}\" to {}", Target(e), OrgPhrase(e));
         if (!role.empty()) text += fmt::format(" as {}", role);
         return text;
       }},
      {"member-removed",
       [](const events::DomainEvent& e) {
         return fmt::format("Removed \"{}\" from {}", Target(e), OrgPhrase(e));
       }},
      {"member-role-changed",
       [](const events::DomainEvent& e) {
         return fmt::format("Changed organization role for \"{}\" to {}", Target(e),
                            FirstField(e, {"role", "to"}));
       }},
      {"team-created",
       [](const events::DomainEvent& e) { return fmt::format("Created team \"{}\"", Target(e)); }},
      {"team-deleted",
       [](const events::DomainEvent& e) { return fmt::format("Deleted team \"{}\"", Target(e)); }},
      {"team-updated",
       [](const events::DomainEvent& e) {
         return fmt::format("Updated team \"{}\"{}", Target(e), Details(e));
       }},
      {"organization-settings-changed", &DescribeSettings},
      {"organization-created",
       [](const events::DomainEvent& e) {
         std::string admin = Field(e, "admin");
         std::string text = fmt::format("Created organization \"{}\"", Target(e));
         if (!admin.empty()) text += fmt::format(" with admin \"{}\"", admin);
         return text;
       }},
      {"user-created",
       [](const events::DomainEvent& e) { return fmt::format("Created user \"{}\"", Target(e)); }},
      {"personal-token-created",
       [](const events::DomainEvent& e) {
         return fmt::format("Created personal access token \"{}\"", Target(e));
       }},
      {"personal-token-deleted",
       [](const events::DomainEvent& e) {
         return fmt::format("Deleted personal access token \"{}\"", Target(e));
       }},
      {"service-created",
       [](const events::DomainEvent& e) {
         return fmt::format("Created service \"{}\"", Target(e));
       }},
      {"service-updated",
       [](const events::DomainEvent& e) {
         return fmt::format("Updated service \"{}\"{}", Target(e), Details(e));
       }},
      {"service-deleted",
       [](const events::DomainEvent& e) {
         return fmt::format("Deleted service \"{}\"", Target(e));
       }},
      {"webhook-created",
       [](const events::DomainEvent& e) { return DescribeWebhook(e, "Created"); }},
      {"webhook-updated",
       [](const events::DomainEvent& e) { return DescribeWebhook(e, "Updated"); }},
      {"webhook-deleted",
       [](const events::DomainEvent& e) { return DescribeWebhook(e, "Deleted"); }},
  };
  return *describers;
}

}  // namespace

std::span<const CatalogEntry> Catalog() { return kCatalog; }

const CatalogEntry* FindKind(std::string_view id) {
  for (const CatalogEntry& entry : kCatalog) {
    if (entry.id == id) return &entry;
  }
  return nullptr;
}

std::string DisplayName(std::string_view kind) {
  const CatalogEntry* entry = FindKind(kind);
  return std::string(entry != nullptr ? entry->display_name : kind);
}

std::string ResolveEventFilter(std::string_view value) {
  value = Trim(value);
  for (const CatalogEntry& entry : kCatalog) {
    if (EqualsIgnoreCase(entry.id, value) || EqualsIgnoreCase(entry.display_name, value)) {
      return std::string(entry.id);
    }
  }
  return std::string(value);
}

EventFlags FlagsFor(const events::DomainEvent& event) {
  const CatalogEntry* entry = FindKind(event.kind);
  if (entry == nullptr) return kNone;
  if (event.kind.starts_with("webhook-")) {
    auto scope = event.fields.find("scope");
    if (scope != event.fields.end() && !scope->second.empty() && scope->second != "organization") {
      return kS;
    }
  }
  return entry->flags;
}

std::string Describe(const events::DomainEvent& event) {
  const auto& describers = Describers();
  auto it = describers.find(event.kind);
  if (it != describers.end()) return it->second(event);
  std::string text = fmt::format("Event \"{}\"", Clip(event.kind));
  if (!event.target.empty()) text += fmt::format(" on \"{}\"", Target(event));
  return text + Details(event);
}

}  // namespace statehouse::audit
