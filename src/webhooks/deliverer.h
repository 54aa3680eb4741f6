#pragma once

// One delivery attempt: builds the request Pulumi Cloud sends (Content-Type,
// Pulumi-Webhook-Id = a fresh UUID that becomes the record's id,
// Pulumi-Webhook-Kind, and Pulumi-Webhook-Signature when the webhook has a
// secret), posts it, and describes the attempt as a delivery record. Shared
// by the queue worker, ping and redeliver. Thread-safe.

#include <atomic>
#include <chrono>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/random.h"
#include "storage/webhook_store.h"
#include "webhooks/poster.h"

namespace statehouse::webhooks {

inline constexpr char kUserAgent[] = "Statehouse-Webhooks/1";

struct Attempt {
  storage::WebhookDeliveryRecord record;
  bool delivered = false;  // a 2xx response arrived
  bool cancelled = false;  // abandoned for shutdown; record nothing
};

class Deliverer {
 public:
  // `master_key` (32 bytes) unseals webhook secrets.
  Deliverer(HttpPoster& poster, const Clock& clock, Random& random, std::string master_key,
            std::chrono::milliseconds timeout)
      : poster_(poster),
        clock_(clock),
        random_(random),
        master_key_(std::move(master_key)),
        timeout_(timeout) {}

  // Posts `payload` of `kind` to `hook`. Never fails: a secret that cannot
  // be unsealed, a refused address, a transport error or a non-2xx answer
  // all yield a failed record (response_code 0 unless a response arrived;
  // response_body then says what went wrong). `job_id` is copied into the
  // record.
  Attempt Deliver(const storage::WebhookRecord& hook, std::string_view kind,
                  const std::string& payload, const std::string& job_id,
                  const std::atomic<bool>* cancel = nullptr);

  std::chrono::milliseconds timeout() const { return timeout_; }

 private:
  HttpPoster& poster_;
  const Clock& clock_;
  Random& random_;
  const std::string master_key_;
  const std::chrono::milliseconds timeout_;
};

}  // namespace statehouse::webhooks
