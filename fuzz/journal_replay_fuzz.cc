// Journal entries and replay (src/journal/). The input is
// "<base UntypedDeployment>\0<batch>\0<batch>…" where each batch is a
// journalentries request body {"entries":[…]} (no NUL: all of it is one batch
// over the never-updated stack; an unreadable base is replaced by that one).
// Batches ParseBatch refuses are dropped, as the server answers 400 and
// stores nothing. Expectations:
//  * every parsed entry has version 1 and sequenceID >= 1, and its stored
//    bytes (`raw`) parse again to the same fields (replay after a restart
//    reads them back);
//  * adding the batches in input order (with a tiny gap buffer, so lost-gap
//    handling and rebuild requests happen), in reverse order (without the
//    copies of a repeated sequenceID that lost in input order: the first
//    stored copy wins), and Rebuild(base, all entries) materialise the same
//    deployment;
//  * Materialize is pure (twice = same text);
//  * the result is an UntypedDeployment the next update can use as its base:
//    valid JSON, version 3 without features or 4 with sorted known features,
//    resource_count = its resources, `deployment()` is its deployment member.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "check.h"

#include "journal/entry.h"
#include "journal/replayer.h"

namespace jr = statehouse::journal;

namespace {

constexpr std::string_view kEmptyBase = R"({"version":3,"deployment":null})";
const jr::ManifestInfo kManifest{"2026-12-03T00:00:00Z", "v3.260.0"};

void CheckSameFields(const jr::EntryFields& a, const jr::EntryFields& b) {
  Check(a.version == b.version && a.kind == b.kind && a.sequence_id == b.sequence_id &&
        a.operation_id == b.operation_id);
  Check(a.remove_old == b.remove_old && a.remove_new == b.remove_new &&
        a.pending_replacement_old == b.pending_replacement_old &&
        a.pending_replacement_new == b.pending_replacement_new && a.delete_old == b.delete_old &&
        a.delete_new == b.delete_new);
  Check(a.is_refresh == b.is_refresh && a.requires_byte_string == b.requires_byte_string);
  Check((a.state == nullptr) == (b.state == nullptr));
  Check(a.state == nullptr || a.state->raw == b.state->raw);
  Check((a.operation == nullptr) == (b.operation == nullptr));
  Check(a.operation == nullptr || a.operation->raw == b.operation->raw);
  Check(a.secrets_provider == b.secrets_provider && a.snippets == b.snippets);
  Check((a.new_snapshot == nullptr) == (b.new_snapshot == nullptr));
  Check(a.extension_ref == b.extension_ref && a.extension == b.extension);
}

// Adds `batches` in the given order; a rebuild request is honoured as the
// server would (from the base and everything added so far).
jr::Replayer AddAll(const std::shared_ptr<const jr::Snapshot>& base,
                    const std::vector<std::vector<jr::Entry>>& batches,
                    const jr::ReplayerOptions& options) {
  jr::Replayer replayer(base, options);
  std::vector<jr::Entry> added;
  for (const auto& batch : batches) {
    added.insert(added.end(), batch.begin(), batch.end());
    auto result = replayer.Add(batch);
    Check(result.has_value());
    Check(result->folded + result->duplicates <= static_cast<int64_t>(added.size()));
    if (!result->rebuild_required) {
      Check(result->buffered == static_cast<int64_t>(replayer.buffered()));
    } else {
      Check(replayer.needs_rebuild());
      Check(!replayer.Materialize(kManifest).has_value());
      replayer = jr::Replayer::Rebuild(base, added, options);
      Check(!replayer.needs_rebuild());
    }
  }
  return replayer;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::vector<std::string_view> parts;
  while (true) {
    size_t nul = input.find('\0');
    parts.push_back(input.substr(0, nul));
    if (nul == std::string_view::npos) break;
    input.remove_prefix(nul + 1);
  }
  std::shared_ptr<const jr::Snapshot> base;
  if (parts.size() > 1) {
    if (auto parsed = jr::ParseUntypedDeployment(parts[0])) base = *parsed;
    parts.erase(parts.begin());
  }
  if (base == nullptr) base = *jr::ParseUntypedDeployment(kEmptyBase);

  std::vector<std::vector<jr::Entry>> batches;
  std::vector<jr::Entry> all;
  for (std::string_view body : parts) {
    auto batch = jr::ParseBatch(body);
    if (!batch) continue;
    for (const jr::Entry& entry : *batch) {
      Check(entry.version == 1);
      Check(entry.sequence_id >= 1);
      auto again = jr::ParseEntry(entry.raw);
      Check(again.has_value());
      CheckSameFields(entry, *again);
      Check(again->raw == entry.raw);
      all.push_back(entry);
    }
    batches.push_back(std::move(*batch));
  }

  const jr::ReplayerOptions tiny{.max_buffered = 2, .max_warnings = 4};
  jr::Replayer forward = AddAll(base, batches, tiny);
  // In reverse, the first stored copy of a repeated sequenceID would be
  // another one: keep only the copies that won in input order.
  std::vector<std::vector<jr::Entry>> reversed;
  std::set<int64_t> seen;
  for (const auto& batch : batches) {
    std::vector<jr::Entry> kept;
    for (const jr::Entry& entry : batch) {
      if (seen.insert(entry.sequence_id).second) kept.push_back(entry);
    }
    reversed.insert(reversed.begin(), std::move(kept));
  }
  jr::Replayer backward = AddAll(base, reversed, jr::ReplayerOptions{});
  jr::Replayer rebuilt = jr::Replayer::Rebuild(base, all);
  Check(forward.warnings().size() <= tiny.max_warnings);

  auto m = rebuilt.Materialize(kManifest);
  Check(m.has_value());
  auto m2 = rebuilt.Materialize(kManifest);
  Check(m2.has_value() && m2->untyped == m->untyped);
  auto f = forward.Materialize(kManifest);
  Check(f.has_value() && f->untyped == m->untyped);
  auto b = backward.Materialize(kManifest);
  Check(b.has_value() && b->untyped == m->untyped);

  // The result is a valid base for the next update.
  auto next = jr::ParseUntypedDeployment(m->untyped);
  Check(next.has_value());
  Check(static_cast<int64_t>((*next)->resources.size()) == m->resource_count);
  Check(m->version == (m->features.empty() ? 3 : 4));
  static const std::set<std::string> kKnown = {
      "refreshBeforeUpdate", "views", "hooks", "taint", "replaceWith",
      "extensionParameterization", "snippets-prototype", "byteString"};
  Check(std::is_sorted(m->features.begin(), m->features.end()));
  Check(std::adjacent_find(m->features.begin(), m->features.end()) == m->features.end());
  for (const std::string& feature : m->features) Check(kKnown.contains(feature));
  Check(m->untyped.starts_with(m->version == 3 ? R"({"version":3,)" : R"({"version":4,)"));
  Check(m->deployment().starts_with("{") && m->deployment().ends_with("}"));
  Check(m->untyped.ends_with(std::string(m->deployment()) + "}"));
  auto inner = jr::ParseSnapshot(m->deployment());
  Check(inner.has_value() && (*inner)->resources.size() == (*next)->resources.size());
  return 0;
}
