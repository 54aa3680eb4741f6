#pragma once

// The SQLite implementation of storage::Store (embedded, single node).
//
// Durability: the database runs in WAL mode with synchronous=FULL, so every
// acknowledged write survives a process kill or power loss.
//
// Concurrency: a fixed pool of connections serves all threads; a method holds
// one connection for its whole duration and returns it before returning.
// Writers are serialized inside the process before they contend for SQLite's
// write lock, so the busy timeout only matters against other processes.
// Waiting longer than `busy_timeout_ms` for a connection, the in-process write
// slot or SQLite's locks yields kUnavailable. Stats().waits counts waits for
// either a connection or the write slot.
//
// Case-insensitive comparisons and orderings of logins, org names, projects
// and stack names fold ASCII letters only (SQLite NOCASE); tag names and
// values compare byte for byte.
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

#include <memory>
#include <string>
#include <type_traits>

#include "common/error.h"
#include "storage/store.h"

namespace statehouse::storage {

struct SqliteOptions {
  // Database file. Its directory must exist; the file is created if missing.
  std::string path;
  // Number of connections, at least 1.
  int pool_size = 4;
  // Longest wait for a connection or a lock before kUnavailable.
  int busy_timeout_ms = 5000;
};

namespace sqlite {
class ConnectionPool;
class Connection;
}  // namespace sqlite

// Thread-safe: see storage::Store. Construct through OpenSqliteStore().
class SqliteStore final : public Store {
 public:
  explicit SqliteStore(std::unique_ptr<sqlite::ConnectionPool> pool);
  ~SqliteStore() override;
  SqliteStore(const SqliteStore&) = delete;
  SqliteStore& operator=(const SqliteStore&) = delete;

  // UserStore
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
  // (sqlite_member_store.cc)
  Result<std::vector<MemberRecord>> ListMembers(const std::string& org_id) override;
  Result<void> RemoveMember(const std::string& org_id, const std::string& user_id) override;
  Result<void> SetMemberRole(const std::string& org_id, const std::string& user_id,
                             OrgRole role) override;
  Result<void> SetDefaultStackPermission(const std::string& org_id, int permission) override;

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

  // TeamStore (sqlite_team_store.cc)
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

  // ServiceStore (sqlite_service_store.cc)
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

  // UpdateStore (sqlite_update_store.cc, which also defines GetCurrentState)
  Result<void> CreateUpdate(const UpdateRecord& update) override;
  Result<UpdateRecord> GetUpdate(const std::string& update_id) override;
  Result<UpdateRecord> StartUpdate(const std::string& update_id, const std::string& lease_hash,
                                   int64_t lease_expires, int64_t now) override;
  Result<void> RenewLease(const std::string& update_id, const std::string& lease_hash,
                          int64_t lease_expires) override;
  Result<UpdateRecord> FinishUpdate(const std::string& update_id, UpdateStatus status,
                                    int64_t now) override;
  Result<std::optional<std::string>> GetCheckpoint(const std::string& update_id) override;
  Result<void> PutCheckpoint(const std::string& update_id, int64_t expected_sequence,
                             int64_t sequence, const std::string& hash, const std::string& text,
                             int64_t resource_count) override;
  Result<void> AppendCheckpointDelta(const std::string& update_id, int64_t expected_sequence,
                                     int64_t sequence, const std::string& hash,
                                     const std::string& delta_json, const std::string& full_text,
                                     int64_t resource_count,
                                     const CompactionPolicy& policy) override;
  Result<UpdateHistoryPage> ListHistory(const std::string& stack_id, int64_t offset,
                                        int64_t limit) override;
  Result<UpdateHistoryPage> ListPreviews(const std::string& stack_id, int64_t version,
                                         bool ascending, int64_t offset, int64_t limit) override;
  Result<UpdateRecord> GetHistoryEntry(const std::string& stack_id, int64_t version) override;
  Result<std::optional<std::string>> GetStateAtVersion(const std::string& stack_id,
                                                       int64_t version) override;

  // SecretStore (sqlite_secret_store.cc)
  Result<std::optional<StackSecretKeyRecord>> GetStackSecretKey(
      const std::string& stack_id) override;
  Result<StackSecretKeyRecord> CreateStackSecretKeyIfAbsent(
      const StackSecretKeyRecord& record) override;

  // EngineEventStore (sqlite_engine_event_store.cc)
  Result<int64_t> AppendEngineEvents(const std::string& update_id,
                                     std::span<const NewEngineEvent> events) override;
  Result<std::vector<EngineEventRecord>> ListEngineEvents(const std::string& update_id,
                                                          int64_t from_sequence,
                                                          int64_t limit) override;
  Result<std::map<std::string, ResourceChangesRecord>> GetResourceChanges(
      const std::vector<std::string>& update_ids) override;

  // AuditStore (sqlite_audit_store.cc)
  Result<void> AppendAuditEvent(const AuditEventRecord& event) override;
  Result<std::vector<AuditEventRecord>> ListAuditEvents(const AuditQuery& query) override;

  // WebhookStore (sqlite_webhook_store.cc)
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

  // Store
  Result<void> RunInTransaction(const std::function<Result<void>()>& body) override;
  void AfterCommit(std::function<void()> fn) override;
  PoolStats Stats() const override;
  const char* Engine() const override { return "sqlite"; }

 private:
  // Runs `fn(Connection&)` in a transaction on a pooled connection (the write
  // slot and BEGIN IMMEDIATE when `write`, else a deferred read transaction),
  // committing on success and rolling back when `fn` fails or throws.
  template <class Fn>
  auto InTransaction(bool write, Fn&& fn) -> std::invoke_result_t<Fn&, sqlite::Connection&>;
  // Runs `fn(Connection&)` inside BEGIN IMMEDIATE ... COMMIT, rolling back
  // when `fn` fails.
  template <class Fn>
  auto Write(Fn&& fn) -> std::invoke_result_t<Fn&, sqlite::Connection&>;
  // Runs `fn(Connection&)` inside a deferred (read) transaction.
  template <class Fn>
  auto Read(Fn&& fn) -> std::invoke_result_t<Fn&, sqlite::Connection&>;
  // Runs `fn(Connection&)` without an explicit transaction; for reads made
  // of a single statement.
  template <class Fn>
  auto Query(Fn&& fn) -> std::invoke_result_t<Fn&, sqlite::Connection&>;

  std::unique_ptr<sqlite::ConnectionPool> pool_;
};

// Opens (creating if needed) the database at `options.path`, configures every
// connection and applies pending schema migrations. Fails with kInternal when
// the file cannot be opened, is not a usable SQLite database, or records a
// schema version newer than this binary knows; kUnavailable when it stays
// locked by another process beyond the busy timeout; kInvalidArgument for bad
// options.
Result<StorePtr> OpenSqliteStore(const SqliteOptions& options);

}  // namespace statehouse::storage
