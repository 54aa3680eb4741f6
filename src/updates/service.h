#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "auth/authorizer.h"
#include "common/clock.h"
#include "common/error.h"
#include "common/random.h"
#include "events/domain_event.h"
#include "storage/store.h"
#include "updates/compactor.h"
#include "updates/journal_folds.h"
#include "updates/lifecycle.h"

namespace statehouse::updates {

// The request of "create update", as far as it is kept.
struct CreateUpdateInput {
  std::string kind;  // "update", "preview", "refresh" or "destroy" (from the path)
  bool dry_run = false;
  std::string message;
  std::string environment_json = "{}";  // a JSON object text
  std::string config_json = "{}";       // a JSON object text
};

struct LeaseGrant {
  int64_t version = 0;  // StartUpdate only
  std::string token;
  int64_t expires = 0;
  // StartUpdate only: 1 when the update is journaled, else 0 (journaling.md §2).
  int64_t journal_version = 0;
};

// A page of history plus the paging figures of the "service" output.
struct HistoryPage {
  std::vector<storage::UpdateRecord> updates;
  int64_t total = 0;
  int64_t items_per_page = 0;
};

// Terminal-status wording of GET …/update/{id}: "not started", "running",
// "succeeded", "failed", "cancelled". A running update whose lease expired is
// "failed".
std::string StatusText(const storage::UpdateRecord& update, int64_t now);
// History wording (UpdateInfo.result): "not-started", "in-progress",
// "succeeded", "failed" (cancelled and expired updates are "failed").
std::string ResultText(const storage::UpdateRecord& update, int64_t now);

// The deployment exported for a stack that has never been updated and had
// no initial state (an empty version-3 deployment, which the CLI accepts).
inline constexpr std::string_view kEmptyDeployment =
    R"({"version":3,"deployment":{"manifest":{"time":"0001-01-01T00:00:00Z","magic":"","version":""},"metadata":{}}})";

// Update lifecycle, checkpoints, import, export and history. Access has already
// been granted by the Authorizer for the route's Need (stack write for
// create/start/cancel, stack read for reads, the update's lease for
// update-token routes). Thread-safe.
//
// Domain events, each published in the store transaction of its change (a
// publish error fails the call and rolls the change back):
// stack-update-started (Start, Import), stack-update-completed (Complete with
// succeeded/failed, Import), stack-update-canceled (Cancel, or Complete with
// cancelled), stack-imported (Import) and stack-exported (Export, in a
// transaction of its own). Fields as in UpdateEvent/PublishEnd.
//
// The lifecycle and checkpoint-log rules are decided here (lifecycle.h):
// which status transitions are allowed and when a delta log is compacted;
// the store applies each decision as a compare-and-set on what was read.
// A delta checkpoint is always appended to the log (and acknowledged once
// that row is durable); when the policy calls for compaction, the new text
// is folded into the base afterwards by a background CheckpointCompactor.
class UpdateService {
 public:
  // Lease lifetime granted at start and the longest renewal.
  static constexpr int64_t kLeaseSeconds = 300;

  UpdateService(storage::Store& store, const Clock& clock, Random& random,
                events::EventSink& events, CompactionPolicy policy = {})
      : store_(store),
        clock_(clock),
        random_(random),
        events_(events),
        policy_(policy),
        folds_(store, clock),
        compactor_(store, policy.quiet, policy.max_deltas) {}

  // Creates a not-started update on access.stack; returns its id.
  Result<std::string> Create(const auth::Access& access, const CreateUpdateInput& input);

  // Starts the update with a fresh lease. kNotFound if it is not an update
  // of access.stack; kConflict (409) when it was already started or another
  // update of the stack is running. `tags`, when given, replace the stack's
  // tags once started. The grant's journal_version is 1 when journaling is
  // on, the client asked for `journal_version` >= 1 and the update is not a
  // dry run (journaling.md §2.5); 0 otherwise.
  Result<LeaseGrant> Start(const auth::Access& access, const std::string& update_id,
                           const std::optional<std::map<std::string, std::string>>& tags,
                           int64_t journal_version = 0);

  // Update-token routes (access.update_id is the update). `duration` must be
  // within [0, 300] seconds (0 = 300). Returns a new token; the one used for
  // this call stays valid until the next renewal. kConflict when the update
  // is no longer running.
  Result<LeaseGrant> RenewLease(const auth::Access& access, int64_t duration);
  // `status` is "succeeded", "failed" or "cancelled". Idempotent for the same
  // status; kConflict when the update already ended otherwise.
  Result<void> Complete(const auth::Access& access, std::string_view status);

