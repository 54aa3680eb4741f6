#pragma once

// Building domain events from an authorized request.

#include <cstdint>
#include <string>

#include "auth/authorizer.h"
#include "events/domain_event.h"

namespace statehouse::auth {

// An event of `kind` at `now` done by the caller of `access`: the actor
// (user, token, source IP), the org (access.org, else the stack's org) and,
// when the access names a stack, the stack fields; target is the stack's
// "project/stack" then, else "".
events::DomainEvent NewEvent(const Access& access, std::string kind, int64_t now);

// The actor of `access`.
events::Actor ActorOf(const Access& access);

}  // namespace statehouse::auth
