#pragma once

// Domain events: one value per state-changing or security-relevant action.
// Services publish them inside the store transaction of the change
// (Store::RunInTransaction), so durable subscribers (the audit log, the
// webhook queue) record them atomically with it: both happen or neither.

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "common/error.h"

namespace statehouse::events {

// Who acted, as the audit log records it.
struct Actor {
  std::string user_id;  // "" when unknown (e.g. a bad token)
  std::string login;
  std::string name;
  std::string token_id;  // "" when no token was used
  std::string token_name;
  std::string source_ip;
};

struct DomainEvent {
  // Audit catalog id, e.g. "stack-created", "stack-update-completed",
  // "member-added"; src/audit/catalog.h lists every kind.
  std::string kind;
  std::string org_id;
  std::string org_name;
  Actor actor;
  std::string target;  // what it acted on, e.g. a login, team or stack name
  // Set for events about one stack.
  std::string stack_id;
  std::string project;
  std::string stack_name;
  int64_t time = 0;  // Unix seconds
  std::map<std::string, std::string> fields;  // kind-specific details
};

// Receives published events. Implementations must be thread-safe. An error
// fails the action that produced the event (its transaction rolls back).
class EventSink {
 public:
  virtual ~EventSink() = default;
  virtual Result<void> Publish(const DomainEvent& event) = 0;
};

// Fans events out to every subscriber, stopping at the first error.
// Subscribe before serving.
class EventBus final : public EventSink {
 public:
  void Subscribe(EventSink* sink) { sinks_.push_back(sink); }
  Result<void> Publish(const DomainEvent& event) override {
    for (EventSink* sink : sinks_) SH_TRY(sink->Publish(event));
    return {};
  }

 private:
  std::vector<EventSink*> sinks_;
};

// Keeps every event in memory; for tests.
class RecordingSink final : public EventSink {
 public:
  Result<void> Publish(const DomainEvent& event) override {
    std::lock_guard lock(mu_);
    events_.push_back(event);
    return {};
  }
  std::vector<DomainEvent> Events() const {
    std::lock_guard lock(mu_);
    return events_;
  }

 private:
  mutable std::mutex mu_;
  std::vector<DomainEvent> events_;
};

}  // namespace statehouse::events
