#pragma once

// SqlStore: the one implementation of storage::Store, written once over the
// engine port (storage/engine/engine.h). Each store area lives in its own
// file beside its interface (team_store.h -> team_store.cc, ...), with its
// named queries at the top; the engine adapters (sqlite/, postgres/) and
// their migrations are all that differ between SQLite and PostgreSQL.
//
// Choices where storage::Store leaves room:
//   * deleted tokens are kept (flagged) so their hash stays reserved;
//   * SetTokenLastUsed on an unknown or deleted token does nothing;
//   * ListTokens after an id that is not the user's returns nothing;
//   * ListStacks with no org_ids or a non-positive limit returns nothing, and
//     ignores tag_value without tag_name;
//   * tag methods on an unknown stack id fail with kNotFound;
//   * writes that reference a missing org or user (foreign keys) fail with
//     kInternal.
//
// Case-insensitive comparisons and orderings of logins, org names, projects
// and stack names fold ASCII letters only (sh_fold, SQLite NOCASE); tag names
// and values compare byte for byte.

#include <memory>

#include "storage/access_cache.h"
#include "storage/engine/engine.h"
#include "storage/store.h"

namespace statehouse::storage {

// Read the columns of a record from `first` on: a user's (id, login, name,
// email, site_admin, created), an org's (id, name, created,
// default_stack_permission), a token's (id, user_id, name, description,
// created, last_used, expires).
UserRecord ReadUser(const Rows& rows, int first);
OrgRecord ReadOrg(const Rows& rows, int first);
TokenRecord ReadToken(const Rows& rows, int first);

// The columns ReadStack() reads, in order, from `stacks AS s JOIN orgs AS o`
// joined with SH_STACK_ACTIVE_UPDATE_JOIN.
#define SH_STACK_COLUMNS                                                       \
  "s.id, s.org_id, o.name, s.project, s.name, s.created_by, s.created,"       \
  " s.version, s.resource_count, s.last_update, s.active_update,"             \
  " au.kind, au.dry_run, au.status, au.lease_expires, au.started, au.requested_by_login"
#define SH_STACK_ACTIVE_UPDATE_JOIN " LEFT JOIN updates AS au ON au.id = s.active_update"
inline constexpr int kStackColumns = 17;
// Reads the SH_STACK_COLUMNS of a stack from `first` on (without its tags).
StackRecord ReadStack(const Rows& rows, int first);
// Adds the tag (name, value) in columns `col` and `col + 1` of the current
// row and of every later one to `stack` (none where they are NULL).
void ReadTags(Rows& rows, int col, StackRecord& stack);

// The columns ReadUpdate() reads, in order, of `updates` (table alias
// `prefix`, e.g. "up." or "").
#define SH_UPDATE_COLUMNS_OF(prefix)                                                          \
  prefix "id, " prefix "stack_id, " prefix "kind, " prefix "dry_run, " prefix "message, "     \
  prefix "environment_json, " prefix "config_json, " prefix "requested_by, "                  \
  prefix "requested_by_login, " prefix "requested_by_name, " prefix "status, "                \
  prefix "version, " prefix "created, " prefix "started, " prefix "ended, "                   \
  prefix "lease_hash, " prefix "previous_lease_hash, " prefix "lease_expires, "               \
  prefix "last_sequence, " prefix "last_hash, " prefix "has_checkpoint, "                     \
  prefix "resource_count, " prefix "base_size, " prefix "delta_count, " prefix "delta_bytes"
inline constexpr int kUpdateColumns = 25;
// Reads the SH_UPDATE_COLUMNS_OF an update from `first` on.
UpdateRecord ReadUpdate(const Rows& rows, int first);

class SqlStore final : public Store {
 public:
  explicit SqlStore(std::unique_ptr<storage::Engine> engine) : engine_(std::move(engine)) {}

