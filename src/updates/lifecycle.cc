#include "updates/lifecycle.h"

namespace statehouse::updates {

using storage::UpdateStatus;

bool MayStart(UpdateStatus status) { return status == UpdateStatus::kNotStarted; }

Ending EndingOf(UpdateStatus from, UpdateStatus to) {
  if (to == UpdateStatus::kNotStarted || to == UpdateStatus::kRunning) return Ending::kForbidden;
  if (from == to) return Ending::kAlready;
  if (from == UpdateStatus::kRunning) return Ending::kAllowed;
  if (from == UpdateStatus::kNotStarted && to == UpdateStatus::kCancelled) return Ending::kAllowed;
  return Ending::kForbidden;
}

bool ShouldCompact(const CompactionPolicy& policy, const storage::UpdateRecord& update,
                   size_t delta_bytes, int factor) {
  const int64_t log_bytes = update.delta_bytes + static_cast<int64_t>(delta_bytes);
  return update.delta_count + 1 > int64_t{policy.max_deltas} * factor ||
         static_cast<double>(log_bytes) >
             policy.max_log_fraction * factor * static_cast<double>(update.base_size);
}

}  // namespace statehouse::updates
