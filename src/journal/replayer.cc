#include "journal/replayer.h"

#include <algorithm>
#include <unordered_map>
#include <unordered_set>

#include <fmt/format.h>

#include "crypto/crypto.h"

namespace statehouse::journal {

namespace {

constexpr uint8_t kDrop = 1;
constexpr uint8_t kMarkDelete = 2;
constexpr uint8_t kMarkPendingReplacement = 4;

struct Slot {
  std::shared_ptr<const Resource> resource;
  bool mark_delete = false;
  bool mark_pending_replacement = false;
};

struct Incomplete {
  int64_t sequence_id = 0;
  std::shared_ptr<const Operation> operation;  // may be null (begin without operation)
};

// The output of §5.4 before serialisation; also what kind 7 turns into the new base.
struct Generated {
  std::vector<std::shared_ptr<const Resource>> resources;
  std::vector<std::shared_ptr<const Operation>> operations;
  std::optional<std::string> secrets_providers;
  std::string metadata;
  std::string snippets;
  std::map<std::string, std::string> extensions;
  std::vector<std::string> features;
};

// A resource on its way into the result: the source plus the changes replay
// makes. `links` is loaded only when references are rewritten.
struct Work {
  std::shared_ptr<const Resource> src;
  ResourcePatch patch;
  ResourceLinks links;

  const std::string& urn() const { return patch.urn ? *patch.urn : links.urn; }
  const std::string& parent() const { return patch.parent ? *patch.parent : links.parent; }
  const std::string& provider() const { return patch.provider ? *patch.provider : links.provider; }
  const std::string& deleted_with() const { return patch.deleted_with ? *patch.deleted_with : links.deleted_with; }
  const std::string& view_of() const { return patch.view_of ? *patch.view_of : links.view_of; }
  const std::vector<std::string>& dependencies() const {
    return patch.dependencies ? *patch.dependencies : links.dependencies;
  }
  const std::vector<std::string>& replace_with() const {
    return patch.replace_with ? *patch.replace_with : links.replace_with;
  }
  const std::vector<std::pair<std::string, std::vector<std::string>>>& property_dependencies() const {
    return patch.property_dependencies ? *patch.property_dependencies : links.property_dependencies;
  }
};

struct FeatureSet {
  bool refresh_before_update = false, views = false, hooks = false, taint = false, replace_with = false,
       extension_parameterization = false, snippets = false, byte_string = false;