  // AccessStore (access_store.cc)
  Result<AccessContext> LoadAccess(const AccessQuery& query) override;
  Result<UpdateAccessContext> LoadUpdateAccess(const std::string& org_name,
                                               const std::string& project,
                                               const std::string& stack_name,
                                               const std::string& update_id) override;

  // UserStore, OrgStore, TokenStore, StackStore (identity_store.cc, stack_store.cc)
  Result<bool> HasNoUsers() override;
  Result<void> CreateUserWithPersonalOrg(const UserRecord& user, const OrgRecord& org,
                                         const std::optional<TokenRecord>& token,
                                         const std::string& token_hash) override;
  Result<UserRecord> GetUserByLogin(const std::string& login) override;

  // OrgStore
  Result<void> CreateOrg(const OrgRecord& org, const std::string& admin_user_id) override;
  Result<OrgRecord> GetOrgByName(const std::string& name) override;
  Result<OrgRole> GetRole(const std::string& org_id, const std::string& user_id) override;
  Result<std::vector<MembershipRecord>> ListMemberships(const std::string& user_id) override;
  Result<void> AddMember(const std::string& org_id, const std::string& user_id, OrgRole role,
                         int64_t created) override;
  // (member_store.cc)
  Result<std::vector<MemberRecord>> ListMembers(const std::string& org_id) override;
  Result<void> RemoveMember(const std::string& org_id, const std::string& user_id) override;
  Result<void> SetMemberRole(const std::string& org_id, const std::string& user_id,
                             OrgRole role) override;
  Result<void> SetDefaultStackPermission(const std::string& org_id, int permission) override;
  Result<int64_t> CountAdmins(const std::string& org_id) override;

  // TokenStore
  Result<void> CreateToken(const TokenRecord& token, const std::string& token_hash) override;
  Result<std::optional<TokenLookup>> FindTokenByHash(const std::string& token_hash) override;
  Result<void> SetTokenLastUsed(const std::string& token_id, int64_t when) override;
  Result<std::vector<TokenRecord>> ListTokens(const std::string& user_id,
                                              const std::optional<std::string>& after_id,
                                              int limit) override;
  Result<void> DeleteToken(const std::string& user_id, const std::string& token_id) override;

  // StackStore
  Result<void> CreateStack(const StackRecord& stack,
                           const std::optional<std::string>& initial_state) override;
  Result<StackRecord> GetStack(const std::string& org_name, const std::string& project,
                               const std::string& name) override;
  Result<bool> ProjectExists(const std::string& org_id, const std::string& project) override;
  Result<std::vector<StackRecord>> ListStacks(const StackQuery& query) override;
  Result<void> DeleteStack(const std::string& stack_id) override;
  Result<void> MoveStack(const std::string& stack_id, const std::string& org_id,
                         const std::string& project, const std::string& name,
                         const std::optional<std::string>& new_state) override;
  Result<std::optional<std::string>> GetCurrentState(const std::string& stack_id) override;
  Result<void> ReplaceTags(const std::string& stack_id,
                           const std::map<std::string, std::string>& tags) override;
  Result<void> AddTag(const std::string& stack_id, const std::string& name,
                      const std::string& value) override;
  Result<void> UpdateTag(const std::string& stack_id, const std::string& name,
                         const std::string& value) override;
  Result<void> DeleteTag(const std::string& stack_id, const std::string& name) override;

