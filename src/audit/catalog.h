#pragma once

// The audit event catalog: every DomainEvent kind Statehouse publishes (Pulumi
// Cloud's audit event ids plus Statehouse extensions), its display name and its
// flags, and the human description of one event. Stateless and thread-safe.

#include <span>
#include <string>
#include <string_view>

#include "events/domain_event.h"

namespace statehouse::audit {

// The catalog flags as Pulumi Cloud publishes them: O, S, A.
struct EventFlags {
  bool req_org_admin = false;
  bool req_stack_admin = false;
  bool auth_failure = false;
};

struct CatalogEntry {
  std::string_view id;            // e.g. "stack-update-started"
  std::string_view display_name;  // e.g. "Stack Update Started"
  EventFlags flags;
};

// Every known kind, in catalog order.
std::span<const CatalogEntry> Catalog();

// The entry for `id` (exact), or null for a kind the catalog does not know.
const CatalogEntry* FindKind(std::string_view id);

// The display name of `kind`; an unknown kind's display name is its id.
std::string DisplayName(std::string_view kind);

// The catalog id an eventFilter value names: a known id or display name,
// compared case-insensitively and ignoring surrounding spaces. Any other
// value is returned as given (trimmed), so it matches recorded events of an
// unknown kind by id.
std::string ResolveEventFilter(std::string_view value);

// The flags recorded for `event`: the catalog's, except that a webhook event
// whose scope is a stack requires stack admin rather than org admin. None for
// an unknown kind.
EventFlags FlagsFor(const events::DomainEvent& event);

// A one-sentence description of `event` from its kind, target and fields,
// e.g. `Started update "<id>" for stack "project1/dev"`. Unknown kinds get a
// generic sentence naming the kind, the target and every field.
std::string Describe(const events::DomainEvent& event);

}  // namespace statehouse::audit