  void Collect(const Resource& r) {
    refresh_before_update = refresh_before_update || r.refresh_before_update;
    views = views || r.has_view_of;
    hooks = hooks || r.has_hooks;
    taint = taint || r.taint;
    replace_with = replace_with || r.has_replace_with;
    extension_parameterization = extension_parameterization || r.has_extension_ref;
    snippets = snippets || r.has_snippet_id;
  }
  // Sorted by byte order.
  std::vector<std::string> Names() const {
    std::vector<std::string> out;
    if (byte_string) out.emplace_back("byteString");
    if (extension_parameterization) out.emplace_back("extensionParameterization");
    if (hooks) out.emplace_back("hooks");
    if (refresh_before_update) out.emplace_back("refreshBeforeUpdate");
    if (replace_with) out.emplace_back("replaceWith");
    if (snippets) out.emplace_back("snippets-prototype");
    if (taint) out.emplace_back("taint");
    if (views) out.emplace_back("views");
    return out;
  }
};

// URN = "urn:pulumi:" stack "::" project "::" qualifiedType "::" name (name may contain "::").
struct UrnParts {
  std::string_view stack, project, qualified_type, name;
};

std::optional<UrnParts> SplitUrn(std::string_view urn) {
  constexpr std::string_view kPrefix = "urn:pulumi:";
  if (!urn.starts_with(kPrefix)) return std::nullopt;
  std::string_view rest = urn.substr(kPrefix.size());
  UrnParts parts;
  std::string_view* fields[] = {&parts.stack, &parts.project, &parts.qualified_type};
  for (auto* field : fields) {
    size_t pos = rest.find("::");
    if (pos == std::string_view::npos) return std::nullopt;
    *field = rest.substr(0, pos);
    rest = rest.substr(pos + 2);
  }
  parts.name = rest;
  return parts;
}

// Normalises URN references (§5.6). Returns an error message on an alias
// conflict, in which case nothing was changed.
std::optional<std::string> NormalizeUrns(std::vector<Work>& works, std::string& snippets) {
  bool any_aliases = false;
  for (const auto& w : works) any_aliases = any_aliases || w.src->has_aliases;
  if (any_aliases) {
    std::unordered_map<std::string, std::string> alias;
    for (const auto& w : works) {
      const std::string& urn = w.urn();
      for (const auto& a : w.links.aliases) {
        auto [it, inserted] = alias.try_emplace(a, urn);
        if (!inserted && it->second != urn) {
          return fmt::format("Two resources ('{}' and '{}') aliased to the same: '{}'", it->second, urn, a);
        }
      }
      const std::string& parent = w.parent();
      if (parent.empty()) continue;
      auto p = alias.find(parent);
      if (p == alias.end() || p->second.empty()) continue;
      auto np = SplitUrn(p->second);
      auto self = SplitUrn(urn);
      if (!np || !self || np->qualified_type == "pulumi:pulumi:Stack") continue;
      std::string_view last_type = self->qualified_type;
      if (size_t dollar = last_type.rfind('$'); dollar != std::string_view::npos) {
        last_type = last_type.substr(dollar + 1);
      }
      alias[urn] = fmt::format("urn:pulumi:{}::{}::{}${}::{}", self->stack, self->project, np->qualified_type,
                               last_type, self->name);
    }
    auto fix = [&](const std::string& u) -> const std::string* {
      if (u.empty()) return nullptr;
      auto it = alias.find(u);
      return it == alias.end() || it->second == u ? nullptr : &it->second;
    };
    auto fix_list = [&](const std::vector<std::string>& in, std::optional<std::vector<std::string>>& out) {
      bool changed = false;
      for (const auto& u : in) changed = changed || fix(u) != nullptr;
      if (!changed) return;
      std::vector<std::string> fixed;
      fixed.reserve(in.size());
      for (const auto& u : in) {
        const std::string* f = fix(u);
        fixed.push_back(f ? *f : u);
      }
      out = std::move(fixed);
    };
    for (auto& w : works) {
      if (const auto* f = fix(w.urn())) w.patch.urn = *f;
      if (const auto* f = fix(w.parent())) w.patch.parent = *f;
      if (const auto* f = fix(w.deleted_with())) w.patch.deleted_with = *f;
      if (const auto* f = fix(w.view_of())) w.patch.view_of = *f;
      fix_list(w.dependencies(), w.patch.dependencies);
      const auto& deps = w.property_dependencies();
      bool changed = false;
      for (const auto& [key, urns] : deps) {
        for (const auto& u : urns) changed = changed || fix(u) != nullptr;
      }
      if (changed) {
        auto fixed = deps;
        for (auto& [key, urns] : fixed) {
          for (auto& u : urns) {
            if (const auto* f = fix(u)) u = *f;
          }
        }
        w.patch.property_dependencies = std::move(fixed);
      }
      const std::string& provider = w.provider();
      if (size_t sep = provider.rfind("::"); !provider.empty() && sep != std::string::npos) {
        if (const auto* f = fix(provider.substr(0, sep))) w.patch.provider = *f + provider.substr(sep);
      }
    }
    if (!snippets.empty()) {
      snippets = RewriteSnippetReferences(snippets, fix);
    }
  }
  for (auto& w : works) {
    if (w.src->has_aliases_key) w.patch.drop_aliases = true;
  }
  return std::nullopt;
}


struct FoldState {
  std::shared_ptr<const Snapshot> base;
  std::optional<std::string> secrets_override;  // kind 6
  std::optional<std::string> snippets_override; // kind 9 ("" = none)
  std::vector<uint8_t> base_marks;              // per base index: kDrop | kMark*
  std::unordered_map<int64_t, std::shared_ptr<const Resource>> replace_base;
  std::vector<Slot> new_resources;
  std::unordered_map<int64_t, size_t> op_index;
  std::unordered_set<int64_t> drop_new_ops;
  std::unordered_map<int64_t, Incomplete> incomplete;
  std::map<std::string, std::string> extensions;
  bool has_refresh = false;
  bool needs_byte_string = false;
  // The last folded entry was a kind 7 while new resources existed (§5.3).
  int64_t kind7_with_new = 0;