  // Cancels a running or not-started update (idempotent once cancelled).
  // kNotFound if not an update of access.stack; kConflict if it already
  // succeeded or failed.
  Result<void> Cancel(const auth::Access& access, const std::string& update_id);

  // The update of access.stack; kNotFound otherwise.
  Result<storage::UpdateRecord> Get(const auth::Access& access, const std::string& update_id);

  // Checkpoints (full, verbatim, delta). `body` is the decompressed request
  // body. Dry runs take no checkpoints (kInvalidArgument). Rejections are 4xx,
  // never 5xx.
  Result<void> PatchCheckpoint(const auth::Access& access, std::string_view body);
  Result<void> PatchVerbatim(const auth::Access& access, std::string_view body);
  Result<void> PatchDelta(const auth::Access& access, std::string_view body);

  // Journaling (shared/spec/journaling.md). An update is journaled once it
  // has stored journal entries: its deployment is then the replay of its
  // entries on top of the stack's deployment as it was when the update
  // started (which stays the stack's stored current deployment while the
  // update runs, since a journaled update takes no checkpoints).
  //
  // Most entries accepted in one journalentries request (413 above, so that
  // the CLI halves the batch, §3.5).
  static constexpr size_t kMaxJournalBatchEntries = 10'000;
  // PATCH …/journalentries: `body` is the decompressed {"entries":[…]}.
  // Validates every entry (kInvalidArgument, 400), then stores the batch
  // atomically, first write per sequenceID winning (a re-sent batch
  // succeeds). kConflict (409) unless the update is a running non-dry-run
  // update without checkpoints; kPayloadTooLarge (413) for more than
  // kMaxJournalBatchEntries entries.
  Result<void> PatchJournalEntries(const auth::Access& access, std::string_view body);
  // Whether Start answers journalVersion 1 to a client asking for it
  // (§2.5); off by default.
  void SetJournaling(bool enabled) { journaling_ = enabled; }
  bool journaling() const { return journaling_; }
  // The in-process folds of running journaled updates (journal_folds.h):
  // export mid-update and finalisation materialise from them; each
  // acknowledged batch is folded into its update's fold when one is held.
  // Once an update's replay is stored as its final version, its journal
  // entries are deleted (after the commit; a failed deletion is not an
  // error of the request and leaves them for diagnosis).
  JournalFolds& journal_folds() { return folds_; }

  // `pulumi stack import`: stores `body` (the decompressed UntypedDeployment)
  // byte for byte as the stack's new current deployment and next version,
  // through an update of kind "import" that is started, checkpointed and
  // succeeded within this call. Returns the update's id. kInvalidArgument for
  // an invalid deployment (or a schema version outside 1..4); kConflict (409)
  // while another update of the stack is running.
  Result<std::string> Import(const auth::Access& access, std::string_view body);

  // POST …/rollback: the stack's state as of the end of `version` becomes its
  // current deployment and next version, byte for byte, through an update of
  // kind "import" (the API's update kinds have no rollback) whose message is
  // "Rollback to version N" and whose environment names N under
  // "statehouse.rollbackToVersion". Returns that update. kNotFound unless
  // 1 <= version <= the stack's version; kConflict (409) while another
  // update of the stack is running. Publishes stack-update-started,
  // stack-update-completed and stack-rolled-back (fields version, fromVersion).
  Result<storage::UpdateRecord> Rollback(const auth::Access& access, int64_t version);

  // The stack's current deployment text (kEmptyDeployment when it has none),
  // or the one as of the end of `version` (kNotFound unless 1 <= version <=
  // the stack's version).
  Result<std::string> Export(const auth::Access& access, std::optional<int64_t> version);

  // History, newest first. `page` 0 = everything; pages are 1-based with
  // `page_size` entries. kInvalidArgument for negative values.
  Result<HistoryPage> History(const auth::Access& access, int64_t page, int64_t page_size);
  // Previews (List Previews): the dry-run updates recorded against the stack's
  // current version, or against `version`, i.e. those started while the stack
  // was at that version (so since the last non-dry-run update started).
  // Chronological (start order), oldest first when `ascending`. `page` 0 =
  // everything, and then `page_size` must be 0; pages are 1-based with
  // `page_size` >= 1 entries. kInvalidArgument otherwise; kNotFound unless
  // 0 <= version <= the stack's version.
  Result<HistoryPage> Previews(const auth::Access& access, std::optional<int64_t> version,
                               bool ascending, int64_t page, int64_t page_size);
  // The latest history entry, or the one with `version`; kNotFound if none.
  Result<storage::UpdateRecord> HistoryEntry(const auth::Access& access,
                                             std::optional<int64_t> version);

