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

// Structured mode (input starting with '!'): every 5 bytes make one entry
// from a palette of states (references between them, aliases, replaceWith,
// deletedWith, taint, providers), so that the fuzzer reaches index and
// operation semantics rather than JSON syntax; 0xFF starts a new batch.
// Every generated batch is well formed and must be accepted.
constexpr std::string_view kUrn = "urn:pulumi:dev::proj::";

std::string PaletteUrn(int i) { return std::string(kUrn) + "t:m:R::r" + std::to_string(i); }

std::string PaletteState(int choice, bool with_id) {
  const int i = choice % 6;
  std::string r = R"({"urn":")" + PaletteUrn(i) + R"(","custom":true,"type":"t:m:R")";
  if (with_id) r += R"(,"id":"id-)" + std::to_string(choice) + R"(")";
  switch (choice / 6 % 8) {
    case 1: r += R"(,"dependencies":[")" + PaletteUrn(i + 1) + R"("],"propertyDependencies":{"p":[")" + PaletteUrn(i + 2) + R"("],"q":[]})"; break;
    case 2: r += R"(,"parent":")" + PaletteUrn(i + 1) + R"(")"; break;
    case 3: r += R"(,"aliases":[")" + std::string(kUrn) + "t:m:Old::r" + std::to_string(i) + R"("])"; break;
    case 4: r += R"(,"replaceWith":[")" + PaletteUrn(i + 1) + R"("],"deletedWith":")" + PaletteUrn(i + 2) + R"(")"; break;
    case 5: r += R"(,"taint":true,"viewOf":")" + PaletteUrn(i + 1) + R"(","delete":true)"; break;
    case 6: r += R"(,"provider":")" + std::string(kUrn) + "pulumi:providers:t::p::" + std::to_string(i) + R"(")"; break;
    case 7: r += R"(,"parent":")" + std::string(kUrn) + "t:m:Old::r" + std::to_string(i + 1) + R"(","pendingReplacement":true)"; break;
    default: break;
  }
  return r + "}";
}

std::string PaletteBase(int variant) {
  std::string d = R"({"version":3,"deployment":{"manifest":{"time":"t","magic":"","version":""},"secrets_providers":{"type":"passphrase","state":{"salt":"s"}},"resources":[)";
  const int count = variant % 7;
  for (int i = 0; i < count; ++i) d += (i ? "," : "") + PaletteState(i + 6 * ((variant / 7 + i) % 8), true);
  d += "]";
  if (variant % 3 == 1) {
    d += R"(,"pending_operations":[{"resource":)" + PaletteState(3, false) + R"(,"type":"creating"},{"resource":)" +
         PaletteState(4, true) + R"(,"type":"deleting"}])";
  }
  if (variant % 5 == 2) d += R"(,"extensions":{"ref-1":{"base":true}},"snippets":[{"uuid":"u1","references":{"x":")" + PaletteUrn(1) + R"("}}])";
  return d + R"(,"metadata":{"m":1}}})";
}

void Structured(std::string_view input, std::string& base, std::vector<std::string>& bodies) {
  base = PaletteBase(input.empty() ? 0 : static_cast<uint8_t>(input[0]));
  if (!input.empty()) input.remove_prefix(1);
  std::vector<std::string> entries;
  auto flush = [&] {
    std::string body = R"({"entries":[)";
    for (size_t i = 0; i < entries.size(); ++i) body += (i ? "," : "") + entries[i];
    bodies.push_back(body + "]}");
    entries.clear();
  };
  while (!input.empty()) {
    const auto b = [&](size_t i) { return i < input.size() ? static_cast<uint8_t>(input[i]) : uint8_t{0}; };
    if (b(0) == 0xFF) {
      flush();
      input.remove_prefix(1);
      continue;
    }
    const int kind = b(0) % 11 == 10 ? 42 : b(0) % 11;
    const int seq = 1 + b(1) % 40;
    const int op = b(2) % 10;
    const uint8_t flags = b(3);
    const int index = b(4) % 16;
    const int choice = b(4) / 16 + 16 * (b(0) / 11 % 3);
    input.remove_prefix(std::min<size_t>(5, input.size()));
    std::string e = R"({"version":1,"kind":)" + std::to_string(kind) + R"(,"sequenceID":)" + std::to_string(seq) +
                    R"(,"operationID":)" + std::to_string(op) + R"(,"removeOld":)" +
                    ((flags & 1) ? std::to_string(index % 8) : "null") + R"(,"removeNew":)" +
                    ((flags & 2) ? std::to_string(index / 2) : "null");
    if (flags & 4) e += R"(,"deleteOld":)" + std::to_string(index / 3);
    if (flags & 8) e += R"(,"deleteNew":)" + std::to_string(index % 5);
    if (flags & 16) e += R"(,"pendingReplacementOld":)" + std::to_string(index % 7);
    if (flags & 32) e += R"(,"pendingReplacementNew":)" + std::to_string(index % 6);
    if (flags & 64) e += R"(,"state":)" + PaletteState(choice, true);
    if (flags & 128) e += R"(,"operation":{"resource":)" + PaletteState(choice + 1, false) + R"(,"type":"creating"})";
    if (choice % 5 == 0) e += R"(,"isRefresh":true)";
    if (choice % 7 == 3) e += R"(,"requiresByteString":true)";
    switch (kind) {
      case 5: e += R"(,"newSnapshot":)" + PaletteBase(index * 3 + 1).substr(26, std::string::npos); e.pop_back(); break;
      case 6: e += R"(,"secretsProvider":{"type":"service","state":{"n":)" + std::to_string(index) + "}}"; break;
      case 8: e += R"(,"extensionRef":"ref-)" + std::to_string(index % 3) + R"(","extension":{"name":"x","version":"1","value":"QQ=="})"; break;
      case 9: if (index % 2) e += R"(,"snippets":[{"uuid":"u2","references":{"y":")" + std::string(kUrn) + "t:m:Old::r1" + R"("}}])"; break;
      default: break;
    }
    entries.push_back(e + "}");
  }
  flush();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> parts;
  std::string base_text;
  const bool structured = !input.empty() && input[0] == '!';
  if (structured) {
    Structured(input.substr(1), base_text, parts);
  } else {
    while (true) {
      size_t nul = input.find('\0');
      parts.emplace_back(input.substr(0, nul));
      if (nul == std::string_view::npos) break;
      input.remove_prefix(nul + 1);
    }
    if (parts.size() > 1) {
      base_text = parts[0];
      parts.erase(parts.begin());
    }
  }
  std::shared_ptr<const jr::Snapshot> base;
  if (!base_text.empty()) {
    if (auto parsed = jr::ParseUntypedDeployment(base_text)) base = *parsed;
    Check(!structured || base != nullptr);
  }
  if (base == nullptr) base = *jr::ParseUntypedDeployment(kEmptyBase);

  std::vector<std::vector<jr::Entry>> batches;
  std::vector<jr::Entry> all;
  for (const std::string& body : parts) {
    auto batch = jr::ParseBatch(body);
    Check(!structured || batch.has_value());
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