  std::vector<std::string> warnings;
  int64_t dropped_warnings = 0;
  size_t max_warnings = 100;

  void Warn(std::string message) {
    if (warnings.size() < max_warnings) {
      warnings.push_back(std::move(message));
    } else {
      ++dropped_warnings;
    }
  }

  void SetBase(std::shared_ptr<const Snapshot> snapshot) {
    base = std::move(snapshot);
    secrets_override.reset();
    snippets_override.reset();
    base_marks.resize(base->resources.size(), 0);
    std::erase_if(replace_base, [&](const auto& kv) {
      return kv.first >= static_cast<int64_t>(base->resources.size());
    });
  }

  bool BaseIndexOk(int64_t index, const EntryFields& e, std::string_view field) {
    if (index >= 0 && index < static_cast<int64_t>(base->resources.size())) return true;
    Warn(fmt::format("entry {}: {} {} is outside the base ({} resources); ignored", e.sequence_id, field, index,
                     base->resources.size()));
    return false;
  }

  Slot* NewSlot(int64_t operation_id, const EntryFields& e, std::string_view field) {
    auto it = op_index.find(operation_id);
    if (it != op_index.end()) return &new_resources[it->second];
    Warn(fmt::format("entry {}: {} names operation {}, which produced no resource; ignored", e.sequence_id, field,
                     operation_id));
    return nullptr;
  }