  // The stack's running update with a live lease, if any: from what the
  // stack read carried (StackRecord::active), else read from the store.
  Result<std::optional<storage::ActiveUpdateRecord>> RunningOperation(
      const storage::StackRecord& stack);

  int64_t Now() const { return clock_.NowSeconds(); }

  // Waits until the background compactions scheduled so far are done.
  void FlushCompactions() { compactor_.Flush(); }

 private:
  // The latest acknowledged text of a running update, identified by the
  // update's (last sequence, last hash). Because the hash is the SHA-256 of
  // the text, a cached entry is used only when it matches the stored row, so
  // the cache is safe with several replicas writing the same update.
  struct CachedText {
    int64_t sequence = 0;
    std::string hash;
    std::shared_ptr<const std::string> text;
    uint64_t stamp = 0;  // insertion order, for eviction
  };
  std::shared_ptr<const std::string> CachedBaseline(const storage::UpdateRecord& update);
  void RememberText(const std::string& update_id, int64_t sequence, const std::string& hash,
                    std::shared_ptr<const std::string> text);
  void ForgetText(const std::string& update_id);

  Result<storage::UpdateRecord> LoadForCheckpoint(const auth::Access& access);
  // The deployment replayed from the stored journal entries of `update` (a
  // running non-dry-run update) on top of the stack's current deployment,
  // with its resource count; nullopt when the update has no entries.
  struct Replayed {
    std::string text;
    int64_t resource_count = 0;
  };
  Result<std::optional<Replayed>> ReplayJournal(const storage::UpdateRecord& update);
  // Before `starting` starts on `stack`: when the stack's active update is a
  // journaled one whose lease lapsed (the store is about to end it as
  // failed), stores its replay as its final checkpoint (§6.3, lease expiry).
  // Sets `*finalised` to the lapsed update's id when it did so.
  Result<void> FinalizeLapsedJournal(const storage::StackRecord& stack,
                                     const std::string& starting, int64_t now,
                                     std::string* finalised);
  // After the commit that stored a journaled update's final version: drops
  // its fold and deletes its journal entries (errors ignored).
  void CompactJournal(const std::string& update_id);
  // Ends update `update_id` with `target` if the lifecycle allows it from
  // its current status (re-read when it changes meanwhile): the ended
  // record, or nullopt when it already had `target`. kConflict "The update
  // is not in progress" when the transition is forbidden.
  // `*journaled` is set when the journal replay was stored as its final version.
  Result<std::optional<storage::UpdateRecord>> End(const std::string& update_id,
                                                   storage::UpdateStatus target,
                                                   bool* journaled = nullptr);
  // An event of `kind` about `update` with its updateID, kind, dryRun and
  // version fields.
  events::DomainEvent UpdateEvent(const auth::Access& access, std::string kind,
                                  const storage::UpdateRecord& update) const;
  // Publishes the end of `update`: stack-update-canceled, or
  // stack-update-completed with its result and, when its engine events say
  // anything about them, its resourceChanges (a JSON object text).
  Result<void> PublishEnd(const auth::Access& access, const storage::UpdateRecord& update);
  // Import and Rollback: an update of kind "import" that starts, stores the
  // (text, resource count) `read_state` answers (called inside the
  // transaction, after the start) and succeeds in one transaction.
  Result<storage::UpdateRecord> RecordState(
      const auth::Access& access, std::string message,
      const std::function<Result<std::pair<std::string, int64_t>>()>& read_state,
      std::optional<int64_t> rolled_back_to = std::nullopt);

  storage::Store& store_;
  const Clock& clock_;
  Random& random_;
  events::EventSink& events_;
  CompactionPolicy policy_;
  bool journaling_ = false;
  JournalFolds folds_;

  std::mutex cache_mu_;
  std::map<std::string, CachedText> cache_;  // by update id; at most kCachedTexts entries
  uint64_t cache_stamp_ = 0;
  // Last member: destroyed (its thread joined) before the rest.
  CheckpointCompactor compactor_;
};

}  // namespace statehouse::updates
