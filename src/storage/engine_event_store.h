#pragma once

// Engine events of updates (the CLI posts them in batches), stored once per
// (update, sequence) with the event's JSON bytes exactly as the CLI sent them
// (SqlStore: engine_event_store.cc). Same rules as store.h.

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"

namespace statehouse::storage {

// An event to store. The views must stay valid for the duration of the call.
struct NewEngineEvent {
  int64_t sequence = 0;
  int64_t timestamp = 0;
  std::string_view type;  // the payload key, e.g. "resOutputsEvent"
  // For step events whose op counts towards resourceChanges (see
  // engine_events::CountedOp), the op; empty otherwise.
  std::string_view op;
  std::string_view json;  // the whole event object, as sent
};

struct EngineEventRecord {
  int64_t sequence = 0;
  int64_t timestamp = 0;
  std::string type;
  std::string json;
};

// What the events of one update say about its resource changes.
struct ResourceChangesRecord {
  // The JSON text of the latest summaryEvent of the update; nullopt if none.
  std::optional<std::string> summary_json;
  // Stored events per counted op.
  std::map<std::string, int64_t> op_counts;
};

class EngineEventStore {
 public:
  virtual ~EngineEventStore() = default;

  // Stores the events whose (update, sequence) is not stored yet, in one
  // transaction; events already stored (or repeated within `events`) are
  // ignored, never replaced. Returns how many were stored. kNotFound if the
  // update is absent.
  virtual Result<int64_t> AppendEngineEvents(const std::string& update_id,
                                             std::span<const NewEngineEvent> events) = 0;
  // Events of the update with sequence >= `from_sequence`, ascending, at most
  // `limit` of them. Nothing (not an error) for an unknown update.
  virtual Result<std::vector<EngineEventRecord>> ListEngineEvents(const std::string& update_id,
                                                                  int64_t from_sequence,
                                                                  int64_t limit) = 0;
  // ResourceChangesRecord of each of `update_ids` that has any summary or
  // counted event; updates without are absent from the map.
  virtual Result<std::map<std::string, ResourceChangesRecord>> GetResourceChanges(
      const std::vector<std::string>& update_ids) = 0;
};

}  // namespace statehouse::storage
