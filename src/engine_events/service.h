#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/authorizer.h"
#include "common/clock.h"
#include "common/error.h"
#include "storage/store.h"

namespace statehouse::engine_events {

// A page of stored events of an update, ascending by sequence.
struct EventPage {
  std::vector<storage::EngineEventRecord> events;
  // The token for the next page; nullopt once every event was returned and the
  // update has ended.
  std::optional<std::string> continuation_token;
};

// One UpdateEvent of the status poll (GET …/update/{updateID}).
struct StatusEvent {
  int64_t sequence = 0;
  bool stderr_stream = false;
  std::string text;
};

struct StatusEventPage {
  std::vector<StatusEvent> events;
  std::optional<std::string> continuation_token;  // absent ⇒ finished
};

// Engine events: ingest of event batches, their read side, and what history
// derives from them. Access has already been granted by the Authorizer (the
// update's lease for ingest, stack read for reads). Thread-safe.
class EngineEventService {
 public:
  // Events per page of reads.
  static constexpr int64_t kPageSize = 500;

  EngineEventService(storage::Store& store, const Clock& clock) : store_(store), clock_(clock) {}

  // Stores the events of `body` (an EngineEventBatch, decompressed) for
  // access.update_id; events already stored are ignored. Returns how many
  // were new. kInvalidArgument for a malformed batch.
  Result<int64_t> RecordBatch(const auth::Access& access, std::string_view body);

  // A page of the events of update `update_id` of access.stack, from the
  // position `continuation_token` names (the start when absent). kNotFound if
  // it is not an update of the stack; kInvalidArgument for a bad token.
  Result<EventPage> List(const auth::Access& access, const std::string& update_id,
                         std::optional<std::string_view> continuation_token);

  // The status poll's view of `update` (already checked to be of the stack):
  // its stdout events and diagnostics as UpdateEvents. The token is absent
  // once the update has ended and every event was returned.
  Result<StatusEventPage> StatusEvents(const storage::UpdateRecord& update,
                                       std::optional<std::string_view> continuation_token);

  // resourceChanges (op → count) of each of `update_ids` whose events say
  // anything about them.
  Result<std::map<std::string, std::map<std::string, int64_t>>> ResourceChanges(
      const std::vector<std::string>& update_ids);

 private:
  bool Ended(const storage::UpdateRecord& update) const;

  storage::Store& store_;
  const Clock& clock_;
};

}  // namespace statehouse::engine_events
