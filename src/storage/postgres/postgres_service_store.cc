// PostgresStore: the ServiceStore methods (schema: migrations_0003_services.cc).
//
// Reads are single statements (a service joined with its properties), so
// they need no transaction. Writes that change a service lock its row
// first (UpdateService updates it before replacing properties, so
// concurrent replacements serialize; AddServiceItems key-share-locks it, so
// a concurrent DeleteService yields kNotFound), and items key-share-lock
// the stacks they reference, so a concurrent DeleteStack yields kNotFound
// rather than a foreign-key failure. Properties and items are written with
// one statement each (unnest of arrays).

#include <fmt/format.h>

#include <set>
#include <string>
#include <utility>
#include <vector>

#include "storage/postgres/pg_internal.h"
#include "storage/postgres/postgres_store.h"

namespace statehouse::storage {
namespace pg {
namespace {

constexpr char kInsertServiceSql[] =
    "INSERT INTO services (id, org_id, owner_type, owner_name, name, description, created)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7)";
// A service (columns 0-6, as ReadService() reads them) with its properties
// (columns 7-10, NULL when it has none), one row per property.
constexpr char kSelectServiceSql[] =
    "SELECT s.id, s.org_id, s.owner_type, s.owner_name, s.name, s.description, s.created,"
    " p.key, p.value, p.type, p.sort_order"
    " FROM services AS s LEFT JOIN service_properties AS p ON p.service_id = s.id"
    " WHERE s.org_id = $1 AND s.owner_type = $2 AND sh_fold(s.owner_name) = sh_fold($3)"
    " AND sh_fold(s.name) = sh_fold($4)"
    " ORDER BY p.position";
// Pages of services with their properties, in the same row shape.
#define SH_PG_SERVICE_PAGE(filter)                                                        \
  "WITH page AS (SELECT id, org_id, owner_type, owner_name, name, description, created"   \
  " FROM services WHERE org_id = $1" filter                                               \
  " ORDER BY sh_fold(name), owner_type, sh_fold(owner_name) LIMIT $2)"                    \
  " SELECT s.id, s.org_id, s.owner_type, s.owner_name, s.name, s.description, s.created," \
  " p.key, p.value, p.type, p.sort_order"                                                 \
  " FROM page AS s LEFT JOIN service_properties AS p ON p.service_id = s.id"              \
  " ORDER BY sh_fold(s.name), s.owner_type, sh_fold(s.owner_name), p.position"
constexpr char kListServicesSql[] = SH_PG_SERVICE_PAGE("");
constexpr char kListServicesAfterSql[] = SH_PG_SERVICE_PAGE(
    " AND (sh_fold(name), owner_type, sh_fold(owner_name)) > (sh_fold($3), $4, sh_fold($5))");
#undef SH_PG_SERVICE_PAGE
// Always sets the row (locking it); COALESCE keeps the fields not given.
constexpr char kUpdateServiceSql[] =
    "UPDATE services SET name = COALESCE($2, name), description = COALESCE($3, description)"
    " WHERE id = $1";
constexpr char kLockServiceKeySharedSql[] = "SELECT 1 FROM services WHERE id = $1 FOR KEY SHARE";
constexpr char kDeleteServiceSql[] = "DELETE FROM services WHERE id = $1";

constexpr char kInsertPropertiesSql[] =
    "INSERT INTO service_properties (service_id, position, key, value, type, sort_order)"
    " SELECT $1, p.ord - 1, p.key, p.value, p.type, p.sort_order"
    " FROM unnest($2::text[], $3::text[], $4::text[], $5::bigint[])"
    " WITH ORDINALITY AS p (key, value, type, sort_order, ord)";
constexpr char kDeletePropertiesSql[] = "DELETE FROM service_properties WHERE service_id = $1";

constexpr char kLockStacksKeySharedSql[] =
    "SELECT id FROM stacks WHERE id = ANY($1::text[]) FOR KEY SHARE";
// Items in the given order; repeated keys (also within one call) are stored
// once.
constexpr char kInsertItemsSql[] =
    "INSERT INTO service_items (service_id, type, item_key, stack_id, added_by, added)"
    " SELECT $1, i.type, i.item_key, NULLIF(i.stack_id, ''), i.added_by, i.added"
    " FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[])"
    " WITH ORDINALITY AS i (type, item_key, stack_id, added_by, added, ord)"
    " ORDER BY i.ord ON CONFLICT DO NOTHING";
constexpr char kDeleteItemSql[] =
    "DELETE FROM service_items"
    " WHERE service_id = $1 AND type = $2 AND sh_fold(item_key) = sh_fold($3)";
// Items with their current names; ListServiceItems reads these columns.
#define SH_PG_ITEMS_SELECT                                                            \
  "SELECT type, name, added_by, added, stack_id, stack_org_id, project, stack_name,"  \
  " created_by, stack_created, resource_count FROM ("                                 \
  " SELECT i.type AS type, i.item_key AS item_key,"                                   \
  " CASE WHEN i.stack_id IS NULL THEN i.item_key ELSE s.project || '/' || s.name END" \
  " AS name,"                                                                         \
  " i.added_by AS added_by, i.added AS added, COALESCE(i.stack_id, '') AS stack_id,"  \
  " COALESCE(s.org_id, '') AS stack_org_id, COALESCE(s.project, '') AS project,"      \
  " COALESCE(s.name, '') AS stack_name, COALESCE(s.created_by, '') AS created_by,"    \
  " COALESCE(s.created, 0) AS stack_created,"                                         \
  " COALESCE(s.resource_count, 0) AS resource_count"                                  \
  " FROM service_items AS i LEFT JOIN stacks AS s ON s.id = i.stack_id"               \
  " WHERE i.service_id = $1) AS x"
constexpr char kListItemsSql[] =
    SH_PG_ITEMS_SELECT " ORDER BY type, sh_fold(name), item_key LIMIT $2";
constexpr char kListItemsAfterSql[] = SH_PG_ITEMS_SELECT
    " WHERE (type, sh_fold(name)) > ($3, sh_fold($4))"
    " ORDER BY type, sh_fold(name), item_key LIMIT $2";
#undef SH_PG_ITEMS_SELECT

ServiceRecord ReadService(const Rows& rows) {
  ServiceRecord service;
  service.id = rows.Text(0);
  service.org_id = rows.Text(1);
  service.owner_type = rows.Text(2);
  service.owner_name = rows.Text(3);
  service.name = rows.Text(4);
  service.description = rows.Text(5);
  service.created = rows.Int(6);
  return service;
}

// Reads rows shaped like kSelectServiceSql into services with their
// properties, in row order.
std::vector<ServiceRecord> ReadServices(Rows& rows) {
  std::vector<ServiceRecord> services;
  while (rows.Next()) {
    if (services.empty() || services.back().id != rows.Text(0)) {
      services.push_back(ReadService(rows));
    }
    if (!rows.IsNull(7)) {
      services.back().properties.push_back(
          ServicePropertyRecord{rows.Text(7), rows.Text(8), rows.Text(9), rows.Int(10)});
    }
  }
  return services;
}

// A bigint[] literal of `values`.
std::string IntArray(const std::vector<int64_t>& values) {
  std::string out = "{";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ',';
    out += std::to_string(values[i]);
  }
  out += '}';
  return out;
}

Result<void> InsertProperties(Connection& conn, const std::string& service_id,
                              const std::vector<ServicePropertyRecord>& properties) {
  if (properties.empty()) return {};
  std::vector<std::string> keys, values, types;
  std::vector<int64_t> orders;
  for (const ServicePropertyRecord& p : properties) {
    keys.push_back(p.key);
    values.push_back(p.value);
    types.push_back(p.type);
    orders.push_back(p.order);
  }
  return conn.Run(kInsertPropertiesSql, Params()
                                            .Text(service_id)
                                            .Text(TextArray(keys))
                                            .Text(TextArray(values))
                                            .Text(TextArray(types))
                                            .Text(IntArray(orders)));
}

// Inserts the items not yet present; returns how many were inserted.
// kNotFound (naming the first one, nothing written) if a referenced stack
// is absent; the stacks stay key-share-locked until commit.
Result<int> InsertItems(Connection& conn, const std::string& service_id,
                        const std::vector<NewServiceItem>& items) {
  if (items.empty()) return 0;
  std::vector<std::string> stack_ids;
  for (const NewServiceItem& item : items) {
    if (!item.stack_id.empty()) stack_ids.push_back(item.stack_id);
  }
  if (!stack_ids.empty()) {
    SH_ASSIGN_OR_RETURN(auto rows,
                        conn.Exec(kLockStacksKeySharedSql, Params().Text(TextArray(stack_ids))));
    std::set<std::string> found;
    while (rows.Next()) found.insert(rows.Text(0));
    for (const NewServiceItem& item : items) {
      if (!item.stack_id.empty() && !found.contains(item.stack_id)) {
        return Fail(Error::NotFound(fmt::format("{} '{}' not found", item.type, item.stack_id)));
      }
    }
  }
  std::vector<std::string> types, keys, ids, added_by;
  std::vector<int64_t> added;
  for (const NewServiceItem& item : items) {
    const bool is_stack = !item.stack_id.empty();
    types.push_back(item.type);
    keys.push_back(is_stack ? item.stack_id : item.name);
    ids.push_back(item.stack_id);
    added_by.push_back(item.added_by);
    added.push_back(item.added);
  }
  SH_ASSIGN_OR_RETURN(auto inserted, conn.Exec(kInsertItemsSql, Params()
                                                                    .Text(service_id)
                                                                    .Text(TextArray(types))
                                                                    .Text(TextArray(keys))
                                                                    .Text(TextArray(ids))
                                                                    .Text(TextArray(added_by))
                                                                    .Text(IntArray(added))));
  return static_cast<int>(inserted.Affected());
}

}  // namespace
}  // namespace pg