  void Apply(const EntryFields& e);
  void RebuildBase();
};

const std::string& CurrentSnippets(const FoldState& s) {
  return s.snippets_override ? *s.snippets_override : s.base->snippets;
}

Generated Generate(const FoldState& s) {
  Generated g;
  FeatureSet features;
  std::vector<Work> works;
  works.reserve(s.new_resources.size() + s.base->resources.size());

  // 1-2: new resources not dropped, in order.
  std::vector<char> dropped(s.new_resources.size(), 0);
  for (int64_t op : s.drop_new_ops) {
    if (auto it = s.op_index.find(op); it != s.op_index.end()) dropped[it->second] = 1;
  }
  for (size_t i = 0; i < s.new_resources.size(); ++i) {
    if (dropped[i]) continue;
    const Slot& slot = s.new_resources[i];
    Work w{slot.resource, {}, {}};
    w.patch.set_delete = slot.mark_delete && !slot.resource->del;
    w.patch.set_pending_replacement = slot.mark_pending_replacement && !slot.resource->pending_replacement;
    features.Collect(*slot.resource);
    works.push_back(std::move(w));
  }
  // 3: surviving base resources, in base order.
  bool base_survivor = false;
  const auto& base_resources = s.base->resources;
  for (size_t i = 0; i < base_resources.size(); ++i) {
    const uint8_t marks = s.base_marks[i];
    if (marks & kDrop) continue;
    if (!s.replace_base.empty()) {
      if (auto it = s.replace_base.find(static_cast<int64_t>(i)); it != s.replace_base.end()) {
        features.Collect(*it->second);
        works.push_back(Work{it->second, {}, {}});
        continue;
      }
    }
    const auto& r = base_resources[i];
    Work w{r, {}, {}};
    w.patch.set_delete = (marks & kMarkDelete) && !r->del;
    w.patch.set_pending_replacement = (marks & kMarkPendingReplacement) && !r->pending_replacement;
    features.Collect(*r);
    base_survivor = true;
    works.push_back(std::move(w));
  }
  // 4: pending operations: unfinished begins by sequence ID, then base creates.
  std::vector<const Incomplete*> open;
  for (const auto& [op, inc] : s.incomplete) {
    if (inc.operation) open.push_back(&inc);
  }
  std::sort(open.begin(), open.end(),
            [](const Incomplete* a, const Incomplete* b) { return a->sequence_id < b->sequence_id; });
  for (const auto* inc : open) g.operations.push_back(inc->operation);
  for (const auto& op : s.base->pending_operations) {
    if (op->type == "creating") g.operations.push_back(op);
  }
  // 5: features over resources and pending operations.
  for (const auto& op : g.operations) {
    // Operations are few; their resources are parsed only here.
    if (!op->has_resource) continue;
    auto resource = OperationResource(*op);
    if (resource && *resource) features.Collect(**resource);
  }
  features.byte_string = (s.needs_byte_string && (!works.empty() || !g.operations.empty())) ||
                         (s.base->declares_byte_string && base_survivor);
  // References are read only when something may rewrite them.
  bool any_aliases = false;
  for (const auto& w : works) any_aliases = any_aliases || w.src->has_aliases;
  if (s.has_refresh || any_aliases) {
    for (auto& w : works) w.links = Links(*w.src);
  }
  // 6: dependency rebuild after refresh (§5.5).
  if (s.has_refresh) {
    std::unordered_set<std::string_view> seen;
    seen.reserve(works.size() * 2);
    auto filter = [&](const std::vector<std::string>& in, std::optional<std::vector<std::string>>& out) {
      if (in.empty()) return;
      std::vector<std::string> kept;
      for (const auto& u : in) {
        if (seen.contains(u)) kept.push_back(u);
      }
      if (kept.size() != in.size()) out = std::move(kept);
    };
    for (auto& w : works) {
      filter(w.dependencies(), w.patch.dependencies);
      filter(w.replace_with(), w.patch.replace_with);
      const auto& prop_deps = w.property_dependencies();
      if (!prop_deps.empty()) {
        bool changed = false;
        std::vector<std::pair<std::string, std::vector<std::string>>> rebuilt;
        for (const auto& [key, urns] : prop_deps) {
          std::vector<std::string> kept;
          for (const auto& u : urns) {
            if (seen.contains(u)) kept.push_back(u);
          }
          changed = changed || kept.size() != urns.size();
          if (!kept.empty()) rebuilt.emplace_back(key, std::move(kept));
        }
        if (changed) w.patch.property_dependencies = std::move(rebuilt);
      }
      if (!w.deleted_with().empty() && !seen.contains(w.deleted_with())) w.patch.deleted_with = std::string();
      seen.insert(w.urn());
    }
    for (auto& w : works) {
      if (!w.parent().empty() && !seen.contains(w.parent())) w.patch.parent = std::string();
    }
  }
  // 8: the rest of the deployment.
  g.secrets_providers = s.secrets_override ? s.secrets_override : s.base->secrets_providers;
  g.metadata = s.base->metadata ? *s.base->metadata : std::string("{}");
  g.snippets = CurrentSnippets(s);
  if (!g.snippets.empty()) features.snippets = true;
  g.extensions = s.extensions;
  for (const auto& [ref, ext] : s.base->extensions) g.extensions[ref] = ext;  // base wins
  // 10: URN normalisation.
  if (auto conflict = NormalizeUrns(works, g.snippets)) {
    // Nothing was rewritten; record why (§5.6 recommendation).
    std::string error = "{\"version\":\"3\",\"command\":\"statehouse journal replay\",\"error\":";
    AppendJsonString(error, "failed to normalize URN references: " + *conflict);
    error += "}";
    g.metadata = SetObjectMember(g.metadata, "integrity_error", error);
  }
  g.features = features.Names();
  g.resources.reserve(works.size());
  for (auto& w : works) {
    g.resources.push_back(w.patch.empty() ? std::move(w.src) : ApplyPatch(*w.src, w.patch));
  }
  return g;
}

void FoldState::RebuildBase() {
  const bool had_new = !new_resources.empty();
  Generated g = Generate(*this);
  auto snapshot = std::make_shared<Snapshot>();
  snapshot->resources = std::move(g.resources);
  snapshot->pending_operations = std::move(g.operations);
  snapshot->secrets_providers = std::move(g.secrets_providers);
  snapshot->metadata = std::move(g.metadata);
  snapshot->snippets = std::move(g.snippets);
  snapshot->extensions = std::move(g.extensions);
  snapshot->declares_byte_string =
      std::find(g.features.begin(), g.features.end(), "byteString") != g.features.end();
  base_marks.assign(snapshot->resources.size(), 0);
  replace_base.clear();
  new_resources.clear();
  op_index.clear();
  drop_new_ops.clear();
  incomplete.clear();
  extensions.clear();
  base = std::move(snapshot);
  secrets_override.reset();
  snippets_override.reset();
  if (had_new) kind7_with_new = 1;
}

void FoldState::Apply(const EntryFields& e) {
  if (kind7_with_new) {
    Warn(fmt::format("entry {}: follows a rebuilt-base-state entry that was folded with new resources; "
                     "such an entry is only valid as the last one",
                     e.sequence_id));
    kind7_with_new = 0;
  }
  if (e.requires_byte_string) needs_byte_string = true;
  switch (static_cast<EntryKind>(e.kind)) {
    case EntryKind::kBegin:
      incomplete[e.operation_id] = Incomplete{e.sequence_id, e.operation};
      break;
    case EntryKind::kSuccess:
      incomplete.erase(e.operation_id);
      if (e.state) {
        op_index[e.operation_id] = new_resources.size();
        new_resources.push_back(Slot{e.state});
      }
      if (e.remove_old && BaseIndexOk(*e.remove_old, e, "removeOld")) base_marks[*e.remove_old] |= kDrop;
      if (e.remove_new) {
        if (op_index.contains(*e.remove_new)) {
          drop_new_ops.insert(*e.remove_new);
        } else {
          NewSlot(*e.remove_new, e, "removeNew");
        }
      }
      if (e.delete_old && BaseIndexOk(*e.delete_old, e, "deleteOld")) base_marks[*e.delete_old] |= kMarkDelete;
      if (e.delete_new) {
        if (Slot* slot = NewSlot(*e.delete_new, e, "deleteNew")) slot->mark_delete = true;
      }
      if (e.pending_replacement_old && BaseIndexOk(*e.pending_replacement_old, e, "pendingReplacementOld")) {
        base_marks[*e.pending_replacement_old] |= kMarkPendingReplacement;
      }
      if (e.pending_replacement_new) {
        if (Slot* slot = NewSlot(*e.pending_replacement_new, e, "pendingReplacementNew")) {
          slot->mark_pending_replacement = true;
        }
      }
      if (e.is_refresh) has_refresh = true;
      break;
    case EntryKind::kFailure:
      incomplete.erase(e.operation_id);
      break;
    case EntryKind::kRefreshSuccess:
      incomplete.erase(e.operation_id);
      has_refresh = true;
      if (e.remove_old && BaseIndexOk(*e.remove_old, e, "removeOld")) {
        if (e.state) {
          replace_base[*e.remove_old] = e.state;
        } else {
          base_marks[*e.remove_old] |= kDrop;
        }
      }
      if (e.remove_new) {
        if (e.state) {
          if (Slot* slot = NewSlot(*e.remove_new, e, "removeNew")) *slot = Slot{e.state};
        } else if (op_index.contains(*e.remove_new)) {
          drop_new_ops.insert(*e.remove_new);
        } else {
          NewSlot(*e.remove_new, e, "removeNew");
        }
      }
      break;
    case EntryKind::kOutputs:
      if (!e.state) break;
      if (e.remove_old && BaseIndexOk(*e.remove_old, e, "removeOld")) replace_base[*e.remove_old] = e.state;
      if (e.remove_new) {
        if (Slot* slot = NewSlot(*e.remove_new, e, "removeNew")) *slot = Slot{e.state};
      }
      break;
    case EntryKind::kWrite:
      if (!e.new_snapshot) {
        Warn(fmt::format("entry {}: write entry without newSnapshot; ignored", e.sequence_id));
        break;
      }
      SetBase(e.new_snapshot);
      break;
    case EntryKind::kSecretsManager:
      if (!e.secrets_provider) {
        Warn(fmt::format("entry {}: secrets-manager entry without secretsProvider; ignored", e.sequence_id));
        break;
      }
      secrets_override = e.secrets_provider;
      break;
    case EntryKind::kRebuiltBaseState:
      RebuildBase();
      break;
    case EntryKind::kExtensionParameterize:
      if (!e.extension_ref || !e.extension) {
        Warn(fmt::format("entry {}: extension-parameterize entry without extensionRef/extension; ignored",
                         e.sequence_id));
        break;
      }
      extensions[*e.extension_ref] = *e.extension;
      break;
    case EntryKind::kSnippets:
      snippets_override = e.snippets;
      break;
    default:
      Warn(fmt::format("entry {}: unknown kind {}; ignored", e.sequence_id, e.kind));
  }
}

void AppendMaterialized(std::string& out, const Generated& g, const ManifestInfo& manifest, size_t& dep_offset) {
  out += "{\"version\":";
  out += g.features.empty() ? "3" : "4";
  if (!g.features.empty()) {
    out += ",\"features\":";
    AppendJsonStringArray(out, g.features);
  }
  out += ",\"deployment\":";
  dep_offset = out.size();
  out += "{\"manifest\":{\"time\":";
  AppendJsonString(out, manifest.time);
  out += ",\"magic\":";
  AppendJsonString(out, ManifestMagic(manifest.version));
  out += ",\"version\":";
  AppendJsonString(out, manifest.version);
  out += "}";
  if (g.secrets_providers) {
    out += ",\"secrets_providers\":";
    out += *g.secrets_providers;
  }
  if (!g.resources.empty()) {
    out += ",\"resources\":[";
    for (size_t i = 0; i < g.resources.size(); ++i) {
      if (i > 0) out.push_back(',');
      out += g.resources[i]->raw;
    }
    out += "]";
  }
  if (!g.operations.empty()) {
    out += ",\"pending_operations\":[";
    for (size_t i = 0; i < g.operations.size(); ++i) {
      if (i > 0) out.push_back(',');
      out += g.operations[i]->raw;
    }
    out += "]";
  }
  out += ",\"metadata\":";
  out += g.metadata;
  if (!g.snippets.empty()) {
    out += ",\"snippets\":";
    out += g.snippets;
  }
  if (!g.extensions.empty()) {
    out += ",\"extensions\":{";
    bool first = true;
    for (const auto& [ref, ext] : g.extensions) {
      if (!first) out.push_back(',');
      first = false;
      AppendJsonString(out, ref);
      out.push_back(':');
      out += ext;
    }
    out += "}";
  }
  out += "}";
}

}  // namespace

std::string ManifestMagic(std::string_view version) {
  return version.empty() ? std::string() : crypto::Sha256Hex(version);
}

// ---------------------------------------------------------------------------
// Replayer: sequencing on top of FoldState.

struct Replayer::State {
  Options options;
  FoldState fold;
  int64_t next = 1;                         // every sequenceID below was folded, skipped or never sent
  std::map<int64_t, EntryFields> pending;   // entries above a gap
  std::map<int64_t, int64_t> skipped;       // gaps taken as lost: [first, last]
  bool stale = false;

