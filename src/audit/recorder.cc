#include "audit/recorder.h"

#include <fmt/format.h>

#include "audit/catalog.h"

namespace statehouse::audit {

storage::AuditEventRecord AuditRecorder::ToRecord(const events::DomainEvent& event) {
  storage::AuditEventRecord record;
  record.time = event.time != 0 ? event.time : clock_.NowSeconds();
  const uint64_t sequence = sequence_.fetch_add(1, std::memory_order_relaxed);
  // 12 + 12 + 8 hex digits; times before 1970 clamp to 0 (they sort first).
  const uint64_t time_key = record.time > 0 ? static_cast<uint64_t>(record.time) : 0;
  record.id = fmt::format("{:012x}{:012x}{}", time_key & 0xffffffffffffULL,
                          sequence & 0xffffffffffffULL, random_.Hex(4));
  record.org_id = event.org_id;
  record.event = event.kind;
  record.description = Describe(event);
  record.source_ip = event.actor.source_ip;
  record.user_id = event.actor.user_id;
  record.user_login = event.actor.login;
  record.user_name = event.actor.name;
  record.token_id = event.actor.token_id;
  record.token_name = event.actor.token_name;
  const EventFlags flags = FlagsFor(event);
  record.req_org_admin = flags.req_org_admin;
  record.req_stack_admin = flags.req_stack_admin;
  record.auth_failure = flags.auth_failure;
  return record;
}

Result<void> AuditRecorder::Publish(const events::DomainEvent& event) {
  if (event.org_id.empty()) return {};
  return store_.AppendAuditEvent(ToRecord(event));
}

}  // namespace statehouse::audit
