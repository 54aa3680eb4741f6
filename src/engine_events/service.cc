#include "engine_events/service.h"

#include <boost/json.hpp>
#include <fmt/format.h>

#include "engine_events/model.h"

namespace statehouse::engine_events {

namespace {

namespace bj = boost::json;
using storage::UpdateStatus;

// The `message` of a stdoutEvent or diagnosticEvent and whether it belongs
// on stderr; nullopt for other events.
std::optional<StatusEvent> ToStatusEvent(const storage::EngineEventRecord& record) {
  if (record.type != "stdoutEvent" && record.type != "diagnosticEvent") return std::nullopt;
  boost::system::error_code ec;
  bj::value value = bj::parse(record.json, ec);
  if (ec || !value.is_object()) return std::nullopt;
  const bj::value* payload = value.as_object().if_contains(record.type);
  if (payload == nullptr || !payload->is_object()) return std::nullopt;
  const bj::value* message = payload->as_object().if_contains("message");
  if (message == nullptr || !message->is_string()) return std::nullopt;
  StatusEvent event;
  event.sequence = record.sequence;
  event.text = std::string(message->as_string());
  if (record.type == "diagnosticEvent") {
    const bj::value* severity = payload->as_object().if_contains("severity");
    const std::string_view level =
        severity != nullptr && severity->is_string() ? std::string_view(severity->as_string())
                                                     : std::string_view();
    event.stderr_stream = level == "error" || level == "warning" || level == "info#err";
  }
  return event;
}

}  // namespace

bool EngineEventService::Ended(const storage::UpdateRecord& update) const {
  switch (update.status) {
    case UpdateStatus::kNotStarted:
      return false;
    case UpdateStatus::kRunning:
      return update.lease_expires <= clock_.NowSeconds();
    default:
      return true;
  }
}

Result<int64_t> EngineEventService::RecordBatch(const auth::Access& access,
                                                std::string_view body) {
  SH_ASSIGN_OR_RETURN(auto batch, ParseBatch(body));
  if (batch.events().empty()) return int64_t{0};
  return store_.AppendEngineEvents(access.update_id, batch.events());
}

Result<EventPage> EngineEventService::List(const auth::Access& access,
                                           const std::string& update_id,
                                           std::optional<std::string_view> continuation_token) {
  int64_t from = 0;
  if (continuation_token && !continuation_token->empty()) {
    SH_ASSIGN_OR_RETURN(from, ParseContinuationToken(*continuation_token));
  }
  auto update = store_.GetUpdate(update_id);
  if (!update && update.error().code != ErrorCode::kNotFound) return Fail(update.error());
  if (!update || update->stack_id != access.stack->id) {
    return Fail(Error::NotFound(fmt::format("Update '{}' not found", update_id)));
  }
  // Read the status first: events stored before the update ended are then
  // all visible to the read below.
  const bool ended = Ended(*update);
  EventPage page;
  SH_ASSIGN_OR_RETURN(page.events, store_.ListEngineEvents(update_id, from, kPageSize));
  const bool full = static_cast<int64_t>(page.events.size()) == kPageSize;
  if (!page.events.empty()) from = page.events.back().sequence + 1;
  if (full || !ended) page.continuation_token = MakeContinuationToken(from);
  return page;
}

Result<StatusEventPage> EngineEventService::StatusEvents(
    const storage::UpdateRecord& update, std::optional<std::string_view> continuation_token) {
  int64_t from = 0;
  if (continuation_token && !continuation_token->empty()) {
    SH_ASSIGN_OR_RETURN(from, ParseContinuationToken(*continuation_token));
  }
  const bool ended = Ended(update);
  SH_ASSIGN_OR_RETURN(auto records, store_.ListEngineEvents(update.id, from, kPageSize));
  StatusEventPage page;
  for (const auto& record : records) {
    if (auto event = ToStatusEvent(record)) page.events.push_back(std::move(*event));
  }
  const bool full = static_cast<int64_t>(records.size()) == kPageSize;
  if (!records.empty()) from = records.back().sequence + 1;
  if (full || !ended) page.continuation_token = MakeContinuationToken(from);
  return page;
}

Result<std::map<std::string, std::map<std::string, int64_t>>> EngineEventService::ResourceChanges(
    const std::vector<std::string>& update_ids) {
  SH_ASSIGN_OR_RETURN(auto records, store_.GetResourceChanges(update_ids));
  std::map<std::string, std::map<std::string, int64_t>> out;
  for (const auto& [id, record] : records) out.emplace(id, engine_events::ResourceChanges(record));
  return out;
}

}  // namespace statehouse::engine_events