Result<void> PostgresStore::CreateService(const ServiceRecord& service,
                                          const std::vector<NewServiceItem>& items) {
  return Write([&](Connection& conn) -> Result<void> {
    SH_TRY(pg::AlreadyExistsAs(conn.Run(pg::kInsertServiceSql, Params()
                                                                   .Text(service.id)
                                                                   .Text(service.org_id)
                                                                   .Text(service.owner_type)
                                                                   .Text(service.owner_name)
                                                                   .Text(service.name)
                                                                   .Text(service.description)
                                                                   .Int(service.created)),
                               fmt::format("service '{}/{}/{}' already exists", service.owner_type,
                                           service.owner_name, service.name)));
    SH_TRY(pg::InsertProperties(conn, service.id, service.properties));
    SH_TRY(pg::InsertItems(conn, service.id, items));
    return {};
  });
}

Result<ServiceRecord> PostgresStore::GetService(const std::string& org_id,
                                                const std::string& owner_type,
                                                const std::string& owner_name,
                                                const std::string& name) {
  return Query([&](Connection& conn) -> Result<ServiceRecord> {
    SH_ASSIGN_OR_RETURN(
        auto rows, conn.Exec(pg::kSelectServiceSql,
                             Params().Text(org_id).Text(owner_type).Text(owner_name).Text(name)));
    std::vector<ServiceRecord> services = pg::ReadServices(rows);
    if (services.empty()) {
      return Fail(Error::NotFound(
          fmt::format("service '{}/{}/{}' not found", owner_type, owner_name, name)));
    }
    return std::move(services.front());
  });
}

