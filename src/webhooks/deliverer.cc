#include "webhooks/deliverer.h"

#include <fmt/format.h>

#include "webhooks/signature.h"

namespace statehouse::webhooks {

Attempt Deliverer::Deliver(const storage::WebhookRecord& hook, std::string_view kind,
                           const std::string& payload, const std::string& job_id,
                           const std::atomic<bool>* cancel) {
  Attempt attempt;
  storage::WebhookDeliveryRecord& record = attempt.record;
  record.id = random_.Uuid();
  record.webhook_id = hook.id;
  record.job_id = job_id;
  record.kind = std::string(kind);
  record.payload = payload;
  record.timestamp = clock_.NowSeconds();
  record.request_url = hook.payload_url;

  PostRequest request;
  request.url = hook.payload_url;
  request.body = payload;
  request.timeout = timeout_;
  request.cancel = cancel;
  request.headers = {{"Content-Type", "application/json"},
                     {"User-Agent", kUserAgent},
                     {"Pulumi-Webhook-Id", record.id},
                     {"Pulumi-Webhook-Kind", record.kind}};
  if (!hook.secret_ciphertext.empty()) {
    auto secret = OpenSecret(master_key_, hook.id, hook.secret_ciphertext);
    if (!secret) {
      record.response_body =
          "not sent: the webhook secret cannot be unsealed with this server's master key; set "
          "the secret again";
      return attempt;
    }
    request.headers.emplace_back("Pulumi-Webhook-Signature", HmacSha256Hex(*secret, payload));
  }
  for (const auto& [name, value] : request.headers) {
    record.request_headers += fmt::format("{}: {}\r\n", name, value);
  }

  PostResult result = poster_.Post(request);
  record.duration_ms = result.duration_ms;
  record.response_code = result.status;
  record.response_headers = std::move(result.headers);
  record.response_body = result.status == 0 ? std::move(result.error) : std::move(result.body);
  attempt.cancelled = result.cancelled;
  attempt.delivered = result.status >= 200 && result.status < 300;
  return attempt;
}

}  // namespace statehouse::webhooks
