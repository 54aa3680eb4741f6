// PLACEHOLDER: replaced by the webhook store implementation.
#include "storage/sqlite/sqlite_internal.h"

namespace statehouse::storage {
namespace {
Error NotYet() { return Error::Internal("webhook store not implemented"); }
}  // namespace

Result<void> SqliteStore::CreateWebhook(const WebhookRecord&) { return Fail(NotYet()); }
Result<WebhookRecord> SqliteStore::GetWebhook(const std::string&, const std::string&,
                                              const std::string&) {
  return Fail(NotYet());
}
Result<std::vector<WebhookRecord>> SqliteStore::ListWebhooks(const std::string&,
                                                             const std::string&) {
  return Fail(NotYet());
}
Result<std::vector<WebhookRecord>> SqliteStore::ListWebhooksForEvent(const std::string&,
                                                                     const std::string&) {
  return std::vector<WebhookRecord>{};
}
Result<void> SqliteStore::UpdateWebhook(const WebhookRecord&) { return Fail(NotYet()); }
Result<void> SqliteStore::DeleteWebhook(const std::string&) { return Fail(NotYet()); }
Result<WebhookRecord> SqliteStore::GetWebhookById(const std::string&) { return Fail(NotYet()); }
Result<void> SqliteStore::EnqueueWebhookJob(const WebhookJobRecord&) { return Fail(NotYet()); }
Result<std::vector<WebhookJobRecord>> SqliteStore::ClaimWebhookJobs(int64_t, int64_t, int) {
  return Fail(NotYet());
}
Result<void> SqliteStore::FinishWebhookAttempt(const WebhookJobRecord&, WebhookJobOutcome,
                                               const WebhookDeliveryRecord&, int) {
  return Fail(NotYet());
}
Result<void> SqliteStore::AddWebhookDelivery(const WebhookDeliveryRecord&, int) {
  return Fail(NotYet());
}
Result<std::vector<WebhookDeliveryRecord>> SqliteStore::ListWebhookDeliveries(const std::string&,
                                                                              int) {
  return Fail(NotYet());
}
Result<WebhookDeliveryRecord> SqliteStore::GetWebhookDelivery(const std::string&,
                                                              const std::string&) {
  return Fail(NotYet());
}
Result<int64_t> SqliteStore::CountWebhookJobs() { return Fail(NotYet()); }

}  // namespace statehouse::storage
