#pragma once

// Updates (up/preview/refresh/destroy/import), their leases, checkpoints and
// the stack's deployment history (SqlStore: update_store.cc). Same rules as
// store.h.
//
// Lifecycle: an update is created "not started", becomes "running" when
// started (at most one running update per stack, previews included), and ends
// "succeeded", "failed" or "cancelled". A running update whose lease expired
// (lease_expires <= now) no longer holds the stack: the next StartUpdate on
// that stack ends it as "failed" first. Which transitions are allowed is the
// updates service's rule (updates/lifecycle.h): the store applies them as
// compare-and-set on the status the service read, and keeps only the data
// invariants (one running update per stack, lapsed-lease expiry) atomic.
//
// Checkpoints: each non-dry-run update keeps its latest acknowledged
// deployment text as a base text plus an ordered log of deploymentDelta
// arrays applied on top of it. Every accepted checkpoint becomes the stack's
// current deployment at once (StackStore::GetCurrentState reconstructs it);
// writing the stack's state through StackStore (create with state, rename)
// makes that text current again. The final checkpoint of a finished update is
// the deployment of its version in history. When a delta is folded into a
// new base (compaction) is the service's rule too: it reads the log figures
// on the UpdateRecord and, after AppendCheckpointDelta has made a delta
// durable, calls CompactCheckpoint off the acknowledging path.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/error.h"

namespace statehouse::storage {

// Stored as its value, 0 to 4 (updates.status).
enum class UpdateStatus { kNotStarted, kRunning, kSucceeded, kFailed, kCancelled };

struct UpdateRecord {
  std::string id;
  std::string stack_id;
  std::string kind;  // "update", "preview", "refresh", "destroy"
  bool dry_run = false;
  std::string message;
  std::string environment_json = "{}";  // metadata.environment, a JSON object text
  std::string config_json = "{}";       // config, a JSON object text
  std::string requested_by;             // user id
  std::string requested_by_login;
  std::string requested_by_name;
  UpdateStatus status = UpdateStatus::kNotStarted;
  // Non-dry-run: the version this update produces, reserved at start.
  // Dry run: the stack's version when it started. 0 before start.
  int64_t version = 0;
  int64_t created = 0;
  int64_t started = 0;  // 0 = not started
  int64_t ended = 0;    // 0 = not ended
  // Lease: SHA-256 hex of the current and the previous lease token ("" when
  // none), valid while lease_expires > now.
  std::string lease_hash;
  std::string previous_lease_hash;
  int64_t lease_expires = 0;
  // Checkpoints: sequence number and hash of the last verbatim/delta save
  // (0 / "" when none), whether any checkpoint exists, and the resource count
  // of the latest one.
  int64_t last_sequence = 0;
  std::string last_hash;
  bool has_checkpoint = false;
  int64_t resource_count = 0;
  // The checkpoint's log: size in bytes of its base text, and the number and
  // total size in bytes of the deltas applied on top of it (0 when none).
  int64_t base_size = 0;
  int64_t delta_count = 0;
  int64_t delta_bytes = 0;
};

// A page of history: finished or running non-dry-run updates, newest first.
struct UpdateHistoryPage {
  std::vector<UpdateRecord> updates;
  int64_t total = 0;
};

class UpdateStore {
 public:
  virtual ~UpdateStore() = default;

  // Stores a new update (status must be kNotStarted). kNotFound if the stack
  // is absent; kAlreadyExists if the id is taken.
  virtual Result<void> CreateUpdate(const UpdateRecord& update) = 0;
  // kNotFound if absent.
  virtual Result<UpdateRecord> GetUpdate(const std::string& update_id) = 0;

