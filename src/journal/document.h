#pragma once

// Journal replay documents: resource states, pending operations and base
// deployments as their original JSON bytes plus the few fields replay reads
// (shared/spec/journaling.md §5, §8 "JSON handling"). Nothing here builds a
// DOM of a state; values are re-serialised only for the keys replay rewrites.
// Every parsed document is immutable and shared (std::shared_ptr<const T>).

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/error.h"

namespace statehouse::journal {

// A ResourceV3 object: its exact bytes (`raw`, with spare capacity for the
// parser's padding) and the flags replay needs on every materialisation.
// The reference fields (urn, parent, dependencies, …) are only needed after a
// refresh or when aliases exist; Links() reads them from `raw` on demand.
struct Resource {
  std::string raw;
  bool has_aliases = false;      // non-empty "aliases"
  bool has_aliases_key = false;  // "aliases" present (even empty): dropped on normalisation
  bool del = false;              // "delete": true
  bool pending_replacement = false;
  // Feature markers (§5.7).
  bool refresh_before_update = false;
  bool taint = false;
  bool has_view_of = false;        // non-empty "viewOf"
  bool has_replace_with = false;   // non-empty "replaceWith"
  bool has_hooks = false;          // non-empty "resourceHooks"
  bool has_extension_ref = false;  // non-empty "extensionRef"
  bool has_snippet_id = false;     // non-empty "snippetID"
};

// The unescaped values of a resource's reference keys (empty when absent or null).
struct ResourceLinks {
  std::string urn;
  std::string parent;
  std::string provider;  // "<URN>::<id>"
  std::string deleted_with;
  std::string view_of;
  std::vector<std::string> dependencies;
  std::vector<std::string> replace_with;
  std::vector<std::string> aliases;
  std::vector<std::pair<std::string, std::vector<std::string>>> property_dependencies;
};

// Reads the reference keys of a parsed resource (its types were validated by
// ParseResource, so this cannot fail).
ResourceLinks Links(const Resource& resource);

// An OperationV2 {"resource": ResourceV3, "type": string} (any type string is
// accepted, e.g. "importing"). The resource stays opaque until needed (most
// operations end before anything is materialised): see OperationResource.
struct Operation {
  std::string raw;
  std::string type;
  bool has_resource = false;
};

// A DeploymentV3 as replay needs it (the `deployment` member of an
// UntypedDeployment, or a write entry's `newSnapshot`). Keys other than these
// are not carried into replay results (the CLI's reference drops them too).
struct Snapshot {
  std::vector<std::shared_ptr<const Resource>> resources;
  // Only `pending_operations` (snake case) is read (§5.1).
  std::vector<std::shared_ptr<const Operation>> pending_operations;
  std::optional<std::string> secrets_providers;  // raw object
  std::optional<std::string> metadata;           // raw object
  std::string snippets;                          // raw non-empty array, or "" when none
  std::map<std::string, std::string> extensions; // ref -> raw value
  // The envelope around it declared feature "byteString" (§5.7 deviation).
  bool declares_byte_string = false;
};

// Parse a resource state object. kInvalidArgument when `json` is not an
// object or a key replay reads has the wrong type (e.g. "urn": 5). The input
// must be valid JSON (callers validate whole documents first).
Result<std::shared_ptr<const Resource>> ParseResource(std::string_view json);
// Same, taking ownership of the text (no copy when it has spare capacity for
// simdjson's padding, as PaddedCopy gives).
Result<std::shared_ptr<const Resource>> ParseResource(std::string&& json);
Result<std::shared_ptr<const Operation>> ParseOperation(std::string_view json);
Result<std::shared_ptr<const Operation>> ParseOperation(std::string&& json);
// The operation's `resource` parsed (null when absent); kInvalidArgument when
// a key replay reads has the wrong type.
Result<std::shared_ptr<const Resource>> OperationResource(const Operation& operation);

// Parse a DeploymentV3 object (fully validates the JSON). A JSON null gives
// an empty snapshot.
Result<std::shared_ptr<const Snapshot>> ParseSnapshot(std::string_view deployment_json);

// Parse an UntypedDeployment {"version":N,["features":[...],]"deployment":{...}}
// as exported by the service: versions 1-4 are accepted (the keys replay reads
// have the same shape in all of them); a missing or null `deployment` is the
// never-updated placeholder (empty snapshot). Fully validates the JSON.
Result<std::shared_ptr<const Snapshot>> ParseUntypedDeployment(std::string_view text);

// Changes replay applies to a resource. Unset members keep the original
// value; a set string/list that is empty removes the key (Go omitempty).
struct ResourcePatch {
  bool set_delete = false;
  bool set_pending_replacement = false;
  bool drop_aliases = false;
  std::optional<std::string> urn;
  std::optional<std::string> parent;
  std::optional<std::string> provider;
  std::optional<std::string> deleted_with;
  std::optional<std::string> view_of;
  std::optional<std::vector<std::string>> dependencies;
  std::optional<std::vector<std::string>> replace_with;
  std::optional<std::vector<std::pair<std::string, std::vector<std::string>>>> property_dependencies;

  bool empty() const {
    return !set_delete && !set_pending_replacement && !drop_aliases && !urn && !parent && !provider &&
           !deleted_with && !view_of && !dependencies && !replace_with && !property_dependencies;
  }
};

// A new resource: `src` with `patch` applied. Untouched members keep their
// original bytes and order; added flags are appended.
std::shared_ptr<const Resource> ApplyPatch(const Resource& src, const ResourcePatch& patch);

// The `snippets` array with each snippet's `references` values passed
// through `fix` (which returns the replacement, or nullptr to keep a value).
// Returns `snippets` unchanged if it cannot be read.
std::string RewriteSnippetReferences(const std::string& snippets,
                                     const std::function<const std::string*(const std::string&)>& fix);

// `object` (a JSON object's bytes) with member `key` set to `raw_value`
// (replacing every existing `key`, appended at the end). Returns a
// one-member object if `object` cannot be read.
std::string SetObjectMember(const std::string& object, std::string_view key, std::string_view raw_value);

// JSON output helpers.
void AppendJsonString(std::string& out, std::string_view s);
void AppendJsonStringArray(std::string& out, const std::vector<std::string>& items);

// A copy of `json` with spare capacity for simdjson's padding.
std::string PaddedCopy(std::string_view json);

}  // namespace statehouse::journal
