#pragma once

// Turns domain events into queued webhook jobs. Subscribed to the app's
// EventBus, so Publish runs on the publisher's thread inside its store
// transaction: the jobs commit or roll back with the change that caused
// them. For an event that maps to a webhook kind (payload.h Classify) it
// lists the active webhooks the event may go to (the org's, plus the
// stack's own unless the kind is organization-only), keeps those the
// selection rule picks, renders each one's body in its format and enqueues
// one job per webhook, due now. After the transaction commits it calls
// `wake` (the worker's Wake). Thread-safe.

#include <functional>
#include <string>

#include "common/clock.h"
#include "common/random.h"
#include "events/domain_event.h"
#include "storage/store.h"

namespace statehouse::webhooks {

class Enqueuer final : public events::EventSink {
 public:
  // `base_url` prefixes links in payloads (no trailing slash).
  Enqueuer(storage::Store& store, const Clock& clock, Random& random, std::string base_url,
           std::function<void()> wake)
      : store_(store),
        clock_(clock),
        random_(random),
        base_url_(std::move(base_url)),
        wake_(std::move(wake)) {}

  // Errors are the store's; they fail (roll back) the publishing action.
  Result<void> Publish(const events::DomainEvent& event) override;

 private:
  storage::Store& store_;
  const Clock& clock_;
  Random& random_;
  const std::string base_url_;
  const std::function<void()> wake_;
};

}  // namespace statehouse::webhooks
