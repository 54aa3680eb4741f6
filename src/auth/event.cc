#include "auth/event.h"

#include <utility>

namespace statehouse::auth {

events::Actor ActorOf(const Access& access) {
  const Principal& p = access.principal;
  return events::Actor{p.user.id, p.user.login, p.user.name,
                       p.token_id, p.token_name, access.source_ip};
}

events::DomainEvent NewEvent(const Access& access, std::string kind, int64_t now) {
  events::DomainEvent event;
  event.kind = std::move(kind);
  event.actor = ActorOf(access);
  event.time = now;
  if (access.org) {
    event.org_id = access.org->id;
    event.org_name = access.org->name;
  }
  if (access.stack) {
    const storage::StackRecord& stack = *access.stack;
    if (event.org_id.empty()) {
      event.org_id = stack.org_id;
      event.org_name = stack.org_name;
    }
    event.stack_id = stack.id;
    event.project = stack.project;
    event.stack_name = stack.name;
    event.target = stack.project + "/" + stack.name;
  }
  return event;
}

}  // namespace statehouse::auth
