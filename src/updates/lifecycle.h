#pragma once

// The rules of an update's lifecycle and of its checkpoint log, as pure
// functions: the updates service decides with them, and the store applies
// the decision with a compare-and-set on the state the service read
// (storage/update_store.h).

#include <chrono>
#include <cstddef>
#include <cstdint>

#include "storage/update_store.h"

namespace statehouse::updates {

// Whether an update in `status` may be started: only a not-started one.
bool MayStart(storage::UpdateStatus status);

// What ending an update that is in `from` with `to` means.
enum class Ending {
  kAlready,    // it already has `to`: an idempotent repeat, nothing to do
  kAllowed,    // a running update ends succeeded, failed or cancelled, or a
               // not-started one is cancelled
  kForbidden,  // anything else ("The update is not in progress")
};
Ending EndingOf(storage::UpdateStatus from, storage::UpdateStatus to);

// When a checkpoint's delta log is folded into a new base (after the delta
// is appended and acknowledged, in the background): once the log holds more
// than `max_deltas` entries or more than `max_log_fraction` of the base's
// size in bytes. With a `quiet` period the fold waits until the update sent
// no checkpoint for that long (on a single-writer engine the rewrite of the
// whole text would hold up the next checkpoint), unless the log is
// `urgent_factor` times over those bounds.
struct CompactionPolicy {
  int max_deltas = 8;
  double max_log_fraction = 0.25;
  std::chrono::milliseconds quiet{0};
  int urgent_factor = 4;
};
// Whether the log of `update`'s checkpoint (its base_size, delta_count and
// delta_bytes) with one more delta of `delta_bytes` calls for compaction;
// with `factor`, whether it is that many times over the bounds.
bool ShouldCompact(const CompactionPolicy& policy, const storage::UpdateRecord& update,
                   size_t delta_bytes, int factor = 1);

}  // namespace statehouse::updates