  // Starts a kNotStarted update at `now` with the given lease: ends an
  // expired running update of the same stack as failed, reserves the version
  // (stack version + 1, or the stack version for dry runs), and records the
  // update as the stack's active update and last update time. A
  // compare-and-set from kNotStarted: kConflict when the update is not (or no
  // longer) kNotStarted, or when another update of the stack is running with
  // a live lease; kNotFound if absent. Returns the started record.
  virtual Result<UpdateRecord> StartUpdate(const std::string& update_id,
                                           const std::string& lease_hash, int64_t lease_expires,
                                           int64_t now) = 0;
  // Replaces the lease of a running update (the current hash becomes the
  // previous one). kConflict when not running; kNotFound if absent.
  virtual Result<void> RenewLease(const std::string& update_id, const std::string& lease_hash,
                                  int64_t lease_expires) = 0;
  // Ends the update with `status` (kSucceeded, kFailed or kCancelled) at
  // `now`, if its status is still `expected` (compare-and-set; the caller
  // decides which transitions are allowed, see updates/lifecycle.h). Ending a
  // kRunning non-dry-run update makes its version the stack's version;
  // kCancelled also drops the lease. kConflict when the status is no longer
  // `expected`; kNotFound if absent. Returns the resulting record.
  virtual Result<UpdateRecord> FinishUpdate(const std::string& update_id, UpdateStatus expected,
                                            UpdateStatus status, int64_t now) = 0;

  // The latest checkpoint text of the update (base with its delta log
  // applied); nullopt if it has none. kNotFound if the update is absent.
  virtual Result<std::optional<std::string>> GetCheckpoint(const std::string& update_id) = 0;
  // Replaces the update's checkpoint with `text` (empty log) and makes it the
  // stack's current state, recording `sequence`, `hash` and
  // `resource_count`. Compare-and-set: kConflict unless the update is running
  // and its last_sequence still equals `expected_sequence`.
  virtual Result<void> PutCheckpoint(const std::string& update_id, int64_t expected_sequence,
                                     int64_t sequence, const std::string& hash,
                                     const std::string& text, int64_t resource_count) = 0;
  // Records a delta checkpoint: appends `delta_json` (a deploymentDelta
  // array, applied on top of the current checkpoint text) to the log as the
  // entry of `sequence`, never rewriting the base. Otherwise as
  // PutCheckpoint; kConflict also when the update has no checkpoint yet.
  virtual Result<void> AppendCheckpointDelta(const std::string& update_id,
                                             int64_t expected_sequence, int64_t sequence,
                                             const std::string& hash,
                                             const std::string& delta_json,
                                             int64_t resource_count) = 0;

  // Folds the log up to the delta of `through_sequence` into the base:
  // `text` (the checkpoint text as of that delta) becomes the base, those
  // deltas leave the log, later ones stay. The checkpoint's text, sequence
  // and hash do not change, so it needs no lease, may run after the update
  // ended, and locks neither stack nor update (appends go on, on PostgreSQL).
  // false, changing nothing, when that delta is no longer logged (a full save
  // or another compaction came first). Log figures are recomputed after.
  virtual Result<bool> CompactCheckpoint(const std::string& update_id, int64_t through_sequence,
                                         const std::string& text) = 0;

  // History of the stack: non-dry-run updates that were started, ordered by
  // version descending; `limit` < 0 means all.
  virtual Result<UpdateHistoryPage> ListHistory(const std::string& stack_id, int64_t offset,
                                                int64_t limit) = 0;
  // Previews recorded against `version`: dry-run updates that were started
  // while the stack was at that version (UpdateRecord::version == version),
  // in start order, oldest first when `ascending`, else newest first;
  // `limit` < 0 means all. `total` counts all of them.
  virtual Result<UpdateHistoryPage> ListPreviews(const std::string& stack_id, int64_t version,
                                                 bool ascending, int64_t offset, int64_t limit) = 0;
  // The history entry with this version; kNotFound if none.
  virtual Result<UpdateRecord> GetHistoryEntry(const std::string& stack_id, int64_t version) = 0;
  // The deployment text as of the end of `version`: the last checkpoint of
  // the newest non-dry-run update with a checkpoint and a version at most
  // `version`; nullopt when there is none.
  virtual Result<std::optional<std::string>> GetStateAtVersion(const std::string& stack_id,
                                                               int64_t version) = 0;
};

}  // namespace statehouse::storage
