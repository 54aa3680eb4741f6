#include <fmt/format.h>

#include <memory>

#include "app/wiring.h"
#include "auth/authorizer.h"
#include "common/clock.h"
#include "common/random.h"
#include "events/domain_event.h"
#include "http/router.h"
#include "storage/store.h"
#include "webhooks/address_policy.h"
#include "webhooks/curl_poster.h"
#include "webhooks/deliverer.h"
#include "webhooks/enqueuer.h"
#include "webhooks/handlers.h"
#include "webhooks/service.h"
#include "webhooks/worker.h"

namespace statehouse::app {

namespace {

// A claim lasts twice the attempt timeout plus this margin: a delivery thread
// starts a job as soon as it is claimed, so the attempt ends well within it.
constexpr int64_t kClaimMarginSeconds = 5;

class WebhookComponent final : public Component {
 public:
  WebhookComponent(WiringContext& context, std::vector<webhooks::Cidr> allowed,
                   std::string base_url)
      : poster_(webhooks::AddressPolicy(std::move(allowed))),
        deliverer_(poster_, context.clock, context.random, context.master_key,
                   std::chrono::seconds(context.config.webhook_timeout_seconds)),
        worker_(context.store, deliverer_, context.clock, context.random, Options(context.config)),
        enqueuer_(context.store, context.clock, context.random, std::move(base_url),
                  [this] { worker_.Wake(); }),
        service_(context.store, context.clock, context.random, context.events, context.master_key,
                 deliverer_) {
    context.events.Subscribe(&enqueuer_);
    webhooks::RegisterRoutes(context.router, context.authorizer, service_);
    worker_.Start();
  }
  ~WebhookComponent() override { Stop(); }

  void Stop() override { worker_.Stop(); }

 private:
  static webhooks::WorkerOptions Options(const Config& config) {
    webhooks::WorkerOptions options;
    options.retry.base_ms = config.webhook_retry_base_ms;
    options.retry.max_attempts = config.webhook_max_attempts;
    options.concurrency = config.webhook_workers;
    options.claim_seconds = 2 * int64_t{config.webhook_timeout_seconds} + kClaimMarginSeconds;
    return options;
  }

  webhooks::CurlPoster poster_;
  webhooks::Deliverer deliverer_;
  webhooks::DeliveryWorker worker_;
  webhooks::Enqueuer enqueuer_;
  webhooks::WebhookService service_;
};

}  // namespace

Result<std::unique_ptr<Component>> WireWebhooks(WiringContext& context) {
  const Config& config = context.config;
  std::string cidrs;
  for (const auto& item : config.webhook_allow_cidrs) cidrs += item + ",";
  auto allowed = webhooks::ParseCidrList(cidrs);
  if (!allowed) {
    return Fail(
        Error::InvalidArgument(fmt::format("--webhook-allow-cidr: {}", allowed.error().message)));
  }
  if (config.webhook_timeout_seconds < 1 || config.webhook_timeout_seconds > 300) {
    return Fail(Error::InvalidArgument("--webhook-timeout-seconds must be between 1 and 300"));
  }
  if (config.webhook_max_attempts < 1 || config.webhook_max_attempts > 100) {
    return Fail(Error::InvalidArgument("--webhook-max-attempts must be between 1 and 100"));
  }
  if (config.webhook_workers < 1 || config.webhook_workers > 64) {
    return Fail(Error::InvalidArgument("--webhook-workers must be between 1 and 64"));
  }
  if (config.webhook_retry_base_ms < 0) {
    return Fail(Error::InvalidArgument("--webhook-retry-base-ms must not be negative"));
  }
  std::string base_url = config.public_url.empty() ? "http://" + config.listen : config.public_url;
  while (!base_url.empty() && base_url.back() == '/') base_url.pop_back();
  return std::make_unique<WebhookComponent>(context, std::move(*allowed), std::move(base_url));
}

}  // namespace statehouse::app
