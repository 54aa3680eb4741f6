#pragma once

// Journal replay (shared/spec/journaling.md §5): folds JournalEntries onto a
// frozen base deployment and materialises the resulting deployment.
//
// Cost model: folding an entry is O(1) (O(resources) only for kinds 5 and 7,
// which replace the base); materialising is O(resources + entries buffered
// above a gap). Pure: no I/O, no clock, no logging; problems worth logging are
// collected as warnings.
//
// Ordering (§3.3): entries are folded in ascending sequenceID. An entry that
// arrives above a gap (its predecessors not yet seen) is buffered until the
// gap closes; materialising with a non-empty buffer folds the buffer onto a
// copy, so every result equals the sorted replay of everything added so far.
// When more than Options::max_buffered entries wait, the gap is taken to be a
// permanently lost batch (§3.3 fact 4): the missing IDs are recorded and the
// buffer is folded. If an entry of such a skipped gap arrives after all, the
// fold can no longer be incremental: Add reports rebuild_required, the
// replayer refuses further use, and the owner rebuilds it from the base and
// all stored entries (Replayer::Rebuild), which is rare and O(entries).
// Duplicates of an already added sequenceID are ignored (first one wins).
//
// Rebuild(base, entries) gives the same materialisation as adding the same
// entries incrementally in any order and in any batching.

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "journal/document.h"
#include "journal/entry.h"

namespace statehouse::journal {

// What goes into the fresh manifest (§5.8). `magic` is derived:
// lower-case hex SHA-256 of `version`, or "" when `version` is empty.
struct ManifestInfo {
  std::string time;     // RFC 3339, injected by the caller (never read from a clock here)
  std::string version;  // e.g. the CLI version "v3.260.0" from the update's metadata
};

// A materialised deployment.
struct Materialized {
  // The UntypedDeployment {"version":3|4,["features":[…],]"deployment":{…}},
  // exactly what GET …/export returns.
  std::string untyped;
  int version = 3;
  std::vector<std::string> features;  // sorted, only the eight known names
  int64_t resource_count = 0;         // entries of deployment.resources
  // The `deployment` object inside `untyped`.
  size_t deployment_offset = 0;
  size_t deployment_size = 0;
  std::string_view deployment() const { return std::string_view(untyped).substr(deployment_offset, deployment_size); }
};

struct AddResult {
  int64_t folded = 0;      // entries folded now (including buffered ones a gap closure released)
  int64_t buffered = 0;    // entries (of any call) waiting above a gap after this call
  int64_t duplicates = 0;  // sequence IDs seen before (ignored)
  // An entry of a skipped gap arrived: the replayer is now unusable; rebuild.
  bool rebuild_required = false;
};

struct ReplayerOptions {
  // Entries held above a gap before the gap is taken as lost.
  size_t max_buffered = 1024;
  // Cap on collected warnings (further ones are counted, not kept).
  size_t max_warnings = 100;
};

class Replayer {
 public:
  using Options = ReplayerOptions;

  // A replayer on `base` (ParseUntypedDeployment / ParseSnapshot).
  explicit Replayer(std::shared_ptr<const Snapshot> base, Options options);
  explicit Replayer(std::shared_ptr<const Snapshot> base) : Replayer(std::move(base), Options{}) {}
  // Convenience: base from the stored UntypedDeployment text.
  static Result<Replayer> Create(std::string_view base_untyped_deployment, Options options = {});
  // Base plus every stored entry (any order, duplicates allowed): the state
  // after a restart. Gaps left at the end are buffered exactly as if the
  // entries had arrived one by one.
  static Replayer Rebuild(std::shared_ptr<const Snapshot> base, std::span<const EntryFields> entries,
                          Options options = {});
  static Replayer Rebuild(std::shared_ptr<const Snapshot> base, std::span<const Entry> entries,
                          Options options = {});

  Replayer(Replayer&&) noexcept;
  Replayer& operator=(Replayer&&) noexcept;
  Replayer(const Replayer&);
  Replayer& operator=(const Replayer&);
  ~Replayer();

  // Adds one acknowledged batch (any order). O(entries) plus the buffered
  // entries a closed gap releases. kPreconditionFailed when the replayer
  // needs a rebuild (a previous Add said so).
  Result<AddResult> Add(std::span<const Entry> entries);
  Result<AddResult> Add(std::span<const EntryFields> entries);
  Result<AddResult> Add(const EntryFields& entry);

  // The deployment the added entries describe (§5.4–5.8). O(resources +
  // buffered entries); does not change the replayer. kPreconditionFailed when
  // a rebuild is required.
  Result<Materialized> Materialize(const ManifestInfo& manifest) const;

  // Highest sequenceID folded so far (0 if none) and entries waiting above a gap.
  int64_t folded_through() const;
  size_t buffered() const;
  bool needs_rebuild() const;
  // Integrity warnings and ignored references (§5.10), oldest first.
  const std::vector<std::string>& warnings() const;
  int64_t dropped_warnings() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// Hex SHA-256 of `version`, "" for "" (the manifest's `magic`).
std::string ManifestMagic(std::string_view version);

}  // namespace statehouse::journal