  bool InSkippedGap(int64_t seq) const {
    auto it = skipped.upper_bound(seq);
    if (it == skipped.begin()) return false;
    --it;
    return seq >= it->first && seq <= it->second;
  }

  void FoldOne(const EntryFields& e) {
    fold.Apply(e);
    next = e.sequence_id + 1;
  }

  void Drain(AddResult& result) {
    while (!pending.empty() && pending.begin()->first == next) {
      auto node = pending.extract(pending.begin());
      FoldOne(node.mapped());
      ++result.folded;
    }
  }

  void SkipGaps(AddResult& result) {
    while (!pending.empty()) {
      auto node = pending.extract(pending.begin());
      if (node.key() > next) {
        skipped[next] = node.key() - 1;
        fold.Warn(fmt::format("sequence IDs {}-{} never arrived; taken as lost", next, node.key() - 1));
      }
      FoldOne(node.mapped());
      ++result.folded;
    }
  }

  void AddOne(const EntryFields& e, AddResult& result) {
    const int64_t seq = e.sequence_id;
    if (seq < next) {
      if (InSkippedGap(seq)) {
        stale = true;
        result.rebuild_required = true;
      } else {
        ++result.duplicates;
      }
      return;
    }
    if (seq == next) {
      FoldOne(e);
      ++result.folded;
      Drain(result);
      return;
    }
    if (!pending.try_emplace(seq, e).second) {
      ++result.duplicates;
      return;
    }
    ++result.buffered;
  }

