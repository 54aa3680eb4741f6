#pragma once

#include <atomic>

#include "common/error.h"
#include "events/domain_event.h"

namespace statehouse::testing {

// An EventSink whose Publish fails with kInternal, as a durable subscriber
// (audit recorder, webhook queue) does when it cannot write. Counts the
// attempts. Thread-safe.
class FailingSink final : public events::EventSink {
 public:
  Result<void> Publish(const events::DomainEvent&) override {
    attempts_.fetch_add(1);
    return Fail(Error::Internal("test sink refuses every event"));
  }
  int attempts() const { return attempts_.load(); }

 private:
  std::atomic<int> attempts_{0};
};

// Forwards to `target` until failing is switched on, then fails like
// FailingSink. Thread-safe.
class SwitchableSink final : public events::EventSink {
 public:
  explicit SwitchableSink(events::EventSink& target) : target_(target) {}
  Result<void> Publish(const events::DomainEvent& event) override {
    if (failing_.load()) return Fail(Error::Internal("test sink refuses every event"));
    return target_.Publish(event);
  }
  void SetFailing(bool failing) { failing_.store(failing); }

 private:
  events::EventSink& target_;
  std::atomic<bool> failing_{false};
};

}  // namespace statehouse::testing
