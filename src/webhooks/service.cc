#include "webhooks/service.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/url/parse.hpp>
#include <cctype>

#include "auth/event.h"
#include "common/names.h"
#include "webhooks/model.h"
#include "webhooks/payload.h"
#include "webhooks/signature.h"
#include "webhooks/worker.h"

namespace statehouse::webhooks {

namespace {

constexpr size_t kMaxDisplayNameBytes = 256;
constexpr size_t kMaxUrlBytes = 2048;
constexpr size_t kMaxSecretBytes = 1024;
constexpr int kNameAttempts = 5;

using names::EqualsIgnoreCase;

std::string Clip(std::string_view s) { return std::string(s.substr(0, 100)); }

Result<void> ValidateName(const std::string& name) {
  if (!names::IsValidProjectName(name)) {
    return Fail(Error::InvalidArgument(
        "Invalid field 'name': must be 1-100 characters of letters, digits, '_', '.' or '-'"));
  }
  return {};
}

Result<void> ValidateDisplayName(const std::string& display_name) {
  const bool control = std::any_of(display_name.begin(), display_name.end(), [](char c) {
    return static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
  });
  if (display_name.empty() || display_name.size() > kMaxDisplayNameBytes || control) {
    return Fail(Error::InvalidArgument(
        "Invalid field 'displayName': must be 1-256 bytes without control characters"));
  }
  return {};
}

Result<void> ValidatePayloadUrl(const std::string& url) {
  Error invalid = Error::InvalidArgument(fmt::format(
      "Invalid field 'payloadUrl': '{}' is not an absolute http or https URL with a host",
      Clip(url)));
  if (url.empty() || url.size() > kMaxUrlBytes) return Fail(invalid);
  auto parsed = boost::urls::parse_absolute_uri(url);
  if (!parsed) return Fail(invalid);
  std::string scheme(parsed->scheme());
  std::transform(scheme.begin(), scheme.end(), scheme.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (scheme != "http" && scheme != "https") return Fail(invalid);
  if (!parsed->has_authority() || parsed->encoded_host().empty()) return Fail(invalid);
  return {};
}

Result<void> ValidateFormat(const std::string& format) {
  if (format == kFormatDeployments) {
    return Fail(Error::InvalidArgument(
        "Invalid field 'format': 'pulumi_deployments' is not supported (Statehouse does not run "
        "Pulumi Deployments); use 'raw', 'slack' or 'ms_teams'"));
  }
  if (format != kFormatRaw && format != kFormatSlack && format != kFormatTeams) {
    return Fail(Error::InvalidArgument(fmt::format(
        "Invalid field 'format': '{}' is not one of 'raw', 'slack', 'ms_teams'", Clip(format))));
  }
  return {};
}

std::vector<std::string> Dedupe(const std::vector<std::string>& values) {
  std::vector<std::string> out;
  for (const auto& v : values) {
    if (std::find(out.begin(), out.end(), v) == out.end()) out.push_back(v);
  }
  return out;
}

Result<std::vector<std::string>> ValidateFilters(const std::vector<std::string>& filters,
                                                 bool stack_scope) {
  for (const auto& name : filters) {
    const FilterInfo* filter = FindFilter(name);
    if (filter == nullptr) {
      return Fail(Error::InvalidArgument(
          fmt::format("Invalid field 'filters': unknown event filter '{}'", Clip(name))));
    }
    if (filter->org_only && stack_scope) {
      return Fail(Error::InvalidArgument(fmt::format(
          "Invalid field 'filters': '{}' is only available to organization webhooks", name)));
    }
  }
  return Dedupe(filters);
}

Result<std::vector<std::string>> ValidateGroups(const std::vector<std::string>& groups) {
  for (const auto& group : groups) {
    if (!IsKnownGroup(group)) {
      return Fail(Error::InvalidArgument(fmt::format(
          "Invalid field 'groups': '{}' is not one of 'stacks', 'deployments', 'environments'",
          Clip(group))));
    }
  }
  return Dedupe(groups);
}

Error Missing(std::string_view field) {
  return Error::InvalidArgument(fmt::format("Missing required field '{}'", field));
}

std::string ScopeOrgId(const auth::Access& access) {
  return access.stack ? access.stack->org_id : access.org->id;
}
std::string ScopeStackId(const auth::Access& access) {
  return access.stack ? access.stack->id : std::string();
}
std::string ScopeOrgName(const auth::Access& access) {
  return access.stack ? access.stack->org_name : access.org->name;
}

Error NotFound(const std::string& name) {
  return Error::NotFound(fmt::format("Webhook '{}' not found", Clip(name)));
}

Error Taken(const std::string& name) {
  return Error::AlreadyExists(fmt::format("Webhook '{}' already exists", Clip(name)));
}

}  // namespace

Result<storage::WebhookRecord> WebhookService::Load(const auth::Access& access,
                                                    const std::string& name) {
  auto hook = store_.GetWebhook(ScopeOrgId(access), ScopeStackId(access), name);
  if (!hook && hook.error().code == ErrorCode::kNotFound) return Fail(NotFound(name));
  return hook;
}

Result<void> WebhookService::CheckScopeNames(const auth::Access& access,
                                             const WebhookInput& input) {
  const std::string org_name = ScopeOrgName(access);
  if (input.organization_name && !EqualsIgnoreCase(*input.organization_name, org_name)) {
    return Fail(Error::InvalidArgument(fmt::format(
        "Invalid field 'organizationName': '{}' does not match the organization '{}' of the URL",
        Clip(*input.organization_name), org_name)));
  }
  auto check = [&](const std::optional<std::string>& value, std::string_view field,
                   const std::string& expected) -> Result<void> {
    if (!value || value->empty()) return {};
    if (!access.stack) {
      return Fail(Error::InvalidArgument(fmt::format(
          "Invalid field '{}': only stack webhooks have one; this is an organization webhook",
          field)));
    }
    if (!EqualsIgnoreCase(*value, expected)) {
      return Fail(Error::InvalidArgument(
          fmt::format("Invalid field '{}': '{}' does not match '{}' of the URL", field,
                      Clip(*value), expected)));
    }
    return {};
  };
  SH_TRY(check(input.project_name, "projectName", access.stack ? access.stack->project : ""));
  SH_TRY(check(input.stack_name, "stackName", access.stack ? access.stack->name : ""));
  return {};
}

Result<void> WebhookService::ApplyFields(const auth::Access& access, const WebhookInput& input,
                                         storage::WebhookRecord& hook) {
  if (input.name) {
    SH_TRY(ValidateName(*input.name));
    hook.name = *input.name;
  }
  if (input.display_name) {
    SH_TRY(ValidateDisplayName(*input.display_name));
    hook.display_name = *input.display_name;
  }
  if (input.payload_url) {
    SH_TRY(ValidatePayloadUrl(*input.payload_url));
    hook.payload_url = *input.payload_url;
  }
  if (input.active) hook.active = *input.active;
  if (input.format) {
    SH_TRY(ValidateFormat(*input.format));
    hook.format = *input.format;
  }
  if (input.filters) {
    SH_ASSIGN_OR_RETURN(hook.filters, ValidateFilters(*input.filters, access.stack.has_value()));
  }
  if (input.groups) {
    SH_ASSIGN_OR_RETURN(hook.groups, ValidateGroups(*input.groups));
  }
  if (input.secret) {
    if (input.secret->size() > kMaxSecretBytes) {
      return Fail(Error::InvalidArgument("Invalid field 'secret': at most 1024 bytes"));
    }
    SH_ASSIGN_OR_RETURN(hook.secret_ciphertext,
                        SealSecret(master_key_, hook.id, *input.secret, random_));
  }
  return {};
}

WebhookView WebhookService::View(const auth::Access& access, storage::WebhookRecord hook) const {
  WebhookView view;
  view.org_name = ScopeOrgName(access);
  if (access.stack) {
    view.project = access.stack->project;
    view.stack_name = access.stack->name;
  }
  view.hook = std::move(hook);
  return view;
}

Result<void> WebhookService::Publish(const auth::Access& access, std::string kind,
                                     const storage::WebhookRecord& hook) {
  events::DomainEvent event = auth::NewEvent(access, std::move(kind), clock_.NowSeconds());
  event.target = hook.name;
  event.fields = {{"scope", access.stack ? access.stack->project + "/" + access.stack->name
                                         : std::string("organization")}};
  return events_.Publish(event);
}

Result<WebhookView> WebhookService::Create(const auth::Access& access, const WebhookInput& input) {
  SH_TRY(CheckScopeNames(access, input));
  if (!input.organization_name) return Fail(Missing("organizationName"));
  if (!input.display_name) return Fail(Missing("displayName"));
  if (!input.payload_url) return Fail(Missing("payloadUrl"));
  if (!input.active) return Fail(Missing("active"));
  storage::WebhookRecord hook;
  hook.id = random_.Uuid();
  hook.org_id = ScopeOrgId(access);
  hook.stack_id = ScopeStackId(access);
  hook.format = kFormatRaw;
  hook.created = clock_.NowSeconds();
  SH_TRY(ApplyFields(access, input, hook));

  const bool generated = !input.name.has_value();
  for (int attempt = 0;; ++attempt) {
    if (generated) hook.name = random_.Hex(4);
    auto created = store_.RunInTransaction([&]() -> Result<void> {
      SH_TRY(store_.CreateWebhook(hook));
      return Publish(access, "webhook-created", hook);
    });
    if (created) break;
    if (created.error().code != ErrorCode::kAlreadyExists) return Fail(std::move(created).error());
    if (!generated || attempt + 1 >= kNameAttempts) return Fail(Taken(hook.name));
  }
  return View(access, std::move(hook));
}

Result<std::vector<WebhookView>> WebhookService::List(const auth::Access& access) {
  SH_ASSIGN_OR_RETURN(auto hooks, store_.ListWebhooks(ScopeOrgId(access), ScopeStackId(access)));
  std::vector<WebhookView> views;
  views.reserve(hooks.size());
  for (auto& hook : hooks) views.push_back(View(access, std::move(hook)));
  return views;
}

Result<WebhookView> WebhookService::Get(const auth::Access& access, const std::string& name) {
  SH_ASSIGN_OR_RETURN(auto hook, Load(access, name));
  return View(access, std::move(hook));
}

Result<WebhookView> WebhookService::Update(const auth::Access& access, const std::string& name,
                                           const WebhookInput& input) {
  SH_TRY(CheckScopeNames(access, input));
  storage::WebhookRecord hook;
  auto updated = store_.RunInTransaction([&]() -> Result<void> {
    SH_ASSIGN_OR_RETURN(hook, Load(access, name));
    SH_TRY(ApplyFields(access, input, hook));
    auto stored = store_.UpdateWebhook(hook);
    if (!stored && stored.error().code == ErrorCode::kAlreadyExists) return Fail(Taken(hook.name));
    if (!stored && stored.error().code == ErrorCode::kNotFound) return Fail(NotFound(name));
    SH_TRY(stored);
    return Publish(access, "webhook-updated", hook);
  });
  SH_TRY(updated);
  return View(access, std::move(hook));
}

Result<void> WebhookService::Remove(const auth::Access& access, const std::string& name) {
  return store_.RunInTransaction([&]() -> Result<void> {
    SH_ASSIGN_OR_RETURN(auto hook, Load(access, name));
    auto deleted = store_.DeleteWebhook(hook.id);
    if (!deleted && deleted.error().code == ErrorCode::kNotFound) return Fail(NotFound(name));
    SH_TRY(deleted);
    return Publish(access, "webhook-deleted", hook);
  });
}

Result<storage::WebhookDeliveryRecord> WebhookService::Send(const storage::WebhookRecord& hook,
                                                            std::string_view kind,
                                                            const std::string& payload) {
  Attempt attempt = deliverer_.Deliver(hook, kind, payload, "");
  auto added = store_.AddWebhookDelivery(attempt.record, kKeepDeliveries);
  if (!added && added.error().code == ErrorCode::kNotFound) return Fail(NotFound(hook.name));
  SH_TRY(added);
  return std::move(attempt.record);
}

Result<storage::WebhookDeliveryRecord> WebhookService::Ping(const auth::Access& access,
                                                            const std::string& name) {
  SH_ASSIGN_OR_RETURN(auto hook, Load(access, name));
  return Send(hook, kKindPing, RenderPing(hook.format, clock_.NowSeconds()));
}

Result<std::vector<storage::WebhookDeliveryRecord>> WebhookService::Deliveries(
    const auth::Access& access, const std::string& name) {
  SH_ASSIGN_OR_RETURN(auto hook, Load(access, name));
  return store_.ListWebhookDeliveries(hook.id, kKeepDeliveries);
}

Result<storage::WebhookDeliveryRecord> WebhookService::Redeliver(const auth::Access& access,
                                                                 const std::string& name,
                                                                 const std::string& delivery_id) {
  SH_ASSIGN_OR_RETURN(auto hook, Load(access, name));
  auto original = store_.GetWebhookDelivery(hook.id, delivery_id);
  if (!original && original.error().code == ErrorCode::kNotFound) {
    return Fail(Error::NotFound(
        fmt::format("Delivery '{}' of webhook '{}' not found", Clip(delivery_id), Clip(name))));
  }
  SH_TRY(original);
  return Send(hook, original->kind, original->payload);
}

}  // namespace statehouse::webhooks
