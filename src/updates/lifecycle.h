#pragma once

// The rules of an update's lifecycle and of its checkpoint log, as pure
// functions: the updates service decides with them, and the store applies
// the decision with a compare-and-set on the state the service read
// (storage/update_store.h).

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

// When a delta checkpoint is folded into a new base instead of appended to
// the log: once the log would hold more than `max_deltas` entries or more
// than `max_log_fraction` of the base's size in bytes.
struct CompactionPolicy {
  int max_deltas = 8;
  double max_log_fraction = 0.25;
};
// Whether a delta of `delta_bytes` on top of `update`'s checkpoint (its
// base_size, delta_count and delta_bytes) should be stored as the full text.
bool ShouldCompact(const CompactionPolicy& policy, const storage::UpdateRecord& update,
                   size_t delta_bytes);

}  // namespace statehouse::updates
