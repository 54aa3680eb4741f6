#include "storage/sqlite/sqlite_store.h"

#include <fmt/format.h>
#include <sqlite3.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "storage/sqlite/migrations.h"
#include "storage/sqlite/sqlite_internal.h"

namespace statehouse::storage {
namespace sqlite {
namespace {

// ---------------------------------------------------------------------------
// SQL

constexpr char kSelectSchemaVersionSql[] =
    "SELECT COALESCE(MAX(version), 0) FROM schema_migrations";
constexpr char kInsertSchemaMigrationSql[] =
    "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?1, ?2, unixepoch())";

constexpr char kHasNoUsersSql[] = "SELECT NOT EXISTS (SELECT 1 FROM users)";
constexpr char kInsertUserSql[] =
    "INSERT INTO users (id, login, name, email, site_admin, created)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
constexpr char kSelectUserByLoginSql[] =
    "SELECT id, login, name, email, site_admin, created FROM users WHERE login = ?1";

constexpr char kInsertOrgSql[] =
    "INSERT INTO orgs (id, name, created, default_stack_permission) VALUES (?1, ?2, ?3, ?4)";
constexpr char kSelectOrgByNameSql[] =
    "SELECT id, name, created, default_stack_permission FROM orgs WHERE name = ?1";
constexpr char kInsertMembershipSql[] =
    "INSERT INTO memberships (org_id, user_id, role, created) VALUES (?1, ?2, ?3, ?4)";
constexpr char kSelectRoleSql[] = "SELECT role FROM memberships WHERE org_id = ?1 AND user_id = ?2";
constexpr char kSelectMembershipsSql[] =
    "SELECT m.org_id, o.name, m.user_id, m.role, m.created"
    " FROM memberships AS m JOIN orgs AS o ON o.id = m.org_id"
    " WHERE m.user_id = ?1 ORDER BY o.name COLLATE NOCASE";

constexpr char kInsertTokenSql[] =
    "INSERT INTO tokens (id, user_id, hash, name, description, created, last_used, expires)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
constexpr char kSelectTokenByHashSql[] =
    "SELECT t.id, t.user_id, t.name, t.description, t.created, t.last_used, t.expires,"
    " u.id, u.login, u.name, u.email, u.site_admin, u.created"
    " FROM tokens AS t JOIN users AS u ON u.id = t.user_id"
    " WHERE t.hash = ?1 AND t.deleted = 0";
constexpr char kUpdateTokenLastUsedSql[] =
    "UPDATE tokens SET last_used = ?2 WHERE id = ?1 AND deleted = 0";
constexpr char kSelectTokensSql[] =
    "SELECT id, user_id, name, description, created, last_used, expires FROM tokens"
    " WHERE user_id = ?1 AND deleted = 0 ORDER BY created, id LIMIT ?2";
constexpr char kSelectTokensAfterSql[] =
    "SELECT id, user_id, name, description, created, last_used, expires FROM tokens"
    " WHERE user_id = ?1 AND deleted = 0"
    " AND (created, id) > (SELECT created, id FROM tokens WHERE id = ?3 AND user_id = ?1)"
    " ORDER BY created, id LIMIT ?2";
constexpr char kDeleteTokenSql[] =
    "UPDATE tokens SET deleted = 1 WHERE id = ?1 AND user_id = ?2 AND deleted = 0";

constexpr char kInsertStackSql[] =
    "INSERT INTO stacks (id, org_id, project, name, created_by, created, version,"
    " resource_count, last_update, active_update)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)";
// The columns ReadStack() reads, in order, from `stacks AS s JOIN orgs AS o`.
#define SH_SQLITE_STACK_SELECT                                                 \
  "SELECT s.id, s.org_id, o.name, s.project, s.name, s.created_by, s.created," \
  " s.version, s.resource_count, s.last_update, s.active_update"               \
  " FROM stacks AS s JOIN orgs AS o ON o.id = s.org_id"
constexpr char kSelectStackSql[] =
    SH_SQLITE_STACK_SELECT " WHERE o.name = ?1 AND s.project = ?2 AND s.name = ?3";
// ListStacks appends the org id placeholders, optional filters, ordering and
// limit to this prefix.
constexpr char kListStacksPrefixSql[] = SH_SQLITE_STACK_SELECT " WHERE s.org_id IN (";
#undef SH_SQLITE_STACK_SELECT
constexpr char kStackExistsSql[] = "SELECT 1 FROM stacks WHERE id = ?1";
constexpr char kProjectExistsSql[] =
    "SELECT EXISTS (SELECT 1 FROM stacks WHERE org_id = ?1 AND project = ?2)";
constexpr char kDeleteStackSql[] = "DELETE FROM stacks WHERE id = ?1";
constexpr char kMoveStackSql[] =
    "UPDATE stacks SET org_id = ?2, project = ?3, name = ?4 WHERE id = ?1";

constexpr char kUpsertStateSql[] =
    "INSERT INTO stack_states (stack_id, deployment) VALUES (?1, ?2)"
    " ON CONFLICT (stack_id) DO UPDATE SET deployment = excluded.deployment";

constexpr char kSelectTagsSql[] = "SELECT name, value FROM stack_tags WHERE stack_id = ?1";
constexpr char kInsertTagSql[] =
    "INSERT INTO stack_tags (stack_id, name, value) VALUES (?1, ?2, ?3)";
constexpr char kUpdateTagSql[] =
    "UPDATE stack_tags SET value = ?3 WHERE stack_id = ?1 AND name = ?2";
constexpr char kDeleteTagSql[] = "DELETE FROM stack_tags WHERE stack_id = ?1 AND name = ?2";
constexpr char kDeleteTagsSql[] = "DELETE FROM stack_tags WHERE stack_id = ?1";

// ---------------------------------------------------------------------------
// Row helpers

TokenRecord ReadToken(const Statement& stmt) {
  TokenRecord token;
  token.id = stmt.ColumnText(0);
  token.user_id = stmt.ColumnText(1);
  token.name = stmt.ColumnText(2);
  token.description = stmt.ColumnText(3);
  token.created = stmt.ColumnInt(4);
  token.last_used = stmt.ColumnInt(5);
  token.expires = stmt.ColumnInt(6);
  return token;
}

StackRecord ReadStack(const Statement& stmt) {
  StackRecord stack;
  stack.id = stmt.ColumnText(0);
  stack.org_id = stmt.ColumnText(1);
  stack.org_name = stmt.ColumnText(2);
  stack.project = stmt.ColumnText(3);
  stack.name = stmt.ColumnText(4);
  stack.created_by = stmt.ColumnText(5);
  stack.created = stmt.ColumnInt(6);
  stack.version = stmt.ColumnInt(7);
  stack.resource_count = stmt.ColumnInt(8);
  stack.last_update = stmt.ColumnInt(9);
  stack.active_update = stmt.ColumnText(10);
  return stack;
}

// ---------------------------------------------------------------------------
// Statement helpers shared by several methods

Result<void> InsertUser(Connection& conn, const UserRecord& user) {
  SH_ASSIGN_OR_RETURN(auto stmt, conn.Prepare(kInsertUserSql));
  stmt.BindText(1, user.id)
      .BindText(2, user.login)
      .BindText(3, user.name)
      .BindText(4, user.email)
      .BindInt(5, user.site_admin ? 1 : 0)
      .BindInt(6, user.created);
  return AlreadyExistsAs(stmt.Run(), fmt::format("user '{}' already exists", user.login));
}

Result<void> InsertOrg(Connection& conn, const OrgRecord& org) {
  SH_ASSIGN_OR_RETURN(auto stmt, conn.Prepare(kInsertOrgSql));
  stmt.BindText(1, org.id)
      .BindText(2, org.name)
      .BindInt(3, org.created)
      .BindInt(4, org.default_stack_permission);
  return AlreadyExistsAs(stmt.Run(), fmt::format("organization '{}' already exists", org.name));
}

Result<void> InsertMembership(Connection& conn, const std::string& org_id,
                              const std::string& user_id, OrgRole role, int64_t created) {
  SH_ASSIGN_OR_RETURN(auto stmt, conn.Prepare(kInsertMembershipSql));
  stmt.BindText(1, org_id)
      .BindText(2, user_id)
      .BindInt(3, static_cast<int64_t>(role))
      .BindInt(4, created);
  return AlreadyExistsAs(stmt.Run(), "membership already exists");
}

Result<void> InsertToken(Connection& conn, const TokenRecord& token, const std::string& user_id,
                         const std::string& token_hash) {
  SH_ASSIGN_OR_RETURN(auto stmt, conn.Prepare(kInsertTokenSql));
  stmt.BindText(1, token.id)
      .BindText(2, user_id)
      .BindText(3, token_hash)
      .BindText(4, token.name)
      .BindText(5, token.description)
      .BindInt(6, token.created)
      .BindInt(7, token.last_used)
      .BindInt(8, token.expires);
  return AlreadyExistsAs(stmt.Run(), "token already exists");
}

Result<void> InsertTag(Connection& conn, const std::string& stack_id, const std::string& name,
                       const std::string& value) {
  SH_ASSIGN_OR_RETURN(auto stmt, conn.Prepare(kInsertTagSql));
  stmt.BindText(1, stack_id).BindText(2, name).BindText(3, value);
  return AlreadyExistsAs(stmt.Run(), fmt::format("tag '{}' already exists", name));
}

Result<void> UpsertState(Connection& conn, const std::string& stack_id, const std::string& state) {
  SH_ASSIGN_OR_RETURN(auto stmt, conn.Prepare(kUpsertStateSql));
  stmt.BindText(1, stack_id).BindBlob(2, state);
  return stmt.Run();
}

Result<void> RequireStack(Connection& conn, const std::string& stack_id) {
  SH_ASSIGN_OR_RETURN(auto stmt, conn.Prepare(kStackExistsSql));
  stmt.BindText(1, stack_id);
  SH_ASSIGN_OR_RETURN(const bool row, stmt.Step());
  if (!row) return Fail(Error::NotFound("stack not found"));
  return {};
}

Result<void> LoadTags(Connection& conn, StackRecord& stack) {
  SH_ASSIGN_OR_RETURN(auto stmt, conn.Prepare(kSelectTagsSql));
  stmt.BindText(1, stack.id);
  for (;;) {
    SH_ASSIGN_OR_RETURN(const bool row, stmt.Step());
    if (!row) return {};
    stack.tags.emplace(stmt.ColumnText(0), stmt.ColumnText(1));
  }
}

std::string StackLabel(std::string_view org_name, std::string_view project, std::string_view name) {
  if (org_name.empty()) return fmt::format("{}/{}", project, name);
  return fmt::format("{}/{}/{}", org_name, project, name);
}

// The statement for `query`; placeholders in the order ListStacks binds them:
// org ids, project, tag name, tag value, keyset position, limit.
std::string ListStacksSql(const StackQuery& query) {
  std::string sql = kListStacksPrefixSql;
  for (size_t i = 0; i < query.org_ids.size(); ++i) sql += i == 0 ? "?" : ", ?";
  sql += ")";
  if (query.project) sql += " AND s.project = ?";
  if (query.tag_name) {
    sql += " AND EXISTS (SELECT 1 FROM stack_tags AS t WHERE t.stack_id = s.id AND t.name = ?";
    if (query.tag_value) sql += " AND t.value = ?";
    sql += ")";
  }
  if (query.after) {
    sql +=
        " AND (o.name COLLATE NOCASE, s.project COLLATE NOCASE, s.name COLLATE NOCASE)"
        " > (?, ?, ?)";
  }
  sql +=
      " ORDER BY o.name COLLATE NOCASE, s.project COLLATE NOCASE, s.name COLLATE NOCASE"
      " LIMIT ?";
  return sql;
}

Result<int64_t> SchemaVersion(Connection& conn) {
  SH_ASSIGN_OR_RETURN(auto stmt, conn.Prepare(kSelectSchemaVersionSql));
  SH_ASSIGN_OR_RETURN(const bool row, stmt.Step());
  return row ? stmt.ColumnInt(0) : 0;
}

Error NewerSchemaError(int64_t version, const std::string& path) {
  return Error{ErrorCode::kInternal,
               fmt::format("database schema version {} is newer than this binary supports ({})",
                           version, LatestSchemaVersion()),
               fmt::format("sqlite database '{}'", path)};
}

// Applies every pending migration, each in its own write transaction that
// re-reads the recorded version (another process may be migrating too).
Result<void> Migrate(Connection& conn, const std::string& path) {
  SH_TRY(conn.Exec(kCreateSchemaMigrationsSql));
  SH_ASSIGN_OR_RETURN(const int64_t initial, SchemaVersion(conn));
  if (initial > LatestSchemaVersion()) return Fail(NewerSchemaError(initial, path));
  if (initial == LatestSchemaVersion()) return {};
  for (const Migration& migration : AllMigrations()) {
    SH_ASSIGN_OR_RETURN(auto tx, Transaction::Begin(conn, Transaction::Mode::kImmediate));
    SH_ASSIGN_OR_RETURN(const int64_t current, SchemaVersion(conn));
    if (current > LatestSchemaVersion()) return Fail(NewerSchemaError(current, path));
    if (migration.version <= current) continue;
    if (auto applied = conn.Exec(migration.sql); !applied) {
      Error error = std::move(applied).error();
      error.detail =
          fmt::format("migration {} ({}): {}", migration.version, migration.name, error.detail);
      return Fail(std::move(error));
    }
    {
      SH_ASSIGN_OR_RETURN(auto stmt, conn.Prepare(kInsertSchemaMigrationSql));
      stmt.BindInt(1, migration.version).BindText(2, migration.name);
      SH_TRY(stmt.Run());
    }
    SH_TRY(tx.Commit());
  }
  return {};
}

}  // namespace
}  // namespace sqlite

SqliteStore::SqliteStore(std::unique_ptr<sqlite::ConnectionPool> pool) : pool_(std::move(pool)) {}

SqliteStore::~SqliteStore() = default;

// ---------------------------------------------------------------------------
// UserStore

Result<bool> SqliteStore::HasNoUsers() {
  return Query([](Connection& conn) -> Result<bool> {
    SH_ASSIGN_OR_RETURN(auto stmt, conn.Prepare(sqlite::kHasNoUsersSql));
    SH_ASSIGN_OR_RETURN(const bool row, stmt.Step());
    return row && stmt.ColumnInt(0) != 0;
  });
}

Result<void> SqliteStore::CreateUserWithPersonalOrg(const UserRecord& user, const OrgRecord& org,
                                                    const std::optional<TokenRecord>& token,
                                                    const std::string& token_hash) {
  return Write([&](Connection& conn) -> Result<void> {
    SH_TRY(sqlite::InsertUser(conn, user));
    SH_TRY(sqlite::InsertOrg(conn, org));
    SH_TRY(sqlite::InsertMembership(conn, org.id, user.id, OrgRole::kAdmin, org.created));
    if (token) SH_TRY(sqlite::InsertToken(conn, *token, user.id, token_hash));
    return {};
  });
}

Result<UserRecord> SqliteStore::GetUserByLogin(const std::string& login) {
  return Query([&](Connection& conn) -> Result<UserRecord> {
    SH_ASSIGN_OR_RETURN(auto stmt, conn.Prepare(sqlite::kSelectUserByLoginSql));
    stmt.BindText(1, login);
    SH_ASSIGN_OR_RETURN(const bool row, stmt.Step());
    if (!row) return Fail(Error::NotFound(fmt::format("user '{}' not found", login)));
    return sqlite::ReadUser(stmt, 0);
  });
}

// ---------------------------------------------------------------------------
// OrgStore

Result<void> SqliteStore::CreateOrg(const OrgRecord& org, const std::string& admin_user_id) {
  return Write([&](Connection& conn) -> Result<void> {
    SH_TRY(sqlite::InsertOrg(conn, org));
    return sqlite::InsertMembership(conn, org.id, admin_user_id, OrgRole::kAdmin, org.created);
  });
}

Result<OrgRecord> SqliteStore::GetOrgByName(const std::string& name) {
  return Query([&](Connection& conn) -> Result<OrgRecord> {
    SH_ASSIGN_OR_RETURN(auto stmt, conn.Prepare(sqlite::kSelectOrgByNameSql));
    stmt.BindText(1, name);
    SH_ASSIGN_OR_RETURN(const bool row, stmt.Step());
    if (!row) return Fail(Error::NotFound(fmt::format("organization '{}' not found", name)));
    OrgRecord org;
    org.id = stmt.ColumnText(0);
    org.name = stmt.ColumnText(1);
    org.created = stmt.ColumnInt(2);
    org.default_stack_permission = static_cast<int>(stmt.ColumnInt(3));
    return org;
  });
}

Result<OrgRole> SqliteStore::GetRole(const std::string& org_id, const std::string& user_id) {
  return Query([&](Connection& conn) -> Result<OrgRole> {
    SH_ASSIGN_OR_RETURN(auto stmt, conn.Prepare(sqlite::kSelectRoleSql));
    stmt.BindText(1, org_id).BindText(2, user_id);
    SH_ASSIGN_OR_RETURN(const bool row, stmt.Step());
    return row ? sqlite::ToRole(stmt.ColumnInt(0)) : OrgRole::kNone;
  });
}

Result<std::vector<MembershipRecord>> SqliteStore::ListMemberships(const std::string& user_id) {
  return Query([&](Connection& conn) -> Result<std::vector<MembershipRecord>> {
    SH_ASSIGN_OR_RETURN(auto stmt, conn.Prepare(sqlite::kSelectMembershipsSql));
    stmt.BindText(1, user_id);
    std::vector<MembershipRecord> memberships;
    for (;;) {
      SH_ASSIGN_OR_RETURN(const bool row, stmt.Step());
      if (!row) break;
      MembershipRecord& m = memberships.emplace_back();
      m.org_id = stmt.ColumnText(0);
      m.org_name = stmt.ColumnText(1);
      m.user_id = stmt.ColumnText(2);
      m.role = sqlite::ToRole(stmt.ColumnInt(3));
      m.created = stmt.ColumnInt(4);
    }
    return memberships;
  });
}

Result<void> SqliteStore::AddMember(const std::string& org_id, const std::string& user_id,
                                    OrgRole role, int64_t created) {
  return Write([&](Connection& conn) -> Result<void> {
    return sqlite::AlreadyExistsAs(sqlite::InsertMembership(conn, org_id, user_id, role, created),
                                   "user is already a member of the organization");
  });
}

// ---------------------------------------------------------------------------
// TokenStore

Result<void> SqliteStore::CreateToken(const TokenRecord& token, const std::string& token_hash) {
  return Write([&](Connection& conn) -> Result<void> {
    return sqlite::InsertToken(conn, token, token.user_id, token_hash);
  });
}

Result<std::optional<TokenLookup>> SqliteStore::FindTokenByHash(const std::string& token_hash) {
  return Query([&](Connection& conn) -> Result<std::optional<TokenLookup>> {
    SH_ASSIGN_OR_RETURN(auto stmt, conn.Prepare(sqlite::kSelectTokenByHashSql));
    stmt.BindText(1, token_hash);
    SH_ASSIGN_OR_RETURN(const bool row, stmt.Step());
    if (!row) return std::nullopt;
    return TokenLookup{sqlite::ReadToken(stmt), sqlite::ReadUser(stmt, 7)};
  });
}

Result<void> SqliteStore::SetTokenLastUsed(const std::string& token_id, int64_t when) {
  return Write([&](Connection& conn) -> Result<void> {
    SH_ASSIGN_OR_RETURN(auto stmt, conn.Prepare(sqlite::kUpdateTokenLastUsedSql));
    stmt.BindText(1, token_id).BindInt(2, when);
    return stmt.Run();
  });
}

Result<std::vector<TokenRecord>> SqliteStore::ListTokens(const std::string& user_id,
                                                         const std::optional<std::string>& after_id,
                                                         int limit) {
  if (limit <= 0) return std::vector<TokenRecord>{};
  return Query([&](Connection& conn) -> Result<std::vector<TokenRecord>> {
    SH_ASSIGN_OR_RETURN(auto stmt, conn.Prepare(after_id ? sqlite::kSelectTokensAfterSql
                                                         : sqlite::kSelectTokensSql));
    stmt.BindText(1, user_id).BindInt(2, limit);
    if (after_id) stmt.BindText(3, *after_id);
    std::vector<TokenRecord> tokens;
    for (;;) {
      SH_ASSIGN_OR_RETURN(const bool row, stmt.Step());
      if (!row) break;
      tokens.push_back(sqlite::ReadToken(stmt));
    }
    return tokens;
  });
}

Result<void> SqliteStore::DeleteToken(const std::string& user_id, const std::string& token_id) {
  return Write([&](Connection& conn) -> Result<void> {
    SH_ASSIGN_OR_RETURN(auto stmt, conn.Prepare(sqlite::kDeleteTokenSql));
    stmt.BindText(1, token_id).BindText(2, user_id);
    SH_TRY(stmt.Run());
    if (conn.Changes() == 0) return Fail(Error::NotFound("token not found"));
    return {};
  });
}

// ---------------------------------------------------------------------------
// StackStore

Result<void> SqliteStore::CreateStack(const StackRecord& stack,
                                      const std::optional<std::string>& initial_state) {
  return Write([&](Connection& conn) -> Result<void> {
    {
      SH_ASSIGN_OR_RETURN(auto stmt, conn.Prepare(sqlite::kInsertStackSql));
      stmt.BindText(1, stack.id)
          .BindText(2, stack.org_id)
          .BindText(3, stack.project)
          .BindText(4, stack.name)
          .BindText(5, stack.created_by)
          .BindInt(6, stack.created)
          .BindInt(7, stack.version)
          .BindInt(8, stack.resource_count)
          .BindInt(9, stack.last_update)
          .BindText(10, stack.active_update);
      SH_TRY(sqlite::AlreadyExistsAs(
          stmt.Run(), fmt::format("stack '{}' already exists",
                                  sqlite::StackLabel(stack.org_name, stack.project, stack.name))));
    }
    for (const auto& [name, value] : stack.tags) {
      SH_TRY(sqlite::InsertTag(conn, stack.id, name, value));
    }
    if (initial_state) SH_TRY(sqlite::UpsertState(conn, stack.id, *initial_state));
    return {};
  });
}

Result<StackRecord> SqliteStore::GetStack(const std::string& org_name, const std::string& project,
                                          const std::string& name) {
  return Read([&](Connection& conn) -> Result<StackRecord> {
    StackRecord stack;
    {
      SH_ASSIGN_OR_RETURN(auto stmt, conn.Prepare(sqlite::kSelectStackSql));
      stmt.BindText(1, org_name).BindText(2, project).BindText(3, name);
      SH_ASSIGN_OR_RETURN(const bool row, stmt.Step());
      if (!row) {
        return Fail(Error::NotFound(
            fmt::format("stack '{}' not found", sqlite::StackLabel(org_name, project, name))));
      }
      stack = sqlite::ReadStack(stmt);
    }
    SH_TRY(sqlite::LoadTags(conn, stack));
    return stack;
  });
}

Result<bool> SqliteStore::ProjectExists(const std::string& org_id, const std::string& project) {
  return Query([&](Connection& conn) -> Result<bool> {
    SH_ASSIGN_OR_RETURN(auto stmt, conn.Prepare(sqlite::kProjectExistsSql));
    stmt.BindText(1, org_id).BindText(2, project);
    SH_ASSIGN_OR_RETURN(const bool row, stmt.Step());
    return row && stmt.ColumnInt(0) != 0;
  });
}

Result<std::vector<StackRecord>> SqliteStore::ListStacks(const StackQuery& query) {
  if (query.org_ids.empty() || query.limit <= 0) return std::vector<StackRecord>{};

  return Read([&](Connection& conn) -> Result<std::vector<StackRecord>> {
    std::vector<StackRecord> stacks;
    {
      SH_ASSIGN_OR_RETURN(auto stmt, conn.PrepareUncached(sqlite::ListStacksSql(query)));
      int index = 0;
      for (const std::string& org_id : query.org_ids) stmt.BindText(++index, org_id);
      if (query.project) stmt.BindText(++index, *query.project);
      if (query.tag_name) {
        stmt.BindText(++index, *query.tag_name);
        if (query.tag_value) stmt.BindText(++index, *query.tag_value);
      }
      if (query.after) {
        stmt.BindText(++index, query.after->org_name);
        stmt.BindText(++index, query.after->project);
        stmt.BindText(++index, query.after->name);
      }
      stmt.BindInt(++index, query.limit);
      for (;;) {
        SH_ASSIGN_OR_RETURN(const bool row, stmt.Step());
        if (!row) break;
        stacks.push_back(sqlite::ReadStack(stmt));
      }
    }
    for (StackRecord& stack : stacks) SH_TRY(sqlite::LoadTags(conn, stack));
    return stacks;
  });
}

Result<void> SqliteStore::DeleteStack(const std::string& stack_id) {
  return Write([&](Connection& conn) -> Result<void> {
    SH_ASSIGN_OR_RETURN(auto stmt, conn.Prepare(sqlite::kDeleteStackSql));
    stmt.BindText(1, stack_id);
    SH_TRY(stmt.Run());
    if (conn.Changes() == 0) return Fail(Error::NotFound("stack not found"));
    return {};
  });
}

Result<void> SqliteStore::MoveStack(const std::string& stack_id, const std::string& org_id,
                                    const std::string& project, const std::string& name,
                                    const std::optional<std::string>& new_state) {
  return Write([&](Connection& conn) -> Result<void> {
    {
      SH_ASSIGN_OR_RETURN(auto stmt, conn.Prepare(sqlite::kMoveStackSql));
      stmt.BindText(1, stack_id).BindText(2, org_id).BindText(3, project).BindText(4, name);
      SH_TRY(sqlite::AlreadyExistsAs(
          stmt.Run(),
          fmt::format("stack '{}/{}' already exists in the target organization", project, name)));
      if (conn.Changes() == 0) return Fail(Error::NotFound("stack not found"));
    }
    if (new_state) SH_TRY(sqlite::UpsertState(conn, stack_id, *new_state));
    return {};
  });
}

// GetCurrentState: sqlite_update_store.cc (the current state may be an
// update's checkpoint).

Result<void> SqliteStore::ReplaceTags(const std::string& stack_id,
                                      const std::map<std::string, std::string>& tags) {
  return Write([&](Connection& conn) -> Result<void> {
    SH_TRY(sqlite::RequireStack(conn, stack_id));
    {
      SH_ASSIGN_OR_RETURN(auto stmt, conn.Prepare(sqlite::kDeleteTagsSql));
      stmt.BindText(1, stack_id);
      SH_TRY(stmt.Run());
    }
    for (const auto& [name, value] : tags) {
      SH_TRY(sqlite::InsertTag(conn, stack_id, name, value));
    }
    return {};
  });
}

Result<void> SqliteStore::AddTag(const std::string& stack_id, const std::string& name,
                                 const std::string& value) {
  return Write([&](Connection& conn) -> Result<void> {
    SH_TRY(sqlite::RequireStack(conn, stack_id));
    return sqlite::InsertTag(conn, stack_id, name, value);
  });
}

Result<void> SqliteStore::UpdateTag(const std::string& stack_id, const std::string& name,
                                    const std::string& value) {
  return Write([&](Connection& conn) -> Result<void> {
    SH_ASSIGN_OR_RETURN(auto stmt, conn.Prepare(sqlite::kUpdateTagSql));
    stmt.BindText(1, stack_id).BindText(2, name).BindText(3, value);
    SH_TRY(stmt.Run());
    if (conn.Changes() == 0) return Fail(Error::NotFound(fmt::format("tag '{}' not found", name)));
    return {};
  });
}

Result<void> SqliteStore::DeleteTag(const std::string& stack_id, const std::string& name) {
  return Write([&](Connection& conn) -> Result<void> {
    SH_ASSIGN_OR_RETURN(auto stmt, conn.Prepare(sqlite::kDeleteTagSql));
    stmt.BindText(1, stack_id).BindText(2, name);
    SH_TRY(stmt.Run());
    if (conn.Changes() == 0) return Fail(Error::NotFound(fmt::format("tag '{}' not found", name)));
    return {};
  });
}

PoolStats SqliteStore::Stats() const { return pool_->Stats(); }

Result<void> SqliteStore::RunInTransaction(const std::function<Result<void>()>& body) {
  if (sqlite::tls_ambient != nullptr && sqlite::tls_ambient->store == this) return body();
  sqlite::AmbientTransaction ambient;
  Result<void> result = Write([&](Connection& conn) -> Result<void> {
    ambient.store = this;
    ambient.conn = &conn;
    sqlite::AmbientTransaction* outer = std::exchange(sqlite::tls_ambient, &ambient);
    Result<void> inner;
    try {
      inner = body();
    } catch (...) {
      sqlite::tls_ambient = outer;
      throw;
    }
    sqlite::tls_ambient = outer;
    return inner;
  });
  if (result) {
    for (auto& fn : ambient.after_commit) fn();
  }
  return result;
}

void SqliteStore::AfterCommit(std::function<void()> fn) {
  if (sqlite::tls_ambient != nullptr && sqlite::tls_ambient->store == this) {
    sqlite::tls_ambient->after_commit.push_back(std::move(fn));
    return;
  }
  fn();
}

// ---------------------------------------------------------------------------

Result<StorePtr> OpenSqliteStore(const SqliteOptions& options) {
  if (options.path.empty()) return Fail(Error::InvalidArgument("sqlite path is empty"));
  if (options.pool_size < 1) return Fail(Error::InvalidArgument("sqlite pool size must be >= 1"));
  if (options.busy_timeout_ms < 0) {
    return Fail(Error::InvalidArgument("sqlite busy timeout must be >= 0"));
  }
  try {
    std::vector<std::unique_ptr<Connection>> connections;
    connections.reserve(static_cast<size_t>(options.pool_size));
    {
      SH_ASSIGN_OR_RETURN(auto first, Connection::Open(options));
      SH_TRY(sqlite::Migrate(*first, options.path));
      connections.push_back(std::move(first));
    }
    while (connections.size() < static_cast<size_t>(options.pool_size)) {
      SH_ASSIGN_OR_RETURN(auto conn, Connection::Open(options));
      connections.push_back(std::move(conn));
    }
    auto pool =
        std::make_unique<sqlite::ConnectionPool>(std::move(connections), options.busy_timeout_ms);
    return std::make_unique<SqliteStore>(std::move(pool));
  } catch (const std::exception& e) {
    return sqlite::InternalFromException<Result<StorePtr>>(e);
  }
}

}  // namespace statehouse::storage
