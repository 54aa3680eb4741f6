// PostgresStore: users, orgs, tokens, stacks and tags; store-wide
// transactions, pool figures, opening and migrations.

#include "storage/postgres/postgres_store.h"

#include <fmt/format.h>

#include <exception>
#include <string_view>
#include <utility>
#include <vector>

#include "storage/postgres/migrations.h"
#include "storage/postgres/pg_internal.h"

namespace statehouse::storage {
namespace pg {
namespace {

// ---------------------------------------------------------------------------
// SQL

constexpr char kMigrationLockSql[] = "SELECT pg_advisory_lock($1)";
constexpr char kMigrationUnlockSql[] = "SELECT pg_advisory_unlock($1)";
constexpr char kSchemaTableExistsSql[] =
    "SELECT to_regclass('schema_migrations') IS NOT NULL";
constexpr char kSelectSchemaVersionSql[] =
    "SELECT COALESCE(MAX(version), 0) FROM schema_migrations";
constexpr char kInsertSchemaMigrationSql[] =
    "INSERT INTO schema_migrations (version, name, applied_at)"
    " VALUES ($1, $2, EXTRACT(EPOCH FROM now())::bigint)";

constexpr char kHasNoUsersSql[] = "SELECT NOT EXISTS (SELECT 1 FROM users)";
constexpr char kInsertUserSql[] =
    "INSERT INTO users (id, login, name, email, site_admin, created)"
    " VALUES ($1, $2, $3, $4, $5, $6)";
constexpr char kSelectUserByLoginSql[] =
    "SELECT id, login, name, email, site_admin, created FROM users"
    " WHERE sh_fold(login) = sh_fold($1)";

constexpr char kInsertOrgSql[] =
    "INSERT INTO orgs (id, name, created, default_stack_permission) VALUES ($1, $2, $3, $4)";
constexpr char kSelectOrgByNameSql[] =
    "SELECT id, name, created, default_stack_permission FROM orgs"
    " WHERE sh_fold(name) = sh_fold($1)";
constexpr char kInsertMembershipSql[] =
    "INSERT INTO memberships (org_id, user_id, role, created) VALUES ($1, $2, $3, $4)";
constexpr char kSelectRoleSql[] = "SELECT role FROM memberships WHERE org_id = $1 AND user_id = $2";
constexpr char kSelectMembershipsSql[] =
    "SELECT m.org_id, o.name, m.user_id, m.role, m.created"
    " FROM memberships AS m JOIN orgs AS o ON o.id = m.org_id"
    " WHERE m.user_id = $1 ORDER BY sh_fold(o.name), o.id";

constexpr char kInsertTokenSql[] =
    "INSERT INTO tokens (id, user_id, hash, name, description, created, last_used, expires)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
constexpr char kSelectTokenByHashSql[] =
    "SELECT t.id, t.user_id, t.name, t.description, t.created, t.last_used, t.expires,"
    " u.id, u.login, u.name, u.email, u.site_admin, u.created"
    " FROM tokens AS t JOIN users AS u ON u.id = t.user_id"
    " WHERE t.hash = $1 AND NOT t.deleted";
constexpr char kUpdateTokenLastUsedSql[] =
    "UPDATE tokens SET last_used = $2 WHERE id = $1 AND NOT deleted";
constexpr char kSelectTokensSql[] =
    "SELECT id, user_id, name, description, created, last_used, expires FROM tokens"
    " WHERE user_id = $1 AND NOT deleted ORDER BY created, id LIMIT $2";
constexpr char kSelectTokensAfterSql[] =
    "SELECT id, user_id, name, description, created, last_used, expires FROM tokens"
    " WHERE user_id = $1 AND NOT deleted"
    " AND (created, id) > (SELECT created, id FROM tokens WHERE id = $3 AND user_id = $1)"
    " ORDER BY created, id LIMIT $2";
constexpr char kDeleteTokenSql[] =
    "UPDATE tokens SET deleted = TRUE WHERE id = $1 AND user_id = $2 AND NOT deleted";

constexpr char kInsertStackSql[] =
    "INSERT INTO stacks (id, org_id, project, name, created_by, created, version,"
    " resource_count, last_update, active_update)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";
// The columns ReadStack() reads, in order, from `stacks AS s JOIN orgs AS o`.
#define SH_PG_STACK_SELECT                                                     \
  "SELECT s.id, s.org_id, o.name, s.project, s.name, s.created_by, s.created," \
  " s.version, s.resource_count, s.last_update, s.active_update"               \
  " FROM stacks AS s JOIN orgs AS o ON o.id = s.org_id"
constexpr char kSelectStackSql[] = SH_PG_STACK_SELECT
    " WHERE sh_fold(o.name) = sh_fold($1) AND sh_fold(s.project) = sh_fold($2)"
    " AND sh_fold(s.name) = sh_fold($3)";
// ListStacks appends optional filters, ordering and limit to this prefix.
constexpr char kListStacksPrefixSql[] = SH_PG_STACK_SELECT " WHERE s.org_id = ANY($1::text[])";
#undef SH_PG_STACK_SELECT
constexpr char kStackExistsSql[] = "SELECT 1 FROM stacks WHERE id = $1";
constexpr char kLockStackSql[] = "SELECT 1 FROM stacks WHERE id = $1 FOR NO KEY UPDATE";
constexpr char kProjectExistsSql[] =
    "SELECT EXISTS (SELECT 1 FROM stacks WHERE org_id = $1 AND sh_fold(project) = sh_fold($2))";
constexpr char kDeleteStackSql[] = "DELETE FROM stacks WHERE id = $1";
constexpr char kMoveStackSql[] =
    "UPDATE stacks SET org_id = $2, project = $3, name = $4 WHERE id = $1";

constexpr char kUpsertStateSql[] =
    "INSERT INTO stack_states (stack_id, deployment) VALUES ($1, $2)"
    " ON CONFLICT (stack_id) DO UPDATE SET deployment = excluded.deployment";

constexpr char kSelectTagsSql[] = "SELECT name, value FROM stack_tags WHERE stack_id = $1";
constexpr char kSelectTagsOfSql[] =
    "SELECT stack_id, name, value FROM stack_tags WHERE stack_id = ANY($1::text[])";
constexpr char kInsertTagSql[] =
    "INSERT INTO stack_tags (stack_id, name, value) VALUES ($1, $2, $3)";
constexpr char kUpdateTagSql[] =
    "UPDATE stack_tags SET value = $3 WHERE stack_id = $1 AND name = $2";
constexpr char kDeleteTagSql[] = "DELETE FROM stack_tags WHERE stack_id = $1 AND name = $2";
constexpr char kDeleteTagsSql[] = "DELETE FROM stack_tags WHERE stack_id = $1";

// ---------------------------------------------------------------------------
// Row helpers

TokenRecord ReadToken(const Rows& rows) {
  TokenRecord token;
  token.id = rows.Text(0);
  token.user_id = rows.Text(1);
  token.name = rows.Text(2);
  token.description = rows.Text(3);
  token.created = rows.Int(4);
  token.last_used = rows.Int(5);
  token.expires = rows.Int(6);
  return token;
}

StackRecord ReadStack(const Rows& rows) {
  StackRecord stack;
  stack.id = rows.Text(0);
  stack.org_id = rows.Text(1);
  stack.org_name = rows.Text(2);
  stack.project = rows.Text(3);
  stack.name = rows.Text(4);
  stack.created_by = rows.Text(5);
  stack.created = rows.Int(6);
  stack.version = rows.Int(7);
  stack.resource_count = rows.Int(8);
  stack.last_update = rows.Int(9);
  stack.active_update = rows.Text(10);
  return stack;
}

// ---------------------------------------------------------------------------
// Statement helpers shared by several methods

Result<void> InsertUser(Connection& conn, const UserRecord& user) {
  return AlreadyExistsAs(conn.Run(kInsertUserSql, Params()
                                                       .Text(user.id)
                                                       .Text(user.login)
                                                       .Text(user.name)
                                                       .Text(user.email)
                                                       .Bool(user.site_admin)
                                                       .Int(user.created)),
                         fmt::format("user '{}' already exists", user.login));
}

Result<void> InsertOrg(Connection& conn, const OrgRecord& org) {
  return AlreadyExistsAs(
      conn.Run(kInsertOrgSql, Params()
                                   .Text(org.id)
                                   .Text(org.name)
                                   .Int(org.created)
                                   .Int(org.default_stack_permission)),
      fmt::format("organization '{}' already exists", org.name));
}

Result<void> InsertMembership(Connection& conn, const std::string& org_id,
                              const std::string& user_id, OrgRole role, int64_t created) {
  return AlreadyExistsAs(
      conn.Run(kInsertMembershipSql,
                Params().Text(org_id).Text(user_id).Int(static_cast<int64_t>(role)).Int(created)),
      "membership already exists");
}

Result<void> InsertToken(Connection& conn, const TokenRecord& token, const std::string& user_id,
                         const std::string& token_hash) {
  return AlreadyExistsAs(conn.Run(kInsertTokenSql, Params()
                                                        .Text(token.id)
                                                        .Text(user_id)
                                                        .Text(token_hash)
                                                        .Text(token.name)
                                                        .Text(token.description)
                                                        .Int(token.created)
                                                        .Int(token.last_used)
                                                        .Int(token.expires)),
                         "token already exists");
}

Result<void> InsertTag(Connection& conn, const std::string& stack_id, const std::string& name,
                       const std::string& value) {
  return AlreadyExistsAs(
      conn.Run(kInsertTagSql, Params().Text(stack_id).Text(name).Text(value)),
      fmt::format("tag '{}' already exists", name));
}

Result<void> UpsertState(Connection& conn, const std::string& stack_id, const std::string& state) {
  SH_TRY(conn.Run(kUpsertStateSql, Params().Text(stack_id).Bytes(state)));
  return {};
}

// kNotFound unless the stack exists; with `lock`, also row-locks it until
// the transaction ends.
Result<void> RequireStack(Connection& conn, const std::string& stack_id, bool lock) {
  SH_ASSIGN_OR_RETURN(auto rows,
                      conn.Exec(lock ? kLockStackSql : kStackExistsSql, Params().Text(stack_id)));
  if (!rows.Next()) return Fail(Error::NotFound("stack not found"));
  return {};
}

Result<void> LoadTags(Connection& conn, StackRecord& stack) {
  SH_ASSIGN_OR_RETURN(auto rows, conn.Exec(kSelectTagsSql, Params().Text(stack.id)));
  while (rows.Next()) stack.tags.emplace(rows.Text(0), rows.Text(1));
  return {};
}

Result<void> LoadTags(Connection& conn, std::vector<StackRecord>& stacks) {
  if (stacks.empty()) return {};
  std::vector<std::string> ids;
  std::unordered_map<std::string, StackRecord*> by_id;
  for (StackRecord& stack : stacks) {
    ids.push_back(stack.id);
    by_id.emplace(stack.id, &stack);
  }
  SH_ASSIGN_OR_RETURN(auto rows, conn.Exec(kSelectTagsOfSql, Params().Text(TextArray(ids))));
  while (rows.Next()) {
    auto it = by_id.find(rows.Text(0));
    if (it != by_id.end()) it->second->tags.emplace(rows.Text(1), rows.Text(2));
  }
  return {};
}

std::string StackLabel(std::string_view org_name, std::string_view project, std::string_view name) {
  if (org_name.empty()) return fmt::format("{}/{}", project, name);
  return fmt::format("{}/{}/{}", org_name, project, name);
}

// The statement for `query` and its parameters: org ids, project, tag name,
// tag value, keyset position, limit.
std::string ListStacksSql(const StackQuery& query, Params& params) {
  std::string sql = kListStacksPrefixSql;
  params.Text(TextArray(query.org_ids));
  int n = 1;
  if (query.project) {
    sql += fmt::format(" AND sh_fold(s.project) = sh_fold(${})", ++n);
    params.Text(*query.project);
  }
  if (query.tag_name) {
    sql += fmt::format(
        " AND EXISTS (SELECT 1 FROM stack_tags AS t WHERE t.stack_id = s.id AND t.name = ${}",
        ++n);
    params.Text(*query.tag_name);
    if (query.tag_value) {
      sql += fmt::format(" AND t.value = ${}", ++n);
      params.Text(*query.tag_value);
    }
    sql += ")";
  }
  if (query.after) {
    sql += fmt::format(
        " AND (sh_fold(o.name), sh_fold(s.project), sh_fold(s.name))"
        " > (sh_fold(${}), sh_fold(${}), sh_fold(${}))",
        n + 1, n + 2, n + 3);
    n += 3;
    params.Text(query.after->org_name).Text(query.after->project).Text(query.after->name);
  }
  sql += fmt::format(
      " ORDER BY sh_fold(o.name), sh_fold(s.project), sh_fold(s.name) LIMIT ${}", ++n);
  params.Int(query.limit);
  return sql;
}

// ---------------------------------------------------------------------------
// Schema

Result<int64_t> SchemaVersion(Connection& conn) {
  {
    SH_ASSIGN_OR_RETURN(auto rows, conn.Exec(kSchemaTableExistsSql));
    if (!rows.Next() || !rows.Bool(0)) return 0;
  }
  SH_ASSIGN_OR_RETURN(auto rows, conn.Exec(kSelectSchemaVersionSql));
  return rows.Next() ? rows.Int(0) : 0;
}

Error SchemaMismatchError(int64_t version, bool newer) {
  if (newer) {
    return Error{ErrorCode::kInternal,
                 fmt::format("database schema version {} is newer than this binary supports ({})",
                             version, LatestSchemaVersion()),
                 "postgres database"};
  }
  return Error{ErrorCode::kInternal,
               fmt::format("database schema version {} is older than this binary needs ({}); "
                           "run `statehouse migrate`",
                           version, LatestSchemaVersion()),
               "postgres database"};
}

// Applies every pending migration under the migration lock, each in its own
// transaction. Returns the resulting version.
Result<int64_t> Migrate(Connection& conn) {
  SH_TRY(conn.ExecScript("SET lock_timeout = 0"));
  SH_TRY(conn.Run(kMigrationLockSql, Params().Int(kMigrationLockKey)));
  auto migrate = [&]() -> Result<int64_t> {
    SH_TRY(conn.ExecScript(kCreateSchemaMigrationsSql));
    SH_ASSIGN_OR_RETURN(int64_t current, SchemaVersion(conn));
    if (current > LatestSchemaVersion()) return Fail(SchemaMismatchError(current, true));
    for (const Migration& migration : AllMigrations()) {
      if (migration.version <= current) continue;
      SH_ASSIGN_OR_RETURN(auto tx, Transaction::Begin(conn, Transaction::Mode::kWrite));
      if (auto applied = conn.ExecScript(migration.sql); !applied) {
        Error error = std::move(applied).error();
        error.detail =
            fmt::format("migration {} ({}): {}", migration.version, migration.name, error.detail);
        return Fail(std::move(error));
      }
      SH_TRY(conn.Run(kInsertSchemaMigrationSql,
                       Params().Int(migration.version).Text(migration.name)));
      SH_TRY(tx.Commit());
      current = migration.version;
    }
    return current;
  };
  Result<int64_t> result = migrate();
  if (!conn.broken()) (void)conn.Run(kMigrationUnlockSql, Params().Int(kMigrationLockKey));
  return result;
}

Result<void> ValidateOptions(const PostgresOptions& options) {
  if (options.url.empty()) return Fail(Error::InvalidArgument("postgres url is empty"));
  if (options.pool_size < 1) return Fail(Error::InvalidArgument("postgres pool size must be >= 1"));
  if (options.timeout_ms < 0) return Fail(Error::InvalidArgument("postgres timeout must be >= 0"));
  return {};
}

}  // namespace
}  // namespace pg

PostgresStore::PostgresStore(std::unique_ptr<pg::ConnectionPool> pool) : pool_(std::move(pool)) {}

PostgresStore::~PostgresStore() = default;

// ---------------------------------------------------------------------------
// UserStore

Result<bool> PostgresStore::HasNoUsers() {
  return Query([](Connection& conn) -> Result<bool> {
    SH_ASSIGN_OR_RETURN(auto rows, conn.Exec(pg::kHasNoUsersSql));
    return rows.Next() && rows.Bool(0);
  });
}

Result<void> PostgresStore::CreateUserWithPersonalOrg(const UserRecord& user, const OrgRecord& org,
                                                      const std::optional<TokenRecord>& token,
                                                      const std::string& token_hash) {
  return Write([&](Connection& conn) -> Result<void> {
    SH_TRY(pg::InsertUser(conn, user));
    SH_TRY(pg::InsertOrg(conn, org));
    SH_TRY(pg::InsertMembership(conn, org.id, user.id, OrgRole::kAdmin, org.created));
    if (token) SH_TRY(pg::InsertToken(conn, *token, user.id, token_hash));
    return {};
  });
}

Result<UserRecord> PostgresStore::GetUserByLogin(const std::string& login) {
  return Query([&](Connection& conn) -> Result<UserRecord> {
    SH_ASSIGN_OR_RETURN(auto rows, conn.Exec(pg::kSelectUserByLoginSql, Params().Text(login)));
    if (!rows.Next()) return Fail(Error::NotFound(fmt::format("user '{}' not found", login)));
    return pg::ReadUser(rows, 0);
  });
}

// ---------------------------------------------------------------------------
// OrgStore

Result<void> PostgresStore::CreateOrg(const OrgRecord& org, const std::string& admin_user_id) {
  return Write([&](Connection& conn) -> Result<void> {
    SH_TRY(pg::InsertOrg(conn, org));
    return pg::InsertMembership(conn, org.id, admin_user_id, OrgRole::kAdmin, org.created);
  });
}

Result<OrgRecord> PostgresStore::GetOrgByName(const std::string& name) {
  return Query([&](Connection& conn) -> Result<OrgRecord> {
    SH_ASSIGN_OR_RETURN(auto rows, conn.Exec(pg::kSelectOrgByNameSql, Params().Text(name)));
    if (!rows.Next()) {
      return Fail(Error::NotFound(fmt::format("organization '{}' not found", name)));
    }
    OrgRecord org;
    org.id = rows.Text(0);
    org.name = rows.Text(1);
    org.created = rows.Int(2);
    org.default_stack_permission = static_cast<int>(rows.Int(3));
    return org;
  });
}

Result<OrgRole> PostgresStore::GetRole(const std::string& org_id, const std::string& user_id) {
  return Query([&](Connection& conn) -> Result<OrgRole> {
    SH_ASSIGN_OR_RETURN(auto rows, conn.Exec(pg::kSelectRoleSql, Params().Text(org_id).Text(user_id)));
    return rows.Next() ? pg::ToRole(rows.Int(0)) : OrgRole::kNone;
  });
}

Result<std::vector<MembershipRecord>> PostgresStore::ListMemberships(const std::string& user_id) {
  return Query([&](Connection& conn) -> Result<std::vector<MembershipRecord>> {
    SH_ASSIGN_OR_RETURN(auto rows, conn.Exec(pg::kSelectMembershipsSql, Params().Text(user_id)));
    std::vector<MembershipRecord> memberships;
    while (rows.Next()) {
      MembershipRecord& m = memberships.emplace_back();
      m.org_id = rows.Text(0);
      m.org_name = rows.Text(1);
      m.user_id = rows.Text(2);
      m.role = pg::ToRole(rows.Int(3));
      m.created = rows.Int(4);
    }
    return memberships;
  });
}

Result<void> PostgresStore::AddMember(const std::string& org_id, const std::string& user_id,
                                      OrgRole role, int64_t created) {
  return Write([&](Connection& conn) -> Result<void> {
    return pg::AlreadyExistsAs(pg::InsertMembership(conn, org_id, user_id, role, created),
                               "user is already a member of the organization");
  });
}

// ---------------------------------------------------------------------------
// TokenStore

Result<void> PostgresStore::CreateToken(const TokenRecord& token, const std::string& token_hash) {
  return Write([&](Connection& conn) -> Result<void> {
    return pg::InsertToken(conn, token, token.user_id, token_hash);
  });
}

Result<std::optional<TokenLookup>> PostgresStore::FindTokenByHash(const std::string& token_hash) {
  return Query([&](Connection& conn) -> Result<std::optional<TokenLookup>> {
    SH_ASSIGN_OR_RETURN(auto rows, conn.Exec(pg::kSelectTokenByHashSql, Params().Text(token_hash)));
    if (!rows.Next()) return std::nullopt;
    return TokenLookup{pg::ReadToken(rows), pg::ReadUser(rows, 7)};
  });
}

Result<void> PostgresStore::SetTokenLastUsed(const std::string& token_id, int64_t when) {
  return Query([&](Connection& conn) -> Result<void> {
    SH_TRY(conn.Exec(pg::kUpdateTokenLastUsedSql, Params().Text(token_id).Int(when)));
    return {};
  });
}

Result<std::vector<TokenRecord>> PostgresStore::ListTokens(
    const std::string& user_id, const std::optional<std::string>& after_id, int limit) {
  if (limit <= 0) return std::vector<TokenRecord>{};
  return Query([&](Connection& conn) -> Result<std::vector<TokenRecord>> {
    Params params;
    params.Text(user_id).Int(limit);
    if (after_id) params.Text(*after_id);
    SH_ASSIGN_OR_RETURN(
        auto rows, conn.Exec(after_id ? pg::kSelectTokensAfterSql : pg::kSelectTokensSql, params));
    std::vector<TokenRecord> tokens;
    while (rows.Next()) tokens.push_back(pg::ReadToken(rows));
    return tokens;
  });
}

Result<void> PostgresStore::DeleteToken(const std::string& user_id, const std::string& token_id) {
  return Query([&](Connection& conn) -> Result<void> {
    SH_ASSIGN_OR_RETURN(auto rows, conn.Exec(pg::kDeleteTokenSql, Params().Text(token_id).Text(user_id)));
    if (rows.Affected() == 0) return Fail(Error::NotFound("token not found"));
    return {};
  });
}

// ---------------------------------------------------------------------------
// StackStore

Result<void> PostgresStore::CreateStack(const StackRecord& stack,
                                        const std::optional<std::string>& initial_state) {
  return Write([&](Connection& conn) -> Result<void> {
    SH_TRY(pg::AlreadyExistsAs(
        conn.Run(pg::kInsertStackSql, Params()
                                           .Text(stack.id)
                                           .Text(stack.org_id)
                                           .Text(stack.project)
                                           .Text(stack.name)
                                           .Text(stack.created_by)
                                           .Int(stack.created)
                                           .Int(stack.version)
                                           .Int(stack.resource_count)
                                           .Int(stack.last_update)
                                           .Text(stack.active_update)),
        fmt::format("stack '{}' already exists",
                    pg::StackLabel(stack.org_name, stack.project, stack.name))));
    for (const auto& [name, value] : stack.tags) {
      SH_TRY(pg::InsertTag(conn, stack.id, name, value));
    }
    if (initial_state) SH_TRY(pg::UpsertState(conn, stack.id, *initial_state));
    return {};
  });
}

Result<StackRecord> PostgresStore::GetStack(const std::string& org_name,
                                            const std::string& project, const std::string& name) {
  return Read([&](Connection& conn) -> Result<StackRecord> {
    StackRecord stack;
    {
      SH_ASSIGN_OR_RETURN(auto rows, conn.Exec(pg::kSelectStackSql,
                                               Params().Text(org_name).Text(project).Text(name)));
      if (!rows.Next()) {
        return Fail(Error::NotFound(
            fmt::format("stack '{}' not found", pg::StackLabel(org_name, project, name))));
      }
      stack = pg::ReadStack(rows);
    }
    SH_TRY(pg::LoadTags(conn, stack));
    return stack;
  });
}

Result<bool> PostgresStore::ProjectExists(const std::string& org_id, const std::string& project) {
  return Query([&](Connection& conn) -> Result<bool> {
    SH_ASSIGN_OR_RETURN(auto rows,
                        conn.Exec(pg::kProjectExistsSql, Params().Text(org_id).Text(project)));
    return rows.Next() && rows.Bool(0);
  });
}

Result<std::vector<StackRecord>> PostgresStore::ListStacks(const StackQuery& query) {
  if (query.org_ids.empty() || query.limit <= 0) return std::vector<StackRecord>{};
  return Read([&](Connection& conn) -> Result<std::vector<StackRecord>> {
    std::vector<StackRecord> stacks;
    {
      Params params;
      const std::string sql = pg::ListStacksSql(query, params);
      SH_ASSIGN_OR_RETURN(auto rows, conn.ExecDynamic(sql, params));
      while (rows.Next()) stacks.push_back(pg::ReadStack(rows));
    }
    SH_TRY(pg::LoadTags(conn, stacks));
    return stacks;
  });
}

// Team grants, service items, updates, secrets and events go by ON DELETE
// CASCADE; the stack's webhooks by trigger.
Result<void> PostgresStore::DeleteStack(const std::string& stack_id) {
  return Write([&](Connection& conn) -> Result<void> {
    SH_ASSIGN_OR_RETURN(auto rows, conn.Exec(pg::kDeleteStackSql, Params().Text(stack_id)));
    if (rows.Affected() == 0) return Fail(Error::NotFound("stack not found"));
    return {};
  });
}

// The UPDATE row-locks the stack; a transfer drops its team grants
// (trigger); writing stack_states makes that text current (trigger).
Result<void> PostgresStore::MoveStack(const std::string& stack_id, const std::string& org_id,
                                      const std::string& project, const std::string& name,
                                      const std::optional<std::string>& new_state) {
  return Write([&](Connection& conn) -> Result<void> {
    {
      auto moved = conn.Exec(pg::kMoveStackSql,
                             Params().Text(stack_id).Text(org_id).Text(project).Text(name));
      if (!moved) {
        Error error = std::move(moved).error();
        if (error.code == ErrorCode::kAlreadyExists) {
          error.message = fmt::format("stack '{}/{}' already exists in the target organization",
                                      project, name);
        }
        return Fail(std::move(error));
      }
      if (moved->Affected() == 0) return Fail(Error::NotFound("stack not found"));
    }
    if (new_state) SH_TRY(pg::UpsertState(conn, stack_id, *new_state));
    return {};
  });
}

// GetCurrentState: postgres_update_store.cc (the current state may be an
// update's checkpoint).

// Locks the stack row so concurrent replacements serialize.
Result<void> PostgresStore::ReplaceTags(const std::string& stack_id,
                                        const std::map<std::string, std::string>& tags) {
  return Write([&](Connection& conn) -> Result<void> {
    SH_TRY(pg::RequireStack(conn, stack_id, /*lock=*/true));
    SH_TRY(conn.Exec(pg::kDeleteTagsSql, Params().Text(stack_id)));
    for (const auto& [name, value] : tags) {
      SH_TRY(pg::InsertTag(conn, stack_id, name, value));
    }
    return {};
  });
}

Result<void> PostgresStore::AddTag(const std::string& stack_id, const std::string& name,
                                   const std::string& value) {
  return Write([&](Connection& conn) -> Result<void> {
    SH_TRY(pg::RequireStack(conn, stack_id, /*lock=*/false));
    return pg::InsertTag(conn, stack_id, name, value);
  });
}

Result<void> PostgresStore::UpdateTag(const std::string& stack_id, const std::string& name,
                                      const std::string& value) {
  return Write([&](Connection& conn) -> Result<void> {
    SH_ASSIGN_OR_RETURN(auto rows,
                        conn.Exec(pg::kUpdateTagSql, Params().Text(stack_id).Text(name).Text(value)));
    if (rows.Affected() == 0) {
      return Fail(Error::NotFound(fmt::format("tag '{}' not found", name)));
    }
    return {};
  });
}

Result<void> PostgresStore::DeleteTag(const std::string& stack_id, const std::string& name) {
  return Write([&](Connection& conn) -> Result<void> {
    SH_ASSIGN_OR_RETURN(auto rows, conn.Exec(pg::kDeleteTagSql, Params().Text(stack_id).Text(name)));
    if (rows.Affected() == 0) {
      return Fail(Error::NotFound(fmt::format("tag '{}' not found", name)));
    }
    return {};
  });
}

// ---------------------------------------------------------------------------
// Store

PoolStats PostgresStore::Stats() const { return pool_->Stats(); }

Result<void> PostgresStore::RunInTransaction(const std::function<Result<void>()>& body) {
  if (pg::tls_ambient != nullptr && pg::tls_ambient->store == this) return body();
  pg::AmbientTransaction ambient;
  Result<void> result = [&]() -> Result<void> {
    try {
      SH_ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
      SH_ASSIGN_OR_RETURN(auto tx, Transaction::Begin(*conn, Transaction::Mode::kWrite));
      ambient.store = this;
      ambient.conn = &*conn;
      pg::AmbientTransaction* outer = std::exchange(pg::tls_ambient, &ambient);
      Result<void> inner;
      try {
        inner = body();
      } catch (...) {
        pg::tls_ambient = outer;
        throw;
      }
      pg::tls_ambient = outer;
      if (!inner) return inner;
      return tx.Commit();
    } catch (const std::exception& e) {
      return pg::InternalFromException<Result<void>>(e);
    }
  }();
  if (result) {
    for (auto& fn : ambient.after_commit) fn();
  }
  return result;
}

void PostgresStore::AfterCommit(std::function<void()> fn) {
  if (pg::tls_ambient != nullptr && pg::tls_ambient->store == this) {
    pg::tls_ambient->after_commit.push_back(std::move(fn));
    return;
  }
  fn();
}

// ---------------------------------------------------------------------------

int LatestPostgresSchemaVersion() { return pg::LatestSchemaVersion(); }

Result<int> MigratePostgres(const PostgresOptions& options) {
  SH_TRY(pg::ValidateOptions(options));
  try {
    SH_ASSIGN_OR_RETURN(auto conn, Connection::Open(options.url, options.timeout_ms));
    SH_ASSIGN_OR_RETURN(const int64_t version, pg::Migrate(*conn));
    return static_cast<int>(version);
  } catch (const std::exception& e) {
    return pg::InternalFromException<Result<int>>(e);
  }
}

Result<StorePtr> OpenPostgresStore(const PostgresOptions& options) {
  SH_TRY(pg::ValidateOptions(options));
  try {
    if (options.migrate) {
      SH_TRY(MigratePostgres(options));
    }
    std::vector<std::unique_ptr<Connection>> connections;
    connections.reserve(static_cast<size_t>(options.pool_size));
    while (connections.size() < static_cast<size_t>(options.pool_size)) {
      SH_ASSIGN_OR_RETURN(auto conn, Connection::Open(options.url, options.timeout_ms));
      if (connections.empty()) {
        SH_ASSIGN_OR_RETURN(const int64_t version, pg::SchemaVersion(*conn));
        if (version != pg::LatestSchemaVersion()) {
          return Fail(pg::SchemaMismatchError(version, version > pg::LatestSchemaVersion()));
        }
      }
      connections.push_back(std::move(conn));
    }
    auto pool = std::make_unique<pg::ConnectionPool>(std::move(connections), options.timeout_ms);
    return std::make_unique<PostgresStore>(std::move(pool));
  } catch (const std::exception& e) {
    return pg::InternalFromException<Result<StorePtr>>(e);
  }
}

}  // namespace statehouse::storage
