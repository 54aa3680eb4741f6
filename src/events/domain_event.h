#pragma once

// Domain events: one value per state-changing action, published by services
// after the change is stored. The audit log and webhooks (a later issue)
// subscribe here, so no handler needs editing to be audited or to notify.

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace statehouse::events {

struct DomainEvent {
  std::string kind;          // audit-style name, e.g. "member-added", "team-created"
  std::string org_name;      // organization the action happened in ("" if none)
  std::string actor_login;   // who did it
  std::string target;        // what it acted on, e.g. a login, team or stack name
  int64_t time = 0;          // Unix seconds
  std::map<std::string, std::string> fields;  // action-specific details
};

// Receives published events. Implementations must be thread-safe and must
// not fail the action that produced the event.
class EventSink {
 public:
  virtual ~EventSink() = default;
  virtual void Publish(const DomainEvent& event) = 0;
};

// Fans events out to every subscriber. Subscribe before serving.
class EventBus final : public EventSink {
 public:
  void Subscribe(EventSink* sink) { sinks_.push_back(sink); }
  void Publish(const DomainEvent& event) override {
    for (EventSink* sink : sinks_) sink->Publish(event);
  }

 private:
  std::vector<EventSink*> sinks_;
};

// Keeps every event in memory; for tests.
class RecordingSink final : public EventSink {
 public:
  void Publish(const DomainEvent& event) override {
    std::lock_guard lock(mu_);
    events_.push_back(event);
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
