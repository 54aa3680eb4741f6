#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "auth/authorizer.h"
#include "common/clock.h"
#include "common/error.h"
#include "common/random.h"
#include "events/domain_event.h"
#include "storage/store.h"

namespace statehouse::stacks {

struct CreateStackInput {
  std::string project;
  std::string stack_name;
  std::map<std::string, std::string> tags;
  // The exact bytes of an initial UntypedDeployment, when the client sent one.
  std::optional<std::string> initial_state;
};

struct ListStacksInput {
  std::optional<std::string> organization;
  std::optional<std::string> project;
  std::optional<std::string> tag_name;
  std::optional<std::string> tag_value;
  std::optional<std::string> continuation_token;
  int max_results = 100;
};

struct StackPage {
  std::vector<storage::StackRecord> stacks;
  std::optional<std::string> continuation_token;  // URL-safe, opaque
};

// Stack domain rules: names, tags, deletion, rename and transfer. Access has
// already been granted by the Authorizer for the route's Need; this service
// only enforces rules that depend on the data. Each change publishes its
// domain event (stack-created, stack-deleted, stack-renamed,
// stack-transferred-to-organization in both orgs, stack-tags-updated) in the
// store transaction of the change; a publish error fails the call and rolls
// the change back. Thread-safe.
class StackService {
 public:
  StackService(storage::Store& store, const Clock& clock, Random& random,
               auth::Authorizer& authorizer, events::EventSink& events)
      : store_(store), clock_(clock), random_(random), authorizer_(authorizer), events_(events) {}

  // In access.org (caller is a member). kInvalidArgument for bad names, tags
  // or initial state; kAlreadyExists (message contains "already exists").
  Result<storage::StackRecord> Create(const auth::Access& access, CreateStackInput input);

  Result<bool> ProjectExists(const auth::Access& access, const std::string& project);

  // Stacks the caller can read, across the orgs they belong to.
  Result<StackPage> List(const auth::Principal& caller, const ListStacksInput& input);

  // kInvalidArgument "Bad Request: Stack still contains resources." when the
  // stack has resources and `force` is false.
  Result<void> Delete(const auth::Access& access, bool force);

  // Renames within the org. Records an update of kind "rename" (a new
  // version of the stack) whose checkpoint is the current state rewritten as
  // the CLI's own rename does (RewriteMovedState: URNs, root stack name,
  // service secrets provider); earlier versions are kept as recorded.
  // Returns that update's id. kInvalidArgument for bad names or no change;
  // kAlreadyExists if taken; kConflict while another update runs.
  Result<std::string> Rename(const auth::Access& access, const std::string& new_project,
                      const std::string& new_name);

  // Moves the stack to `to_org` and points a service secrets provider in its
  // current state at the new organization (secrets keep decrypting: their key
  // is bound to the stack id). kNotFound when that org does not exist or the
  // caller is not a member; kAlreadyExists if the name is taken there;
  // kConflict while an update runs.
  Result<void> Transfer(const auth::Access& access, const std::string& to_org);

  // Replaces every tag. kInvalidArgument for invalid tags or a changed
  // pulumi:project.
  Result<void> ReplaceTags(const auth::Access& access, const std::map<std::string, std::string>& tags);
  // Single-tag operations; built-in tags are refused (kInvalidArgument).
  // Add: kInvalidArgument if the tag exists. Update/Delete: kNotFound if absent.
  Result<void> AddTag(const auth::Access& access, const std::string& name, const std::string& value);
  Result<void> UpdateTag(const auth::Access& access, const std::string& name, const std::string& value);
  Result<void> DeleteTag(const auth::Access& access, const std::string& name);

 private:
  // Publishes stack-tags-updated for access.stack; `tag` is omitted when empty.
  Result<void> PublishTags(const auth::Access& access, std::string_view action,
                           const std::string& tag);

  storage::Store& store_;
  const Clock& clock_;
  Random& random_;
  auth::Authorizer& authorizer_;
  events::EventSink& events_;
};

}  // namespace statehouse::stacks
