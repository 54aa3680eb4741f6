#include "app/wiring.h"
#include "audit/handlers.h"
#include "audit/recorder.h"
#include "audit/service.h"
#include "events/domain_event.h"
#include "storage/store.h"

namespace statehouse::app {

namespace {

// Owns the recorder (subscribed to the event bus) and the service the routes
// use; both must live as long as the bus and the router, i.e. the App.
class AuditComponent final : public Component {
 public:
  explicit AuditComponent(WiringContext& context)
      : recorder_(context.store, context.clock, context.random), service_(context.store) {}

  audit::AuditRecorder& recorder() { return recorder_; }
  audit::AuditService& service() { return service_; }

 private:
  audit::AuditRecorder recorder_;
  audit::AuditService service_;
};

}  // namespace

Result<std::unique_ptr<Component>> WireAudit(WiringContext& context) {
  auto component = std::make_unique<AuditComponent>(context);
  context.events.Subscribe(&component->recorder());
  audit::RegisterRoutes(context.router, context.authorizer, component->service());
  return component;
}

}  // namespace statehouse::app