  template <class T>
  Result<AddResult> AddAll(std::span<const T> entries) {
    if (stale) return Fail(Error::PreconditionFailed("journal replayer must be rebuilt"));
    // Sorting first folds a batch that is only internally out of order
    // without buffering.
    std::vector<const EntryFields*> sorted;
    sorted.reserve(entries.size());
    for (const auto& e : entries) sorted.push_back(&e);
    std::stable_sort(sorted.begin(), sorted.end(),
                     [](const EntryFields* a, const EntryFields* b) { return a->sequence_id < b->sequence_id; });
    AddResult result;
    for (const auto* e : sorted) {
      AddOne(*e, result);
      if (stale) return result;
    }
    if (pending.size() > options.max_buffered) SkipGaps(result);
    result.buffered = static_cast<int64_t>(pending.size());
    return result;
  }
};

Replayer::Replayer(std::shared_ptr<const Snapshot> base, Options options) : state_(std::make_unique<State>()) {
  state_->options = options;
  state_->fold.max_warnings = options.max_warnings;
  if (!base) base = std::make_shared<const Snapshot>();
  state_->fold.SetBase(std::move(base));
}

Result<Replayer> Replayer::Create(std::string_view base_untyped_deployment, Options options) {
  SH_ASSIGN_OR_RETURN(auto base, ParseUntypedDeployment(base_untyped_deployment));
  return Replayer(std::move(base), options);
}

Replayer Replayer::Rebuild(std::shared_ptr<const Snapshot> base, std::span<const EntryFields> entries,
                           Options options) {
  Replayer replayer(std::move(base), options);
  (void)replayer.state_->AddAll(entries);
  return replayer;
}

Replayer Replayer::Rebuild(std::shared_ptr<const Snapshot> base, std::span<const Entry> entries, Options options) {
  Replayer replayer(std::move(base), options);
  (void)replayer.state_->AddAll(entries);
  return replayer;
}

Replayer::Replayer(Replayer&&) noexcept = default;
Replayer& Replayer::operator=(Replayer&&) noexcept = default;
Replayer::Replayer(const Replayer& other) : state_(std::make_unique<State>(*other.state_)) {}
Replayer& Replayer::operator=(const Replayer& other) {
  if (this != &other) state_ = std::make_unique<State>(*other.state_);
  return *this;
}
Replayer::~Replayer() = default;

Result<AddResult> Replayer::Add(std::span<const Entry> entries) { return state_->AddAll(entries); }
Result<AddResult> Replayer::Add(std::span<const EntryFields> entries) { return state_->AddAll(entries); }
Result<AddResult> Replayer::Add(const EntryFields& entry) {
  return state_->AddAll(std::span<const EntryFields>(&entry, 1));
}

Result<Materialized> Replayer::Materialize(const ManifestInfo& manifest) const {
  if (state_->stale) return Fail(Error::PreconditionFailed("journal replayer must be rebuilt"));
  Generated g;
  if (state_->pending.empty()) {
    g = Generate(state_->fold);
  } else {
    FoldState copy = state_->fold;
    for (const auto& [seq, e] : state_->pending) copy.Apply(e);
    g = Generate(copy);
  }
  Materialized m;
  size_t bytes = 512 + (g.secrets_providers ? g.secrets_providers->size() : 0) + g.metadata.size() +
                 g.snippets.size();
  for (const auto& r : g.resources) bytes += r->raw.size() + 1;
  for (const auto& op : g.operations) bytes += op->raw.size() + 1;
  for (const auto& [ref, ext] : g.extensions) bytes += ref.size() + ext.size() + 8;
  m.untyped.reserve(bytes);
  AppendMaterialized(m.untyped, g, manifest, m.deployment_offset);
  m.deployment_size = m.untyped.size() - m.deployment_offset;
  m.untyped.push_back('}');
  m.version = g.features.empty() ? 3 : 4;
  m.features = std::move(g.features);
  m.resource_count = static_cast<int64_t>(g.resources.size());
  return m;
}

int64_t Replayer::folded_through() const { return state_->next - 1; }
size_t Replayer::buffered() const { return state_->pending.size(); }
bool Replayer::needs_rebuild() const { return state_->stale; }
const std::vector<std::string>& Replayer::warnings() const { return state_->fold.warnings; }
int64_t Replayer::dropped_warnings() const { return state_->fold.dropped_warnings; }

}  // namespace statehouse::journal
