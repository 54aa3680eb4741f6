#pragma once

// Engine events as the server sees them: a parsed batch keeps each event's
// bytes as sent, plus the few keys the server reads.

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json.hpp>

#include "common/error.h"
#include "storage/engine_event_store.h"
#include "storage/update_store.h"

namespace statehouse::engine_events {

// A parsed `{"events":[…]}` batch. The events' views point into the padded
// copy owned by the batch, so a ParsedBatch must outlive their use. Not
// copyable (the views would dangle); movable.
class ParsedBatch {
 public:
  ParsedBatch() = default;
  ParsedBatch(ParsedBatch&&) noexcept = default;
  ParsedBatch& operator=(ParsedBatch&&) noexcept = default;
  ParsedBatch(const ParsedBatch&) = delete;
  ParsedBatch& operator=(const ParsedBatch&) = delete;

  const std::vector<storage::NewEngineEvent>& events() const { return events_; }

 private:
  friend Result<ParsedBatch> ParseBatch(std::string_view body);
  std::string buffer_;  // the body plus simdjson padding
  std::deque<std::string> unknown_types_;  // payload keys outside kPayloadKeys
  std::vector<storage::NewEngineEvent> events_;
};

// Parses an EngineEventBatch. Each event must be an object with an integer
// `sequence` >= 0, an optional integer `timestamp` and a payload key (the
// first key other than sequence/timestamp/type whose value is an object).
// kInvalidArgument otherwise, or when `events` is missing or not an array.
Result<ParsedBatch> ParseBatch(std::string_view body);

// The op a resOutputsEvent (or legacy resourceOutputsEvent) with step op
// `op` counts as in resourceChanges: the op itself, except the sub-steps of a
// replacement (create-replacement, delete-replaced, …), which count nothing
// since the "replace" step counts the replacement once. Empty = not counted.
std::string_view CountedOp(std::string_view op);

// resourceChanges (op → count) from what the store knows of an update: the
// summaryEvent's `resourceChanges` when there is one, else the counted ops.
std::map<std::string, int64_t> ResourceChanges(const storage::ResourceChangesRecord& record);

// A continuation token: the next sequence to read, as decimal digits (URL
// safe). ParseContinuationToken: kInvalidArgument unless digits only.
std::string MakeContinuationToken(int64_t next_sequence);
Result<int64_t> ParseContinuationToken(std::string_view token);

// What the update routes (src/updates) show from engine events. Unset members
// show nothing.
struct EventViews {
  // resourceChanges (op → count) of those of the updates that have any.
  std::function<Result<std::map<std::string, std::map<std::string, int64_t>>>(
      const std::vector<std::string>& update_ids)>
      resource_changes;
  // Sets "events" (and "continuationToken" while more may come) of the
  // status poll of `update` from the given continuation token.
  std::function<Result<void>(const storage::UpdateRecord& update,
                             std::optional<std::string_view> continuation_token,
                             boost::json::object& body)>
      status_events;
};

}  // namespace statehouse::engine_events
