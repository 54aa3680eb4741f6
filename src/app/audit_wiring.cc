#include "app/wiring.h"

namespace statehouse::app {

Result<std::unique_ptr<Component>> WireAudit(WiringContext& context) {
  return std::make_unique<Component>();
}

}  // namespace statehouse::app
