// Stacks and their tags (the current state lives in update_store.cc, since it
// may be an update's checkpoint).

#include <fmt/format.h>

#include <unordered_map>

#include "storage/sql_store.h"

namespace statehouse::storage {
namespace {

SH_QUERY(kInsertStack,
         "INSERT INTO stacks (id, org_id, project, name, created_by, created, version,"
         " resource_count, last_update, active_update)"
         " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)");
// The stack with one row per tag (tag columns NULL when it has none).
SH_QUERY(kSelectStackWithTags,
         "SELECT " SH_STACK_COLUMNS ", t.name, t.value"
         " FROM stacks AS s JOIN orgs AS o ON o.id = s.org_id" SH_STACK_ACTIVE_UPDATE_JOIN
         " LEFT JOIN stack_tags AS t ON t.stack_id = s.id"
         " WHERE sh_fold(o.name) = sh_fold($1) AND sh_fold(s.project) = sh_fold($2)"
         " AND sh_fold(s.name) = sh_fold($3)");
constexpr char kListStacksPrefix[] =
    "SELECT " SH_STACK_COLUMNS " FROM stacks AS s JOIN orgs AS o ON o.id = s.org_id"
    SH_STACK_ACTIVE_UPDATE_JOIN " WHERE s.org_id IN (";
SH_QUERY(kStackExists, "SELECT 1 FROM stacks WHERE id = $1");
SH_QUERY(kLockStack, "SELECT 1 FROM stacks WHERE id = $1 FOR NO KEY UPDATE");
SH_QUERY(kProjectExists,
         "SELECT EXISTS (SELECT 1 FROM stacks WHERE org_id = $1 AND sh_fold(project) = sh_fold($2))");
SH_QUERY(kDeleteStack, "DELETE FROM stacks WHERE id = $1");
SH_QUERY(kMoveStack, "UPDATE stacks SET org_id = $2, project = $3, name = $4 WHERE id = $1");
SH_QUERY(kUpsertState,
         "INSERT INTO stack_states (stack_id, deployment) VALUES ($1, $2)"
         " ON CONFLICT (stack_id) DO UPDATE SET deployment = excluded.deployment");
SH_QUERY(kInsertTag, "INSERT INTO stack_tags (stack_id, name, value) VALUES ($1, $2, $3)");
SH_QUERY(kUpdateTag, "UPDATE stack_tags SET value = $3 WHERE stack_id = $1 AND name = $2");
SH_QUERY(kDeleteTag, "DELETE FROM stack_tags WHERE stack_id = $1 AND name = $2");
SH_QUERY(kDeleteTags, "DELETE FROM stack_tags WHERE stack_id = $1");

std::string StackLabel(std::string_view org_name, std::string_view project, std::string_view name) {
  if (org_name.empty()) return fmt::format("{}/{}", project, name);
  return fmt::format("{}/{}/{}", org_name, project, name);
}

Result<void> InsertTag(Session& s, const std::string& stack_id, const std::string& name,
                       const std::string& value) {
  return AlreadyExistsAs(s.Run(kInsertTag, Params::Of(stack_id, name, value)),
                         fmt::format("tag '{}' already exists", name));
}

// The statement for `query` and its parameters: org ids, project, tag name,
// tag value, keyset position, limit.
std::string ListStacksSql(const StackQuery& query, Params& params) {
  std::string sql = kListStacksPrefix;
  sql += Placeholders(1, query.org_ids.size()) + ")";
  for (const std::string& id : query.org_ids) params.Text(id);
  int n = static_cast<int>(query.org_ids.size());
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
  sql += fmt::format(" ORDER BY sh_fold(o.name), sh_fold(s.project), sh_fold(s.name) LIMIT ${}",
                     ++n);
  params.Int(query.limit);
  return sql;
}

// Loads the tags of `stacks` with one statement.
Result<void> LoadTags(Session& s, std::vector<StackRecord>& stacks) {
  if (stacks.empty()) return {};
  Params params;
  std::unordered_map<std::string, StackRecord*> by_id;
  for (StackRecord& stack : stacks) {
    params.Text(stack.id);
    by_id.emplace(stack.id, &stack);
  }
  SH_ASSIGN_OR_RETURN(
      auto rows, s.QueryDynamic("SELECT stack_id, name, value FROM stack_tags WHERE stack_id IN (" +
                                    Placeholders(1, stacks.size()) + ")",
                                params));
  while (rows.Next()) {
    auto it = by_id.find(rows.Text(0));
    if (it != by_id.end()) it->second->tags.emplace(rows.Text(1), rows.Text(2));
  }
  return {};
}

}  // namespace

StackRecord ReadStack(const Rows& rows, int first) {
  StackRecord stack;
  stack.id = rows.Text(first);
  stack.org_id = rows.Text(first + 1);
  stack.org_name = rows.Text(first + 2);
  stack.project = rows.Text(first + 3);
  stack.name = rows.Text(first + 4);
  stack.created_by = rows.Text(first + 5);
  stack.created = rows.Int(first + 6);
  stack.version = rows.Int(first + 7);
  stack.resource_count = rows.Int(first + 8);
  stack.last_update = rows.Int(first + 9);
  stack.active_update = rows.Text(first + 10);
  if (!rows.IsNull(first + 11)) {
    stack.active = ActiveUpdateRecord{rows.Text(first + 11), rows.Bool(first + 12),
                                      rows.Int(first + 13) == 1, rows.Int(first + 14),
                                      rows.Int(first + 15), rows.Text(first + 16)};
  }
  return stack;
}

void ReadTags(Rows& rows, int col, StackRecord& stack) {
  do {
    if (!rows.IsNull(col)) stack.tags.emplace(rows.Text(col), rows.Text(col + 1));
  } while (rows.Next());
}

Result<void> SqlStore::CreateStack(const StackRecord& stack,
                                   const std::optional<std::string>& initial_state) {
  return engine_->Write([&](Session& s) -> Result<void> {
    SH_TRY(AlreadyExistsAs(
        s.Run(kInsertStack,
              Params::Of(stack.id, stack.org_id, stack.project, stack.name, stack.created_by,
                         stack.created, stack.version, stack.resource_count, stack.last_update,
                         stack.active_update)),
        fmt::format("stack '{}' already exists",
                    StackLabel(stack.org_name, stack.project, stack.name))));
    for (const auto& [name, value] : stack.tags) SH_TRY(InsertTag(s, stack.id, name, value));
    if (initial_state) {
      SH_TRY(s.Run(kUpsertState, Params::Of(stack.id, Params::Blob{*initial_state})));
    }
    return {};
  });
}

Result<StackRecord> SqlStore::GetStack(const std::string& org_name, const std::string& project,
                                       const std::string& name) {
  return engine_->Single([&](Session& s) -> Result<StackRecord> {
    SH_ASSIGN_OR_RETURN(auto rows,
                        s.Query(kSelectStackWithTags, Params::Of(org_name, project, name)));
    if (!rows.Next()) {
      return Fail(Error::NotFound(
          fmt::format("stack '{}' not found", StackLabel(org_name, project, name))));
    }
    StackRecord stack = ReadStack(rows, 0);
    ReadTags(rows, kStackColumns, stack);
    return stack;
  });
}

Result<bool> SqlStore::ProjectExists(const std::string& org_id, const std::string& project) {
  SH_ASSIGN_OR_RETURN(const int64_t exists,
                      engine_->QueryInt(kProjectExists, Params::Of(org_id, project)));
  return exists != 0;
}

Result<std::vector<StackRecord>> SqlStore::ListStacks(const StackQuery& query) {
  if (query.org_ids.empty() || query.limit <= 0) return std::vector<StackRecord>{};
  return engine_->Read([&](Session& s) -> Result<std::vector<StackRecord>> {
    Params params;
    const std::string sql = ListStacksSql(query, params);
    SH_ASSIGN_OR_RETURN(auto rows, s.QueryDynamic(sql, params));
    std::vector<StackRecord> stacks = rows.All([](const Rows& r) { return ReadStack(r, 0); });
    SH_TRY(LoadTags(s, stacks));
    return stacks;
  });
}

Result<void> SqlStore::DeleteStack(const std::string& stack_id) {
  return engine_->ChangeOne(kDeleteStack, Params::Of(stack_id), "stack not found");
}

Result<void> SqlStore::MoveStack(const std::string& stack_id, const std::string& org_id,
                                 const std::string& project, const std::string& name,
                                 const std::optional<std::string>& new_state) {
  return engine_->Write([&](Session& s) -> Result<void> {
    SH_TRY(AlreadyExistsAs(
        s.ChangeOne(kMoveStack, Params::Of(stack_id, org_id, project, name), "stack not found"),
        fmt::format("stack '{}/{}' already exists in the target organization", project, name)));
    if (new_state) SH_TRY(s.Run(kUpsertState, Params::Of(stack_id, Params::Blob{*new_state})));
    return {};
  });
}

// Locks the stack row so concurrent replacements serialize.
Result<void> SqlStore::ReplaceTags(const std::string& stack_id,
                                   const std::map<std::string, std::string>& tags) {
  return engine_->Write([&](Session& s) -> Result<void> {
    SH_TRY(s.RequireRow(kLockStack, Params::Of(stack_id), "stack not found"));
    SH_TRY(s.Run(kDeleteTags, Params::Of(stack_id)));
    for (const auto& [name, value] : tags) SH_TRY(InsertTag(s, stack_id, name, value));
    return {};
  });
}

Result<void> SqlStore::AddTag(const std::string& stack_id, const std::string& name,
                              const std::string& value) {
  return engine_->Write([&](Session& s) -> Result<void> {
    SH_TRY(s.RequireRow(kStackExists, Params::Of(stack_id), "stack not found"));
    return InsertTag(s, stack_id, name, value);
  });
}

Result<void> SqlStore::UpdateTag(const std::string& stack_id, const std::string& name,
                                 const std::string& value) {
  return engine_->ChangeOne(kUpdateTag, Params::Of(stack_id, name, value),
                            fmt::format("tag '{}' not found", name));
}

Result<void> SqlStore::DeleteTag(const std::string& stack_id, const std::string& name) {
  return engine_->ChangeOne(kDeleteTag, Params::Of(stack_id, name),
                            fmt::format("tag '{}' not found", name));
}

}  // namespace statehouse::storage