  // TeamStore (team_store.cc)
  Result<void> CreateTeam(const TeamRecord& team, const std::string& creator_user_id) override;
  Result<TeamRecord> GetTeam(const std::string& org_id, const std::string& name) override;
  Result<std::vector<TeamRecord>> ListTeams(const std::string& org_id) override;
  Result<void> DeleteTeam(const std::string& team_id) override;
  Result<void> UpdateTeam(const std::string& team_id,
                          const std::optional<std::string>& display_name,
                          const std::optional<std::string>& description) override;
  Result<std::vector<TeamMemberRecord>> ListTeamMembers(const std::string& team_id) override;
  Result<TeamRole> GetTeamRole(const std::string& team_id, const std::string& user_id) override;
  Result<void> AddTeamMember(const std::string& team_id, const std::string& user_id,
                             TeamRole role, int64_t created) override;
  Result<void> RemoveTeamMember(const std::string& team_id, const std::string& user_id) override;
  Result<void> SetTeamMemberRole(const std::string& team_id, const std::string& user_id,
                                 TeamRole role) override;
  Result<std::vector<TeamStackGrantRecord>> ListTeamStackGrants(
      const std::string& team_id) override;
  Result<void> PutTeamStackGrant(const std::string& team_id, const std::string& stack_id,
                                 int permission, bool create_if_absent) override;
  Result<void> RemoveTeamStackGrant(const std::string& team_id,
                                    const std::string& stack_id) override;
  Result<int> MaxTeamStackPermission(const std::string& user_id,
                                     const std::string& stack_id) override;

  // ServiceStore (service_store.cc)
  Result<void> CreateService(const ServiceRecord& service,
                             const std::vector<NewServiceItem>& items) override;
  Result<ServiceRecord> GetService(const std::string& org_id, const std::string& owner_type,
                                   const std::string& owner_name,
                                   const std::string& name) override;
  Result<std::vector<ServiceRecord>> ListServices(const std::string& org_id,
                                                  const std::optional<ServicePosition>& after,
                                                  int limit) override;
  Result<void> UpdateService(
      const std::string& service_id, const std::optional<std::string>& name,
      const std::optional<std::string>& description,
      const std::optional<std::vector<ServicePropertyRecord>>& properties) override;
  Result<void> DeleteService(const std::string& service_id) override;
  Result<int> AddServiceItems(const std::string& service_id,
                              const std::vector<NewServiceItem>& items) override;
  Result<bool> RemoveServiceItem(const std::string& service_id, const std::string& type,
                                 const std::string& key) override;
  Result<std::vector<ServiceItemRecord>> ListServiceItems(
      const std::string& service_id, const std::optional<ServiceItemPosition>& after,
      int limit) override;

  // UpdateStore (update_store.cc, which also defines GetCurrentState)
  Result<void> CreateUpdate(const UpdateRecord& update) override;
  Result<UpdateRecord> GetUpdate(const std::string& update_id) override;
  Result<UpdateRecord> StartUpdate(const std::string& update_id, const std::string& lease_hash,
                                   int64_t lease_expires, int64_t now) override;
  Result<void> RenewLease(const std::string& update_id, const std::string& lease_hash,
                          int64_t lease_expires) override;
  Result<UpdateRecord> FinishUpdate(const std::string& update_id, UpdateStatus expected,
                                    UpdateStatus status, int64_t now) override;
  Result<std::optional<std::string>> GetCheckpoint(const std::string& update_id) override;
  Result<void> PutCheckpoint(const std::string& update_id, int64_t expected_sequence,
                             int64_t sequence, const std::string& hash, const std::string& text,
                             int64_t resource_count) override;
  Result<void> AppendCheckpointDelta(const std::string& update_id, int64_t expected_sequence,
                                     int64_t sequence, const std::string& hash,
                                     const std::string& delta_json,
                                     int64_t resource_count) override;
  Result<bool> CompactCheckpoint(const std::string& update_id, int64_t through_sequence,
                                 const std::string& text) override;
  Result<UpdateHistoryPage> ListHistory(const std::string& stack_id, int64_t offset,
                                        int64_t limit) override;
  Result<UpdateHistoryPage> ListPreviews(const std::string& stack_id, int64_t version,
                                         bool ascending, int64_t offset, int64_t limit) override;
  Result<UpdateRecord> GetHistoryEntry(const std::string& stack_id, int64_t version) override;
  Result<std::optional<std::string>> GetStateAtVersion(const std::string& stack_id,
                                                       int64_t version) override;

  // SecretStore (secret_store.cc)
  Result<std::optional<StackSecretKeyRecord>> GetStackSecretKey(
      const std::string& stack_id) override;
  Result<StackSecretKeyRecord> CreateStackSecretKeyIfAbsent(
      const StackSecretKeyRecord& record) override;

