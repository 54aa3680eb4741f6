// The authorizer's per-request read: token, user, org, role, stack with its
// tags and team grants, in one statement.

#include "storage/sql_store.h"

namespace statehouse::storage {
namespace {

// The columns and joins of both access queries: one row per tag of the
// stack (tag columns NULL when it has none, or when no stack is named); every
// other column is the same on each row. The team grant is only looked up for
// plain members who did not create the stack (admins and creators have admin).
#define SH_ACCESS_SELECT(token_columns)                                                      \
  "SELECT " token_columns ","                                                               \
  " u.id, u.login, u.name, u.email, u.site_admin, u.created,"                               \
  " o.id, o.name, o.created, o.default_stack_permission, m.role, " SH_STACK_COLUMNS ","     \
  " CASE WHEN m.role = 1 AND s.created_by <> u.id THEN"                                     \
  " (SELECT COALESCE(MAX(g.permission), 0) FROM team_stack_grants AS g"                     \
  "  JOIN team_members AS tm ON tm.team_id = g.team_id AND tm.user_id = u.id"               \
  "  JOIN teams AS tt ON tt.id = g.team_id AND tt.org_id = s.org_id"                        \
  "  WHERE g.stack_id = s.id) ELSE 0 END,"                                                  \
  " tg.name, tg.value"
#define SH_ACCESS_JOINS                                                                     \
  " LEFT JOIN orgs AS o ON sh_fold(o.name) = sh_fold($2)"                                   \
  " LEFT JOIN memberships AS m ON m.org_id = o.id AND m.user_id = u.id"                     \
  " LEFT JOIN stacks AS s ON s.org_id = o.id AND sh_fold(s.project) = sh_fold($3)"          \
  " AND sh_fold(s.name) = sh_fold($4)" SH_STACK_ACTIVE_UPDATE_JOIN                          \
  " LEFT JOIN stack_tags AS tg ON tg.stack_id = s.id"

// $1 token hash; no row when no live token has it.
SH_QUERY(kLoadAccessByToken,
         SH_ACCESS_SELECT("t.id, t.user_id, t.name, t.description, t.created, t.last_used,"
                          " t.expires")
         " FROM tokens AS t JOIN users AS u ON u.id = t.user_id" SH_ACCESS_JOINS
         " WHERE t.hash = $1 AND NOT t.deleted");
// $1 user id; no row when the user is absent.
SH_QUERY(kLoadAccessByUser,
         SH_ACCESS_SELECT("NULL, NULL, NULL, NULL, NULL, NULL, NULL")
         " FROM users AS u" SH_ACCESS_JOINS " WHERE u.id = $1");
#undef SH_ACCESS_SELECT
#undef SH_ACCESS_JOINS

// One row per tag of the stack; no row when the stack is absent.
SH_QUERY(kLoadUpdateAccess,
         "SELECT o.id, o.name, o.created, o.default_stack_permission, " SH_STACK_COLUMNS ", "
         SH_UPDATE_COLUMNS_OF("up.") ", tg.name, tg.value"
         " FROM stacks AS s JOIN orgs AS o ON o.id = s.org_id" SH_STACK_ACTIVE_UPDATE_JOIN
         " LEFT JOIN updates AS up ON up.id = $4 AND up.stack_id = s.id"
         " LEFT JOIN stack_tags AS tg ON tg.stack_id = s.id"
         " WHERE sh_fold(o.name) = sh_fold($1) AND sh_fold(s.project) = sh_fold($2)"
         " AND sh_fold(s.name) = sh_fold($3)");

constexpr int kUser = 7, kOrg = 13, kRole = 17, kStack = 18, kTeam = kStack + kStackColumns,
              kTag = kTeam + 1;

}  // namespace

Result<AccessContext> SqlStore::LoadAccess(const AccessQuery& query) {
  std::optional<uint64_t> generation;
  std::string key;
  if (query.allow_cached && (generation = engine_->AwaitChangeGeneration())) {
    key = AccessCache::Key(query);
    if (auto hit = access_cache_.Find(key, *generation)) return std::move(*hit);
  }
  auto loaded = ReadAccess(query);
  // Unknown callers are not kept: a spray of made-up tokens must not evict
  // the callers who exist.
  if (generation && loaded && loaded->user) {
    access_cache_.Insert(std::move(key), *generation, *loaded);
  }
  return loaded;
}

Result<AccessContext> SqlStore::ReadAccess(const AccessQuery& query) {
  return engine_->Single([&](Session& s) -> Result<AccessContext> {
    const bool by_token = !query.token_hash.empty();
    SH_ASSIGN_OR_RETURN(
        auto rows, s.Query(by_token ? kLoadAccessByToken : kLoadAccessByUser,
                           Params::Of(by_token ? query.token_hash : query.user_id, query.org_name,
                                      query.project, query.stack_name)));
    AccessContext context;
    if (!rows.Next()) return context;
    if (!rows.IsNull(kUser)) context.user = ReadUser(rows, kUser);
    if (!rows.IsNull(0) && context.user) {
      context.token = TokenLookup{ReadToken(rows, 0), *context.user};
    }
    if (!rows.IsNull(kOrg)) {
      context.org = ReadOrg(rows, kOrg);
      context.role = rows.IsNull(kRole) ? OrgRole::kNone : ToRole(rows.Int(kRole));
    }
    if (!rows.IsNull(kStack)) {
      context.team_permission = static_cast<int>(rows.Int(kTeam));
      ReadTags(rows, kTag, context.stack.emplace(ReadStack(rows, kStack)));
    }
    return context;
  });
}

Result<UpdateAccessContext> SqlStore::LoadUpdateAccess(const std::string& org_name,
                                                       const std::string& project,
                                                       const std::string& stack_name,
                                                       const std::string& update_id) {
  constexpr int kStackAt = 4, kUpdateAt = kStackAt + kStackColumns,
                kTagAt = kUpdateAt + kUpdateColumns;
  return engine_->Single([&](Session& s) -> Result<UpdateAccessContext> {
    SH_ASSIGN_OR_RETURN(auto rows, s.Query(kLoadUpdateAccess,
                                           Params::Of(org_name, project, stack_name, update_id)));
    UpdateAccessContext context;
    if (!rows.Next()) return context;
    context.org = ReadOrg(rows, 0);
    if (!rows.IsNull(kUpdateAt)) context.update = ReadUpdate(rows, kUpdateAt);
    ReadTags(rows, kTagAt, context.stack.emplace(ReadStack(rows, kStackAt)));
    return context;
  });
}

}  // namespace statehouse::storage
