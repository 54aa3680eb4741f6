#pragma once

// The audit recorder: a durable events::EventSink that appends one audit row
// per domain event, in the publisher's transaction.

#include <atomic>
#include <cstdint>

#include "common/clock.h"
#include "common/error.h"
#include "common/random.h"
#include "events/domain_event.h"
#include "storage/audit_store.h"

namespace statehouse::audit {

// Publish() turns the event into a storage::AuditEventRecord (display flags
// and description from the catalog, user and token fields from the actor)
// and appends it with AuditStore::AppendAuditEvent, which joins the calling
// thread's open Store::RunInTransaction, so the row commits or rolls back
// with the change that caused it. Events without an org are not recorded
// (success). Errors are the store's: the publishing action then fails.
//
// Row ids are 32 lowercase hex digits: the event time, a per-recorder
// sequence number and random bits, so within one second rows sort in the
// order this recorder saw them. Thread-safe; `store`, `clock` and `random`
// must outlive it.
class AuditRecorder final : public events::EventSink {
 public:
  AuditRecorder(storage::AuditStore& store, const Clock& clock, Random& random)
      : store_(store), clock_(clock), random_(random) {}

  Result<void> Publish(const events::DomainEvent& event) override;

  // The row Publish() would append for `event` (event.org_id must be set).
  storage::AuditEventRecord ToRecord(const events::DomainEvent& event);

 private:
  storage::AuditStore& store_;
  const Clock& clock_;
  Random& random_;
  std::atomic<uint64_t> sequence_{0};
};

}  // namespace statehouse::audit
