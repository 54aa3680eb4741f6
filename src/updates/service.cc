#include "auth/event.h"
#include "updates/service.h"

#include <functional>
#include <future>
#include <limits>

#include <fmt/format.h>

#include "common/names.h"
#include "crypto/crypto.h"
#include "engine_events/model.h"
#include "json/deployment.h"
#include "json/json_util.h"
#include "updates/checkpoint_request.h"
#include "deployment/delta.h"
#include "journal/entry.h"
#include "journal/replayer.h"

namespace statehouse::updates {

namespace {

// Running updates whose latest text is kept in memory for the next delta.
constexpr size_t kCachedTexts = 4;
// Texts at least this large are hashed and validated on two threads.
constexpr size_t kParallelCheckBytes = 1 << 20;

struct CheckedText {
  std::string hash;
  json::DeploymentSummary summary;
};

// SHA-256 and full JSON validation of a deployment text; for large texts the
// two run concurrently (each reads the whole text once).
Result<CheckedText> HashAndInspect(const std::string& text) {
  if (text.size() < kParallelCheckBytes) {
    SH_ASSIGN_OR_RETURN(auto summary, json::InspectOwnedDeployment(text));
    return CheckedText{crypto::Sha256Hex(text), summary};
  }
  auto hash = std::async(std::launch::async, [&text] { return crypto::Sha256Hex(text); });
  auto summary = json::InspectOwnedDeployment(text);
  std::string digest = hash.get();
  if (!summary) return Fail(std::move(summary).error());
  return CheckedText{std::move(digest), *summary};
}

using storage::UpdateRecord;
using storage::UpdateStatus;

Error NotInProgress() { return Error::Conflict("The update is not in progress"); }

Error UpdateNotFound(std::string_view id) {
  return Error::NotFound(fmt::format("Update '{}' not found", id));
}

bool IsLowerHex64(std::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

// A lost compare-and-set (the update's status changed between reading and
// ending it) is retried this many times, re-reading the status each time.
constexpr int kEndAttempts = 3;

Error StackConflict(const auth::Access& access, std::string_view message) {
  return Error::Conflict(fmt::format("Conflict: {} ({}/{}/{})", message, access.stack->org_name,
                                     access.stack->project, access.stack->name));
}

}  // namespace

std::string StatusText(const UpdateRecord& update, int64_t now) {
  switch (update.status) {
    case UpdateStatus::kNotStarted:
      return "not started";
    case UpdateStatus::kRunning:
      return update.lease_expires > now ? "running" : "failed";
    case UpdateStatus::kSucceeded:
      return "succeeded";
    case UpdateStatus::kFailed:
      return "failed";
    case UpdateStatus::kCancelled:
      return "cancelled";
  }
  return "failed";
}

std::string ResultText(const UpdateRecord& update, int64_t now) {
  switch (update.status) {
    case UpdateStatus::kNotStarted:
      return "not-started";
    case UpdateStatus::kRunning:
      return update.lease_expires > now ? "in-progress" : "failed";
    case UpdateStatus::kSucceeded:
      return "succeeded";
    case UpdateStatus::kFailed:
    case UpdateStatus::kCancelled:
      return "failed";
  }
  return "failed";
}

events::DomainEvent UpdateService::UpdateEvent(const auth::Access& access, std::string kind,
                                               const UpdateRecord& update) const {
  events::DomainEvent event = auth::NewEvent(access, std::move(kind), clock_.NowSeconds());
  event.fields = {{"updateID", update.id},
                  {"kind", update.kind},
                  {"dryRun", update.dry_run ? "true" : "false"},
                  {"version", std::to_string(update.version)}};
  return event;
}

Result<void> UpdateService::PublishEnd(const auth::Access& access, const UpdateRecord& update) {
  if (update.status == UpdateStatus::kCancelled) {
    return events_.Publish(UpdateEvent(access, "stack-update-canceled", update));
  }
  events::DomainEvent event = UpdateEvent(access, "stack-update-completed", update);
  event.fields["result"] = update.status == UpdateStatus::kSucceeded ? "succeeded" : "failed";
  SH_ASSIGN_OR_RETURN(auto records, store_.GetResourceChanges({update.id}));
  if (auto it = records.find(update.id); it != records.end()) {
    boost::json::object changes;
    for (const auto& [op, count] : engine_events::ResourceChanges(it->second)) changes[op] = count;
    event.fields["resourceChanges"] = json::Serialize(changes);
  }
  return events_.Publish(event);
}

Result<std::string> UpdateService::Create(const auth::Access& access,
                                          const CreateUpdateInput& input) {
  UpdateRecord update;
  update.id = random_.Uuid();
  update.stack_id = access.stack->id;
  update.kind = input.kind;
  update.dry_run = input.dry_run || input.kind == "preview";
  update.message = input.message;
  update.environment_json = input.environment_json;
  update.config_json = input.config_json;
  update.requested_by = access.principal.user.id;
  update.requested_by_login = access.principal.user.login;
  update.requested_by_name = access.principal.user.name;
  update.created = clock_.NowSeconds();
  SH_TRY(store_.CreateUpdate(update));
  return update.id;
}

Result<UpdateRecord> UpdateService::Get(const auth::Access& access, const std::string& update_id) {
  auto update = store_.GetUpdate(update_id);
  if (!update) {
    if (update.error().code == ErrorCode::kNotFound) return Fail(UpdateNotFound(update_id));
    return Fail(std::move(update).error());
  }
  if (update->stack_id != access.stack->id) return Fail(UpdateNotFound(update_id));
  return std::move(*update);
}

Result<LeaseGrant> UpdateService::Start(
    const auth::Access& access, const std::string& update_id,
    const std::optional<std::map<std::string, std::string>>& tags, int64_t journal_version) {
  SH_ASSIGN_OR_RETURN(auto update, Get(access, update_id));
  if (!MayStart(update.status)) {
    return Fail(StackConflict(access, "The update has already been started"));
  }
  if (tags) {
    for (const auto& [name, value] : *tags) {
      if (!names::IsValidTagName(name) || !names::IsValidTagValue(value)) {
        return Fail(Error::InvalidArgument(fmt::format("Invalid tag '{}'", name.substr(0, 64))));
      }
    }
    auto project_tag = tags->find("pulumi:project");
    if (project_tag != tags->end() && project_tag->second != access.stack->project) {
      return Fail(Error::InvalidArgument("Cannot change project's name via the pulumi:project tag"));
    }
  }
  LeaseGrant grant;
  grant.token = random_.Hex(32);
  const std::string lease_hash = crypto::Sha256Hex(grant.token);
  const int64_t now = clock_.NowSeconds();
  grant.expires = now + kLeaseSeconds;
  std::string lapsed_journal;
  auto started = storage::InTransaction<UpdateRecord>(store_, [&]() -> Result<UpdateRecord> {
    lapsed_journal.clear();
    SH_TRY(FinalizeLapsedJournal(*access.stack, update.id, now, &lapsed_journal));
    SH_ASSIGN_OR_RETURN(auto record, store_.StartUpdate(update.id, lease_hash, grant.expires, now));
    if (tags) SH_TRY(store_.ReplaceTags(access.stack->id, *tags));
    SH_TRY(events_.Publish(UpdateEvent(access, "stack-update-started", record)));
    return record;
  });
  if (!started) {
    if (started.error().code == ErrorCode::kConflict) {
      return Fail(StackConflict(access, started.error().message));
    }
    return Fail(std::move(started).error());
  }
  if (!lapsed_journal.empty()) CompactJournal(lapsed_journal);
  grant.version = started->version;
  grant.journal_version = journaling_ && journal_version >= 1 && !started->dry_run ? 1 : 0;
  return grant;
}

Result<LeaseGrant> UpdateService::RenewLease(const auth::Access& access, int64_t duration) {
  if (duration < 0 || duration > kLeaseSeconds) {
    return Fail(Error::InvalidArgument("Renewal duration must be between 0 and 300 seconds"));
  }
  LeaseGrant grant;
  grant.token = random_.Hex(32);
  grant.expires = clock_.NowSeconds() + (duration == 0 ? kLeaseSeconds : duration);
  SH_TRY(store_.RenewLease(access.update_id, crypto::Sha256Hex(grant.token), grant.expires));
  return grant;
}

Result<void> UpdateService::Complete(const auth::Access& access, std::string_view status) {
  UpdateStatus target;
  if (status == "succeeded") {
    target = UpdateStatus::kSucceeded;
  } else if (status == "failed") {
    target = UpdateStatus::kFailed;
  } else if (status == "cancelled") {
    target = UpdateStatus::kCancelled;
  } else {
    return Fail(Error::InvalidArgument(
        "Invalid field 'status': must be 'succeeded', 'failed' or 'cancelled'"));
  }
  bool journaled = false;
  SH_TRY(store_.RunInTransaction([&]() -> Result<void> {
    SH_ASSIGN_OR_RETURN(auto ended, End(access.update_id, target, &journaled));
    if (!ended) return {};  // a repeated completion
    return PublishEnd(access, *ended);
  }));
  ForgetText(access.update_id);
  if (journaled) CompactJournal(access.update_id);
  return {};
}

Result<void> UpdateService::Cancel(const auth::Access& access, const std::string& update_id) {
  bool journaled = false;
  SH_TRY(store_.RunInTransaction([&]() -> Result<void> {
    SH_ASSIGN_OR_RETURN(auto update, Get(access, update_id));
    SH_ASSIGN_OR_RETURN(auto ended, End(update.id, UpdateStatus::kCancelled, &journaled));
    if (!ended) return {};  // already cancelled
    return PublishEnd(access, *ended);
  }));
  ForgetText(update_id);
  if (journaled) CompactJournal(update_id);
  return {};
}

Result<std::optional<UpdateRecord>> UpdateService::End(const std::string& update_id,
                                                       UpdateStatus target, bool* journaled) {
  for (int attempt = 1;; ++attempt) {
    if (journaled != nullptr) *journaled = false;
    SH_ASSIGN_OR_RETURN(auto before, store_.GetUpdate(update_id));
    switch (EndingOf(before.status, target)) {
      case Ending::kAlready:
        return std::optional<UpdateRecord>();
      case Ending::kForbidden:
        return Fail(NotInProgress());
      case Ending::kAllowed:
        break;
    }
    if (before.status == UpdateStatus::kRunning && !before.dry_run && !before.has_checkpoint) {
      // A journaled update's replay becomes its final checkpoint (§6.3).
      SH_ASSIGN_OR_RETURN(auto replayed, ReplayJournal(before));
      if (replayed) {
        SH_TRY(store_.PutCheckpoint(update_id, before.last_sequence, before.last_sequence, "",
                                    replayed->text, replayed->resource_count));
        if (journaled != nullptr) *journaled = true;
      }
    }
    auto after = store_.FinishUpdate(update_id, before.status, target, clock_.NowSeconds());
    if (!after && after.error().code == ErrorCode::kConflict && attempt < kEndAttempts) continue;
    if (!after) return Fail(std::move(after).error());
    return std::optional<UpdateRecord>(std::move(*after));
  }
}

Result<UpdateRecord> UpdateService::LoadForCheckpoint(const auth::Access& access) {
  SH_ASSIGN_OR_RETURN(auto update, store_.GetUpdate(access.update_id));
  if (update.dry_run) return Fail(Error::InvalidArgument("A preview does not take checkpoints"));
  if (update.status != UpdateStatus::kRunning) return Fail(NotInProgress());
  SH_ASSIGN_OR_RETURN(const auto journaled,
                      store_.ReadJournalTail(update.id, std::numeric_limits<int64_t>::max()));
  if (journaled.count > 0) {
    return Fail(Error::Conflict("The update is journaled: it takes no checkpoints"));
  }
  return update;
}

Result<void> UpdateService::PatchJournalEntries(const auth::Access& access,
                                                std::string_view body) {
  SH_ASSIGN_OR_RETURN(auto update, store_.GetUpdate(access.update_id));
  if (update.dry_run) return Fail(Error::Conflict("A preview does not take journal entries"));
  if (update.status != UpdateStatus::kRunning) return Fail(NotInProgress());
  if (update.has_checkpoint) {
    return Fail(Error::Conflict("The update takes checkpoints, not journal entries"));
  }
  SH_ASSIGN_OR_RETURN(auto entries, journal::ParseBatch(body));
  if (entries.size() > kMaxJournalBatchEntries) {
    return Fail(Error{ErrorCode::kPayloadTooLarge,
                      fmt::format("Too many journal entries in one request ({}, at most {})",
                                  entries.size(), kMaxJournalBatchEntries),
                      {}});
  }
  std::vector<storage::NewJournalEntry> rows;
  rows.reserve(entries.size());
  for (const journal::Entry& entry : entries) rows.push_back({entry.sequence_id, entry.raw});
  SH_ASSIGN_OR_RETURN(const int64_t stored, store_.AppendJournalEntries(update.id, rows));
  folds_.Acknowledged(update.id, entries, stored);
  return {};
}

void UpdateService::CompactJournal(const std::string& update_id) {
  folds_.Forget(update_id);
  // The final version is committed; the entries are only a copy of it now.
  (void)store_.DeleteJournalEntries(update_id);
}

Result<void> UpdateService::FinalizeLapsedJournal(const storage::StackRecord& stack,
                                                  const std::string& starting, int64_t now,
                                                  std::string* finalised) {
  if (stack.active_update.empty() || stack.active_update == starting) return {};
  auto lapsed = store_.GetUpdate(stack.active_update);
  if (!lapsed) {
    if (lapsed.error().code == ErrorCode::kNotFound) return {};
    return Fail(std::move(lapsed).error());
  }
  if (lapsed->stack_id != stack.id || lapsed->status != UpdateStatus::kRunning ||
      lapsed->lease_expires > now || lapsed->dry_run || lapsed->has_checkpoint) {
    return {};
  }
  SH_ASSIGN_OR_RETURN(auto replayed, ReplayJournal(*lapsed));
  if (!replayed) return {};
  SH_TRY(store_.PutCheckpoint(lapsed->id, lapsed->last_sequence, lapsed->last_sequence, "",
                              replayed->text, replayed->resource_count));
  *finalised = lapsed->id;
  return {};
}

Result<std::optional<UpdateService::Replayed>> UpdateService::ReplayJournal(
    const UpdateRecord& update) {
  using Out = std::optional<Replayed>;
  journal::ManifestInfo manifest{json::Rfc3339(clock_.NowSeconds()), "v3.0.0-statehouse"};
  boost::system::error_code ec;
  boost::json::value environment = boost::json::parse(update.environment_json, ec);
  if (!ec && environment.is_object()) {
    if (const auto* v = environment.as_object().if_contains("pulumi.version");
        v != nullptr && v->is_string() && !v->as_string().empty()) {
      manifest.version = std::string(v->as_string());
    }
  }
  // The base: the stack's current deployment, unchanged while the update runs.
  auto base = [&]() -> Result<std::string> {
    SH_ASSIGN_OR_RETURN(auto text, store_.GetCurrentState(update.stack_id));
    return text ? std::move(*text) : std::string(kEmptyDeployment);
  };
  SH_ASSIGN_OR_RETURN(auto materialized, folds_.Materialize(update.id, base, manifest));
  if (!materialized) return Out();
  return Out(Replayed{std::move(materialized->untyped), materialized->resource_count});
}

Result<void> UpdateService::PatchCheckpoint(const auth::Access& access, std::string_view body) {
  SH_ASSIGN_OR_RETURN(auto update, LoadForCheckpoint(access));
  SH_ASSIGN_OR_RETURN(auto request, ParseCheckpointRequest(body));
  if (!request.deployment) {
    return Fail(Error::InvalidArgument("Invalid field 'deployment': expected an object"));
  }
  const int64_t version = request.version.value_or(3);
  std::string text;
  text.reserve(request.deployment->size() + (request.features ? request.features->size() : 0) + 64);
  text.append(fmt::format("{{\"version\":{}", version));
  if (request.features) text.append(",\"features\":").append(*request.features);
  text.append(",\"deployment\":").append(*request.deployment).append("}");
  SH_ASSIGN_OR_RETURN(auto summary, json::InspectUntypedDeployment(text));
  return store_.PutCheckpoint(update.id, update.last_sequence, update.last_sequence, "", text,
                              summary.resource_count);
}

Result<void> UpdateService::PatchVerbatim(const auth::Access& access, std::string_view body) {
  SH_ASSIGN_OR_RETURN(auto update, LoadForCheckpoint(access));
  SH_ASSIGN_OR_RETURN(auto request, ParseCheckpointRequest(body));
  if (!request.untyped_deployment) {
    return Fail(Error::InvalidArgument("Invalid field 'untypedDeployment': expected an object"));
  }
  if (!request.sequence_number || *request.sequence_number < 1) {
    return Fail(Error::InvalidArgument("Invalid field 'sequenceNumber': must be a positive integer"));
  }
  const int64_t sequence = *request.sequence_number;
  if (sequence < update.last_sequence) {
    return Fail(Error::Conflict(fmt::format(
        "Checkpoint sequence number {} is older than the last accepted one ({})", sequence,
        update.last_sequence)));
  }
  std::string text;
  text.reserve(request.untyped_deployment->size() + json::kDeploymentPadding);
  text.append(*request.untyped_deployment);
  SH_ASSIGN_OR_RETURN(auto checked, HashAndInspect(text));
  SH_TRY(store_.PutCheckpoint(update.id, update.last_sequence, sequence, checked.hash, text,
                              checked.summary.resource_count));
  RememberText(update.id, sequence, checked.hash,
               std::make_shared<const std::string>(std::move(text)));
  return {};
}

Result<void> UpdateService::PatchDelta(const auth::Access& access, std::string_view body) {
  SH_ASSIGN_OR_RETURN(auto update, LoadForCheckpoint(access));
  SH_ASSIGN_OR_RETURN(auto request, ParseCheckpointRequest(body));
  if (!request.checkpoint_hash || !IsLowerHex64(*request.checkpoint_hash)) {
    return Fail(Error::InvalidArgument(
        "Invalid field 'checkpointHash': expected 64 lower-case hex digits"));
  }
  if (!request.sequence_number || *request.sequence_number < 1) {
    return Fail(Error::InvalidArgument("Invalid field 'sequenceNumber': must be a positive integer"));
  }
  if (!request.deployment_delta) {
    return Fail(Error::InvalidArgument("Invalid field 'deploymentDelta': expected an array"));
  }
  const int64_t sequence = *request.sequence_number;
  const std::string& hash = *request.checkpoint_hash;
  if (sequence == update.last_sequence && hash == update.last_hash) return {};  // a retry
  if (!update.has_checkpoint) {
    return Fail(Error::Conflict("No baseline checkpoint to apply a delta to"));
  }
  if (sequence <= update.last_sequence) {
    return Fail(Error::Conflict(fmt::format(
        "Checkpoint sequence number {} is not after the last accepted one ({})", sequence,
        update.last_sequence)));
  }
  SH_ASSIGN_OR_RETURN(auto edits, deployment::ParseDeploymentDelta(*request.deployment_delta));
  std::shared_ptr<const std::string> baseline = CachedBaseline(update);
  if (!baseline) {
    SH_ASSIGN_OR_RETURN(auto stored, store_.GetCheckpoint(update.id));
    if (!stored) return Fail(Error::Conflict("No baseline checkpoint to apply a delta to"));
    baseline = std::make_shared<const std::string>(std::move(*stored));
  }
  SH_ASSIGN_OR_RETURN(auto text, deployment::ApplyTextEdits(*baseline, edits));
  baseline.reset();
  SH_ASSIGN_OR_RETURN(auto checked, HashAndInspect(text));
  if (checked.hash != hash) {
    return Fail(Error::InvalidArgument(
        "checkpointHash does not match the deployment produced by the delta"));
  }
  SH_TRY(store_.AppendCheckpointDelta(update.id, update.last_sequence, sequence, hash,
                                      std::string(*request.deployment_delta),
                                      checked.summary.resource_count));
  // Acknowledged (durable); folding the log into a new base is left to the
  // compactor, so this request never waits for a rewrite of the whole text.
  auto shared = std::make_shared<const std::string>(std::move(text));
  RememberText(update.id, sequence, hash, shared);
  if (ShouldCompact(policy_, update, request.deployment_delta->size())) {
    compactor_.Schedule(update.id, sequence, std::move(shared),
                        ShouldCompact(policy_, update, request.deployment_delta->size(),
                                      policy_.urgent_factor));
  }
  return {};
}

std::shared_ptr<const std::string> UpdateService::CachedBaseline(
    const storage::UpdateRecord& update) {
  std::lock_guard lock(cache_mu_);
  auto it = cache_.find(update.id);
  if (it == cache_.end()) return nullptr;
  if (it->second.sequence != update.last_sequence || it->second.hash != update.last_hash ||
      update.last_hash.empty()) {
    cache_.erase(it);
    return nullptr;
  }
  return it->second.text;
}

void UpdateService::RememberText(const std::string& update_id, int64_t sequence,
                                 const std::string& hash, std::shared_ptr<const std::string> text) {
  std::shared_ptr<const std::string> shared = std::move(text);
  std::lock_guard lock(cache_mu_);
  if (cache_.size() >= kCachedTexts && !cache_.contains(update_id)) {
    auto oldest = cache_.begin();
    for (auto it = cache_.begin(); it != cache_.end(); ++it) {
      if (it->second.stamp < oldest->second.stamp) oldest = it;
    }
    cache_.erase(oldest);
  }
  cache_[update_id] = CachedText{sequence, hash, std::move(shared), ++cache_stamp_};
}

void UpdateService::ForgetText(const std::string& update_id) {
  std::lock_guard lock(cache_mu_);
  cache_.erase(update_id);
}

Result<std::string> UpdateService::Import(const auth::Access& access, std::string_view body) {
  std::string text(body);
  SH_ASSIGN_OR_RETURN(auto summary, json::InspectUntypedDeployment(text));
  // Export must answer a version the CLI reads (schema versions 1 to 4).
  if (summary.version > 4) {
    return Fail(Error::InvalidArgument(fmt::format(
        "Invalid deployment: unsupported 'version' {} (at most 4)", summary.version)));
  }
  SH_ASSIGN_OR_RETURN(auto recorded,
                      RecordState(access, "", [&]() -> Result<std::pair<std::string, int64_t>> {
                        return std::pair{std::move(text), summary.resource_count};
                      }));
  return recorded.id;
}

Result<UpdateRecord> UpdateService::Rollback(const auth::Access& access, int64_t version) {
  const storage::StackRecord& stack = *access.stack;
  if (version < 1 || version > stack.version) {
    return Fail(Error::NotFound(fmt::format("Version {} of stack '{}/{}/{}' not found", version,
                                            stack.org_name, stack.project, stack.name)));
  }
  return RecordState(
      access, fmt::format("Rollback to version {}", version),
      [&]() -> Result<std::pair<std::string, int64_t>> {
        SH_ASSIGN_OR_RETURN(auto state, store_.GetStateAtVersion(stack.id, version));
        if (!state) state = std::string(kEmptyDeployment);
        SH_ASSIGN_OR_RETURN(auto summary, json::InspectUntypedDeployment(*state));
        return std::pair{std::move(*state), summary.resource_count};
      },
      version);
}

Result<UpdateRecord> UpdateService::RecordState(
    const auth::Access& access, std::string message,
    const std::function<Result<std::pair<std::string, int64_t>>()>& read_state,
    std::optional<int64_t> rolled_back_to) {
  UpdateRecord update;
  update.id = random_.Uuid();
  update.stack_id = access.stack->id;
  update.kind = "import";
  update.message = std::move(message);
  if (rolled_back_to) {
    update.environment_json = boost::json::serialize(
        boost::json::object{{"statehouse.rollbackToVersion", std::to_string(*rolled_back_to)}});
  }
  update.requested_by = access.principal.user.id;
  update.requested_by_login = access.principal.user.login;
  update.requested_by_name = access.principal.user.name;
  update.created = clock_.NowSeconds();
  // The lease is never handed out: the update ends within this call.
  const std::string lease_hash = crypto::Sha256Hex(random_.Hex(32));
  UpdateRecord finished;
  auto recorded = store_.RunInTransaction([&]() -> Result<void> {
    const int64_t now = clock_.NowSeconds();
    SH_TRY(store_.CreateUpdate(update));
    SH_ASSIGN_OR_RETURN(auto started,
                        store_.StartUpdate(update.id, lease_hash, now + kLeaseSeconds, now));
    SH_TRY(events_.Publish(UpdateEvent(access, "stack-update-started", started)));
    // Read after the start: no checkpoint of another update can land now.
    SH_ASSIGN_OR_RETURN(auto state, read_state());
    SH_TRY(store_.PutCheckpoint(update.id, 0, 0, "", state.first, state.second));
    SH_ASSIGN_OR_RETURN(finished, store_.FinishUpdate(update.id, UpdateStatus::kRunning,
                                                      UpdateStatus::kSucceeded, now));
    SH_TRY(PublishEnd(access, finished));
    events::DomainEvent event =
        auth::NewEvent(access, rolled_back_to ? "stack-rolled-back" : "stack-imported", now);
    event.fields = {{"version", std::to_string(finished.version)}};
    if (rolled_back_to) event.fields["fromVersion"] = std::to_string(*rolled_back_to);
    return events_.Publish(event);
  });
  if (!recorded) {
    if (recorded.error().code == ErrorCode::kConflict) {
      return Fail(StackConflict(access, recorded.error().message));
    }
    return Fail(std::move(recorded).error());
  }
  return finished;
}

Result<std::string> UpdateService::Export(const auth::Access& access,
                                          std::optional<int64_t> version) {
  const storage::StackRecord& stack = *access.stack;
  std::optional<std::string> state;
  if (!version) {
    // A running journaled update: the replay of what it stored so far (§6.2).
    if (!stack.active_update.empty()) {
      auto running = store_.GetUpdate(stack.active_update);
      if (!running && running.error().code != ErrorCode::kNotFound) {
        return Fail(std::move(running).error());
      }
      if (running && running->stack_id == stack.id &&
          running->status == UpdateStatus::kRunning && !running->dry_run &&
          !running->has_checkpoint) {
        SH_ASSIGN_OR_RETURN(auto replayed, ReplayJournal(*running));
        if (replayed) state = std::move(replayed->text);
      }
    }
    if (!state) {
      SH_ASSIGN_OR_RETURN(state, store_.GetCurrentState(stack.id));
    }
  } else {
    if (*version < 1 || *version > stack.version) {
      return Fail(Error::NotFound(fmt::format("Version {} of stack '{}/{}/{}' not found", *version,
                                              stack.org_name, stack.project, stack.name)));
    }
    SH_ASSIGN_OR_RETURN(state, store_.GetStateAtVersion(stack.id, *version));
  }
  events::DomainEvent event = auth::NewEvent(access, "stack-exported", clock_.NowSeconds());
  event.fields = {{"version", version ? std::to_string(*version) : std::string("latest")}};
  SH_TRY(store_.RunInTransaction([&]() { return events_.Publish(event); }));
  if (!state) return std::string(kEmptyDeployment);
  return std::move(*state);
}

Result<HistoryPage> UpdateService::History(const auth::Access& access, int64_t page,
                                           int64_t page_size) {
  if (page < 0) return Fail(Error::InvalidArgument("Invalid 'page' value."));
  if (page_size < 0) return Fail(Error::InvalidArgument("Invalid 'pageSize' value."));
  HistoryPage out;
  storage::UpdateHistoryPage stored;
  if (page == 0) {
    SH_ASSIGN_OR_RETURN(stored, store_.ListHistory(access.stack->id, 0, -1));
    out.items_per_page = static_cast<int64_t>(stored.updates.size());
  } else {
    if (page > (int64_t{1} << 40) / std::max<int64_t>(page_size, 1)) {
      return Fail(Error::InvalidArgument("Invalid 'page' value."));
    }
    SH_ASSIGN_OR_RETURN(stored, store_.ListHistory(access.stack->id, (page - 1) * page_size,
                                                   page_size));
    out.items_per_page = page_size;
  }
  out.updates = std::move(stored.updates);
  out.total = stored.total;
  return out;
}

Result<HistoryPage> UpdateService::Previews(const auth::Access& access,
                                            std::optional<int64_t> version, bool ascending,
                                            int64_t page, int64_t page_size) {
  const storage::StackRecord& stack = *access.stack;
  if (page < 0) return Fail(Error::InvalidArgument("Invalid 'page' value. Must be >= 0."));
  if (page == 0 && page_size != 0) {
    return Fail(
        Error::InvalidArgument("Invalid 'pageSize' value. Must be 0 or unset when 'page' is 0."));
  }
  if (page > 0 && page_size < 1) {
    return Fail(Error::InvalidArgument("Invalid 'pageSize' value. Must be >= 1."));
  }
  if (page > (int64_t{1} << 40) / std::max<int64_t>(page_size, 1)) {
    return Fail(Error::InvalidArgument("Invalid 'page' value."));
  }
  const int64_t at = version.value_or(stack.version);
  if (at < 0 || at > stack.version) {
    return Fail(Error::NotFound(fmt::format("Version {} of stack '{}/{}/{}' not found", at,
                                            stack.org_name, stack.project, stack.name)));
  }
  HistoryPage out;
  storage::UpdateHistoryPage stored;
  if (page == 0) {
    SH_ASSIGN_OR_RETURN(stored, store_.ListPreviews(stack.id, at, ascending, 0, -1));
    out.items_per_page = static_cast<int64_t>(stored.updates.size());
  } else {
    SH_ASSIGN_OR_RETURN(
        stored, store_.ListPreviews(stack.id, at, ascending, (page - 1) * page_size, page_size));
    out.items_per_page = page_size;
  }
  out.updates = std::move(stored.updates);
  out.total = stored.total;
  return out;
}

Result<UpdateRecord> UpdateService::HistoryEntry(const auth::Access& access,
                                                 std::optional<int64_t> version) {
  if (version) return store_.GetHistoryEntry(access.stack->id, *version);
  SH_ASSIGN_OR_RETURN(auto page, store_.ListHistory(access.stack->id, 0, 1));
  if (page.updates.empty()) return Fail(Error::NotFound("No updates found for this stack"));
  return std::move(page.updates.front());
}

Result<std::optional<storage::ActiveUpdateRecord>> UpdateService::RunningOperation(
    const storage::StackRecord& stack) {
  using Running = std::optional<storage::ActiveUpdateRecord>;
  if (stack.active_update.empty()) return Running();
  storage::ActiveUpdateRecord active;
  if (stack.active) {
    active = *stack.active;
  } else {
    auto update = store_.GetUpdate(stack.active_update);
    if (!update) {
      if (update.error().code == ErrorCode::kNotFound) return Running();
      return Fail(std::move(update).error());
    }
    active = storage::ActiveUpdateRecord{update->kind,         update->dry_run,
                                         update->status == UpdateStatus::kRunning,
                                         update->lease_expires, update->started,
                                         update->requested_by_login};
  }
  if (!active.running || active.lease_expires <= clock_.NowSeconds()) return Running();
  return Running(std::move(active));
}

}  // namespace statehouse::updates
