#pragma once

// Rewrites a stored deployment text when its stack moves (rename, transfer),
// byte-wise: one pass over the text, no DOM, memory bounded by the input plus
// one output buffer of about its size.

#include <string>
#include <string_view>

namespace statehouse::stacks {

// Where a stack lives: organization (the secrets provider's "owner"), project
// and stack name.
struct StackAddress {
  std::string_view owner;
  std::string_view project;
  std::string_view stack;
};

// The deployment text (an UntypedDeployment, or a bare deployment object) as
// the Pulumi CLI's own rename (`edit.RenameStack`) and the service's secrets
// manager expect it after the stack moved from `from` to `to`:
//  * every "urn:pulumi:<from.stack>::<from.project>::" prefix becomes
//    "urn:pulumi:<to.stack>::<to.project>::", wherever the URN appears (urn,
//    parent, dependencies, propertyDependencies, provider references,
//    resource references in inputs/outputs, pending operations, ...);
//  * the name of the root resource, a URN whose whole type is
//    "pulumi:pulumi:Stack", becomes "<to.project>-<to.stack>" (the CLI renames
//    it whatever it was);
//  * a secrets provider of type "service" (deployment.secrets_providers) gets
//    state.owner/project/stack = `to`, so the CLI's next decrypt calls the
//    stack's new path; its other fields (url, insecure, ...) are kept. Only
//    that small object is re-serialised.
// Everything else is copied byte for byte. A text that is not a JSON object
// (or has no deployment) only gets the URN rewrite.
std::string RewriteMovedState(std::string_view text, const StackAddress& from,
                              const StackAddress& to);

}  // namespace statehouse::stacks