Result<std::vector<ServiceRecord>> PostgresStore::ListServices(
    const std::string& org_id, const std::optional<ServicePosition>& after, int limit) {
  if (limit <= 0) return std::vector<ServiceRecord>{};
  return Query([&](Connection& conn) -> Result<std::vector<ServiceRecord>> {
    Params params;
    params.Text(org_id).Int(limit);
    if (after) params.Text(after->name).Text(after->owner_type).Text(after->owner_name);
    SH_ASSIGN_OR_RETURN(
        auto rows, conn.Exec(after ? pg::kListServicesAfterSql : pg::kListServicesSql, params));
    return pg::ReadServices(rows);
  });
}

Result<void> PostgresStore::UpdateService(
    const std::string& service_id, const std::optional<std::string>& name,
    const std::optional<std::string>& description,
    const std::optional<std::vector<ServicePropertyRecord>>& properties) {
  return Write([&](Connection& conn) -> Result<void> {
    Params params;
    params.Text(service_id);
    if (name) {
      params.Text(*name);
    } else {
      params.Null();
    }
    if (description) {
      params.Text(*description);
    } else {
      params.Null();
    }
    auto updated = conn.Exec(pg::kUpdateServiceSql, params);
    if (!updated) {
      Error error = std::move(updated).error();
      if (error.code == ErrorCode::kAlreadyExists) {
        error.message = fmt::format("service '{}' already exists", name.value_or(""));
      }
      return Fail(std::move(error));
    }
    if (updated->Affected() == 0) return Fail(Error::NotFound("service not found"));
    if (properties) {
      // The UPDATE holds the service row lock, so replacements serialize.
      SH_TRY(conn.Run(pg::kDeletePropertiesSql, Params().Text(service_id)));
      SH_TRY(pg::InsertProperties(conn, service_id, *properties));
    }
    return {};
  });
}