  // EngineEventStore (engine_event_store.cc)
  Result<int64_t> AppendEngineEvents(const std::string& update_id,
                                     std::span<const NewEngineEvent> events) override;
  Result<std::vector<EngineEventRecord>> ListEngineEvents(const std::string& update_id,
                                                          int64_t from_sequence,
                                                          int64_t limit) override;
  Result<std::map<std::string, ResourceChangesRecord>> GetResourceChanges(
      const std::vector<std::string>& update_ids) override;

  // JournalStore (journal_store.cc)
  Result<int64_t> AppendJournalEntries(const std::string& update_id,
                                       std::span<const NewJournalEntry> entries) override;
  Result<JournalTail> ReadJournalTail(const std::string& update_id,
                                      int64_t after_sequence) override;
  Result<int64_t> DeleteJournalEntries(const std::string& update_id) override;

  // AuditStore (audit_store.cc)
  Result<void> AppendAuditEvent(const AuditEventRecord& event) override;
  Result<std::vector<AuditEventRecord>> ListAuditEvents(const AuditQuery& query) override;

  // WebhookStore (webhook_store.cc)
  Result<void> CreateWebhook(const WebhookRecord& hook) override;
  Result<WebhookRecord> GetWebhook(const std::string& org_id, const std::string& stack_id,
                                   const std::string& name) override;
  Result<std::vector<WebhookRecord>> ListWebhooks(const std::string& org_id,
                                                  const std::string& stack_id) override;
  Result<std::vector<WebhookRecord>> ListWebhooksForEvent(const std::string& org_id,
                                                          const std::string& stack_id) override;
  Result<void> UpdateWebhook(const WebhookRecord& hook) override;
  Result<void> DeleteWebhook(const std::string& webhook_id) override;
  Result<WebhookRecord> GetWebhookById(const std::string& webhook_id) override;
  Result<void> EnqueueWebhookJob(const WebhookJobRecord& job) override;
  Result<std::vector<WebhookJobRecord>> ClaimWebhookJobs(int64_t now, int64_t claim_until,
                                                         int limit) override;
  Result<void> FinishWebhookAttempt(const WebhookJobRecord& job, WebhookJobOutcome outcome,
                                    const WebhookDeliveryRecord& attempt, int keep) override;
  Result<void> AddWebhookDelivery(const WebhookDeliveryRecord& delivery, int keep) override;
  Result<std::vector<WebhookDeliveryRecord>> ListWebhookDeliveries(const std::string& webhook_id,
                                                                   int limit) override;
  Result<WebhookDeliveryRecord> GetWebhookDelivery(const std::string& webhook_id,
                                                   const std::string& delivery_id) override;
  Result<int64_t> CountWebhookJobs() override;

  // ConsoleSessionStore (console_session_store.cc)
  Result<void> CreateConsoleSession(const ConsoleSessionRecord& session) override;
  Result<std::optional<ConsoleSessionLookup>> FindConsoleSession(const std::string& session_hash,
                                                                 int64_t now) override;
  Result<bool> DeleteConsoleSession(const std::string& session_hash) override;
  Result<int64_t> DeleteExpiredConsoleSessions(int64_t now) override;

  // Store
  Result<void> RunInTransaction(const std::function<Result<void>()>& body) override {
    return engine_->RunInTransaction(body);
  }
  void AfterCommit(std::function<void()> fn) override { engine_->AfterCommit(std::move(fn)); }
  PoolStats Stats() const override { return engine_->Stats(); }
  const char* Engine() const override { return engine_->Name(); }

 private:
  // LoadAccess without the cache.
  Result<AccessContext> ReadAccess(const AccessQuery& query);

  std::unique_ptr<storage::Engine> engine_;
  AccessCache access_cache_;  // LoadAccess results, where the engine hears of changes
};

}  // namespace statehouse::storage
