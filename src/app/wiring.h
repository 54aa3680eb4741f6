#pragma once

// Optional server components (audit log, webhooks) wired into the App. Each
// area implements its Wire* function in src/app/<area>_wiring.cc.

#include <memory>
#include <string>

#include "app/config.h"
#include "common/error.h"

namespace statehouse {
class Clock;
class Random;
namespace auth {
class Authorizer;
}
namespace events {
class EventBus;
}
namespace http {
class Router;
}
namespace storage {
class Store;
}
}  // namespace statehouse

namespace statehouse::app {

// What a component may use. Everything outlives the component.
struct WiringContext {
  const Config& config;
  storage::Store& store;
  const Clock& clock;
  Random& random;
  auth::Authorizer& authorizer;
  http::Router& router;
  events::EventBus& events;   // subscribe durable sinks here
  const std::string& master_key;  // 32 raw bytes
};

// A running component. Stop() is called once, after the server has drained
// and before the store closes; it must end every thread the component started.
class Component {
 public:
  virtual ~Component() = default;
  virtual void Stop() {}
};

// Registers the audit log routes and subscribes the audit recorder.
Result<std::unique_ptr<Component>> WireAudit(WiringContext& context);
// Registers the webhook routes, subscribes the webhook queue and starts the
// delivery worker.
Result<std::unique_ptr<Component>> WireWebhooks(WiringContext& context);

}  // namespace statehouse::app