Result<void> PostgresStore::DeleteService(const std::string& service_id) {
  return Query([&](Connection& conn) -> Result<void> {
    SH_ASSIGN_OR_RETURN(auto rows, conn.Exec(pg::kDeleteServiceSql, Params().Text(service_id)));
    if (rows.Affected() == 0) return Fail(Error::NotFound("service not found"));
    return {};
  });
}

Result<int> PostgresStore::AddServiceItems(const std::string& service_id,
                                           const std::vector<NewServiceItem>& items) {
  return Write([&](Connection& conn) -> Result<int> {
    {
      SH_ASSIGN_OR_RETURN(auto locked,
                          conn.Exec(pg::kLockServiceKeySharedSql, Params().Text(service_id)));
      if (!locked.Next()) return Fail(Error::NotFound("service not found"));
    }
    return pg::InsertItems(conn, service_id, items);
  });
}

Result<bool> PostgresStore::RemoveServiceItem(const std::string& service_id,
                                              const std::string& type, const std::string& key) {
  return Query([&](Connection& conn) -> Result<bool> {
    SH_ASSIGN_OR_RETURN(
        auto rows, conn.Exec(pg::kDeleteItemSql, Params().Text(service_id).Text(type).Text(key)));
    return rows.Affected() > 0;
  });
}

Result<std::vector<ServiceItemRecord>> PostgresStore::ListServiceItems(
    const std::string& service_id, const std::optional<ServiceItemPosition>& after, int limit) {
  if (limit <= 0) return std::vector<ServiceItemRecord>{};
  return Query([&](Connection& conn) -> Result<std::vector<ServiceItemRecord>> {
    Params params;
    params.Text(service_id).Int(limit);
    if (after) params.Text(after->type).Text(after->name);
    SH_ASSIGN_OR_RETURN(auto rows,
                        conn.Exec(after ? pg::kListItemsAfterSql : pg::kListItemsSql, params));
    std::vector<ServiceItemRecord> items;
    while (rows.Next()) {
      ServiceItemRecord& item = items.emplace_back();
      item.type = rows.Text(0);
      item.name = rows.Text(1);
      item.added_by = rows.Text(2);
      item.added = rows.Int(3);
      item.stack_id = rows.Text(4);
      item.stack_org_id = rows.Text(5);
      item.stack_project = rows.Text(6);
      item.stack_name = rows.Text(7);
      item.stack_created_by = rows.Text(8);
      item.stack_created = rows.Int(9);
      item.stack_resource_count = rows.Int(10);
    }
    return items;
  });
}

}  // namespace statehouse::storage
