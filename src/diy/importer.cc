#include "diy/importer.h"

#include <fmt/format.h>

#include "common/names.h"
#include "crypto/crypto.h"
#include "diy/backend_files.h"
#include "json/deployment.h"

namespace statehouse::diy {

namespace {

using storage::UpdateRecord;
using storage::UpdateStatus;

// One version to create: its record (kind, times, …) and state.
struct PlannedVersion {
  HistoryRecord record;
  std::optional<std::string> state;  // nullopt: the operation left no state file
  int64_t resource_count = 0;
};

struct PlannedStack {
  std::string project;
  std::string name;
  std::map<std::string, std::string> tags;
  std::vector<PlannedVersion> versions;
  int64_t resources = 0;
};

std::string ApiKind(const std::string& kind) {
  for (std::string_view known : {"update", "refresh", "destroy", "import", "rename"}) {
    if (kind == known) return kind;
  }
  return "update";
}

Result<PlannedStack> Plan(const StackFiles& files, const ImportOptions& options, int64_t now) {
  PlannedStack plan;
  plan.name = files.name;
  SH_ASSIGN_OR_RETURN(auto stack_text, ReadBackendFile(files.stack_file));
  SH_ASSIGN_OR_RETURN(auto current, UntypedDeploymentOf(stack_text));
  stack_text.clear();
  plan.project = files.project;
  for (const HistoryFiles& entry : files.history) {
    SH_ASSIGN_OR_RETURN(auto history_text, ReadBackendFile(entry.history));
    PlannedVersion version;
    SH_ASSIGN_OR_RETURN(version.record, ParseHistoryRecord(history_text));
    if (version.record.kind == "preview") continue;
    if (entry.checkpoint) {
      SH_ASSIGN_OR_RETURN(auto checkpoint_text, ReadBackendFile(*entry.checkpoint));
      SH_ASSIGN_OR_RETURN(version.state, UntypedDeploymentOf(checkpoint_text));
    }
    plan.versions.push_back(std::move(version));
  }
  // The stack file's state is the current one; add it when history ends elsewhere.
  const std::optional<std::string>* last_state = nullptr;
  for (const PlannedVersion& v : plan.versions) {
    if (v.state) last_state = &v.state;
  }
  if (current && (last_state == nullptr || **last_state != *current)) {
    PlannedVersion imported;
    imported.record.kind = "import";
    imported.record.result = "succeeded";
    imported.record.message = "Imported from a DIY backend";
    std::error_code ec;
    auto written = std::filesystem::last_write_time(files.stack_file, ec);
    const int64_t when =
        ec ? now
           : std::chrono::duration_cast<std::chrono::seconds>(
                 std::chrono::file_clock::to_sys(written).time_since_epoch())
                 .count();
    imported.record.start_time = imported.record.end_time = when;
    imported.state = current;
    plan.versions.push_back(std::move(imported));
  }
  for (PlannedVersion& v : plan.versions) {
    if (!v.state) continue;
    SH_ASSIGN_OR_RETURN(auto summary, json::InspectUntypedDeployment(*v.state));
    if (summary.version > 4) {
      return Fail(Error::InvalidArgument(
          fmt::format("unsupported deployment version {} (at most 4)", summary.version)));
    }
    v.resource_count = summary.resource_count;
    plan.resources = summary.resource_count;
  }
  if (plan.project.empty() && current) plan.project = ProjectOfDeployment(*current);
  if (plan.project.empty()) plan.project = options.default_project;
  if (plan.project.empty()) {
    return Fail(Error::InvalidArgument(
        "its state names no project (legacy layout, no resources): pass --project"));
  }
  if (!names::IsValidProjectName(plan.project)) {
    return Fail(Error::InvalidArgument(fmt::format("invalid project name '{}'", plan.project)));
  }
  if (files.tags_file) {
    SH_ASSIGN_OR_RETURN(auto tags_text, ReadBackendFile(*files.tags_file));
    SH_ASSIGN_OR_RETURN(plan.tags, ParseTagsFile(tags_text));
  }
  plan.tags["pulumi:project"] = plan.project;
  return plan;
}

}  // namespace

Result<ImportSummary> Importer::Import(const ImportOptions& options) {
  SH_ASSIGN_OR_RETURN(auto org, store_.GetOrgByName(options.org));
  SH_ASSIGN_OR_RETURN(auto user, store_.GetUserByLogin(options.user));
  SH_ASSIGN_OR_RETURN(auto stacks, ListStacks(options.from));
  ImportSummary summary;
  for (const StackFiles& files : stacks) {
    StackOutcome outcome;
    outcome.project = files.project;
    outcome.name = files.name;
    auto planned = Plan(files, options, clock_.NowSeconds());
    if (!planned) {
      outcome.reason = planned.error().message;
      ++summary.skipped;
      summary.stacks.push_back(std::move(outcome));
      continue;
    }
    PlannedStack& plan = *planned;
    outcome.project = plan.project;
    outcome.versions = static_cast<int64_t>(plan.versions.size());
    outcome.resources = plan.resources;
    auto existing = store_.GetStack(org.name, plan.project, plan.name);
    if (existing) {
      outcome.result = StackOutcome::Result::kExists;
      ++summary.existing;
      summary.stacks.push_back(std::move(outcome));
      continue;
    }
    if (existing.error().code != ErrorCode::kNotFound) return Fail(std::move(existing).error());
    if (options.dry_run) {
      outcome.result = StackOutcome::Result::kWouldImport;
      ++summary.imported;
      summary.versions += outcome.versions;
      summary.stacks.push_back(std::move(outcome));
      continue;
    }

    storage::StackRecord stack;
    stack.id = random_.Uuid();
    stack.org_id = org.id;
    stack.org_name = org.name;
    stack.project = plan.project;
    stack.name = plan.name;
    stack.created_by = user.id;
    stack.created = plan.versions.empty() ? clock_.NowSeconds()
                                          : std::min(plan.versions.front().record.start_time,
                                                     clock_.NowSeconds());
    stack.tags = plan.tags;
    auto imported = store_.RunInTransaction([&]() -> Result<void> {
      SH_TRY(store_.CreateStack(stack, std::nullopt));
      for (const PlannedVersion& v : plan.versions) {
        UpdateRecord update;
        update.id = random_.Uuid();
        update.stack_id = stack.id;
        update.kind = ApiKind(v.record.kind);
        update.message = v.record.message;
        update.environment_json = v.record.environment_json;
        update.config_json = v.record.config_json;
        update.requested_by = user.id;
        update.requested_by_login = user.login;
        update.requested_by_name = user.name;
        update.created = v.record.start_time;
        const std::string lease_hash = crypto::Sha256Hex(random_.Hex(32));
        SH_TRY(store_.CreateUpdate(update));
        SH_TRY(store_.StartUpdate(update.id, lease_hash, v.record.start_time + 1,
                                  v.record.start_time));
        if (v.state) SH_TRY(store_.PutCheckpoint(update.id, 0, 0, "", *v.state, v.resource_count));
        const UpdateStatus end =
            v.record.result == "succeeded" ? UpdateStatus::kSucceeded : UpdateStatus::kFailed;
        SH_TRY(store_.FinishUpdate(update.id, UpdateStatus::kRunning, end,
                                   std::max(v.record.end_time, v.record.start_time)));
      }
      return {};
    });
    if (!imported) {
      outcome.reason = imported.error().message;
      ++summary.skipped;
    } else {
      outcome.result = StackOutcome::Result::kImported;
      ++summary.imported;
      summary.versions += outcome.versions;
    }
    summary.stacks.push_back(std::move(outcome));
  }
  return summary;
}

std::string ImportSummary::Render(const std::string& org, bool dry_run) const {
  std::string out;
  for (const StackOutcome& s : stacks) {
    const std::string name = fmt::format("{}/{}/{}", org, s.project.empty() ? "?" : s.project, s.name);
    switch (s.result) {
      case StackOutcome::Result::kImported:
      case StackOutcome::Result::kWouldImport:
        out += fmt::format("{} {}: {} versions, {} resources\n",
                           dry_run ? "would import" : "imported", name, s.versions, s.resources);
        break;
      case StackOutcome::Result::kExists:
        out += fmt::format("exists, left alone: {}\n", name);
        break;
      case StackOutcome::Result::kSkipped:
        out += fmt::format("skipped {}: {}\n", name, s.reason);
        break;
    }
  }
  out += fmt::format("{} stacks {}, {} versions; {} already existed; {} skipped\n", imported,
                     dry_run ? "to import" : "imported", versions, existing, skipped);
  return out;
}

}  // namespace statehouse::diy
