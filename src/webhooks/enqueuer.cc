#include "webhooks/enqueuer.h"

#include <map>

#include "webhooks/payload.h"

namespace statehouse::webhooks {

Result<void> Enqueuer::Publish(const events::DomainEvent& event) {
  std::optional<HookEvent> hook_event = Classify(event);
  if (!hook_event || event.org_id.empty()) return {};
  SH_ASSIGN_OR_RETURN(
      auto hooks,
      store_.ListWebhooksForEvent(event.org_id, OrgHooksOnly(*hook_event) ? "" : event.stack_id));
  std::map<std::string, std::string> bodies;  // by format
  int enqueued = 0;
  const int64_t now = clock_.NowSeconds();
  for (const storage::WebhookRecord& hook : hooks) {
    if (!Selects(hook, *hook_event)) continue;
    auto body = bodies.find(hook.format);
    if (body == bodies.end()) {
      body = bodies.emplace(hook.format, RenderEvent(hook.format, event, *hook_event, base_url_))
                 .first;
    }
    storage::WebhookJobRecord job;
    job.id = random_.Uuid();
    job.webhook_id = hook.id;
    job.kind = hook_event->kind;
    job.payload = body->second;
    job.next_attempt_at = now;
    job.created = now;
    SH_TRY(store_.EnqueueWebhookJob(job));
    ++enqueued;
  }
  if (enqueued > 0 && wake_) store_.AfterCommit(wake_);
  return {};
}

}  // namespace statehouse::webhooks
