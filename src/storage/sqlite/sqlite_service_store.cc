// SqliteStore: the ServiceStore methods (schema: migrations_0003_services.cc).

#include <fmt/format.h>

#include <utility>

#include "storage/sqlite/sqlite_internal.h"

namespace statehouse::storage {
namespace sqlite {
namespace {

constexpr char kInsertServiceSql[] =
    "INSERT INTO services (id, org_id, owner_type, owner_name, name, description, created)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
// The columns ReadService() reads, in order.
#define SH_SQLITE_SERVICE_SELECT \
  "SELECT id, org_id, owner_type, owner_name, name, description, created FROM services"
constexpr char kSelectServiceSql[] = SH_SQLITE_SERVICE_SELECT
    " WHERE org_id = ?1 AND owner_type = ?2 AND owner_name = ?3 AND name = ?4";
constexpr char kListServicesSql[] = SH_SQLITE_SERVICE_SELECT
    " WHERE org_id = ?1"
    " ORDER BY name COLLATE NOCASE, owner_type, owner_name COLLATE NOCASE LIMIT ?2";
constexpr char kListServicesAfterSql[] = SH_SQLITE_SERVICE_SELECT
    " WHERE org_id = ?1"
    " AND (name COLLATE NOCASE, owner_type, owner_name COLLATE NOCASE) > (?3, ?4, ?5)"
    " ORDER BY name COLLATE NOCASE, owner_type, owner_name COLLATE NOCASE LIMIT ?2";
#undef SH_SQLITE_SERVICE_SELECT
constexpr char kServiceExistsSql[] = "SELECT 1 FROM services WHERE id = ?1";
constexpr char kRenameServiceSql[] = "UPDATE services SET name = ?2 WHERE id = ?1";
constexpr char kSetServiceDescriptionSql[] = "UPDATE services SET description = ?2 WHERE id = ?1";
constexpr char kDeleteServiceSql[] = "DELETE FROM services WHERE id = ?1";

constexpr char kInsertPropertySql[] =
    "INSERT INTO service_properties (service_id, position, key, value, type, sort_order)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
constexpr char kSelectPropertiesSql[] =
    "SELECT key, value, type, sort_order FROM service_properties WHERE service_id = ?1"
    " ORDER BY position";
constexpr char kDeletePropertiesSql[] = "DELETE FROM service_properties WHERE service_id = ?1";

constexpr char kInsertItemSql[] =
    "INSERT INTO service_items (service_id, type, item_key, stack_id, added_by, added)"
    " VALUES (?1, ?2, ?3, NULLIF(?4, ''), ?5, ?6) ON CONFLICT DO NOTHING";
constexpr char kDeleteItemSql[] =
    "DELETE FROM service_items WHERE service_id = ?1 AND type = ?2 AND item_key = ?3";
// Items with their current names; ListServiceItems reads these columns.
#define SH_SQLITE_ITEMS_SELECT                                                           \
  "SELECT type, name, added_by, added, stack_id, stack_org_id, project, stack_name,"    \
  " created_by, stack_created, resource_count FROM ("                                   \
  " SELECT i.type AS type,"                                                             \
  " CASE WHEN i.stack_id IS NULL THEN i.item_key ELSE s.project || '/' || s.name END"   \
  " AS name,"                                                                           \
  " i.added_by AS added_by, i.added AS added, COALESCE(i.stack_id, '') AS stack_id,"   \
  " COALESCE(s.org_id, '') AS stack_org_id, COALESCE(s.project, '') AS project,"       \
  " COALESCE(s.name, '') AS stack_name, COALESCE(s.created_by, '') AS created_by,"     \
  " COALESCE(s.created, 0) AS stack_created,"                                           \
  " COALESCE(s.resource_count, 0) AS resource_count"                                    \
  " FROM service_items AS i LEFT JOIN stacks AS s ON s.id = i.stack_id"                 \
  " WHERE i.service_id = ?1)"
constexpr char kListItemsSql[] =
    SH_SQLITE_ITEMS_SELECT " ORDER BY type, name COLLATE NOCASE LIMIT ?2";
constexpr char kListItemsAfterSql[] = SH_SQLITE_ITEMS_SELECT
    " WHERE (type, name COLLATE NOCASE) > (?3, ?4) ORDER BY type, name COLLATE NOCASE LIMIT ?2";
#undef SH_SQLITE_ITEMS_SELECT

ServiceRecord ReadService(const Statement& stmt) {
  ServiceRecord service;
  service.id = stmt.ColumnText(0);
  service.org_id = stmt.ColumnText(1);
  service.owner_type = stmt.ColumnText(2);
  service.owner_name = stmt.ColumnText(3);
  service.name = stmt.ColumnText(4);
  service.description = stmt.ColumnText(5);
  service.created = stmt.ColumnInt(6);
  return service;
}

Error ServiceNameTaken(const std::string& owner_type, const std::string& owner_name,
                       const std::string& name) {
  return Error::AlreadyExists(
      fmt::format("service '{}/{}/{}' already exists", owner_type, owner_name, name));
}

Result<void> RequireService(Connection& conn, const std::string& service_id) {
  SH_ASSIGN_OR_RETURN(auto stmt, conn.Prepare(kServiceExistsSql));
  stmt.BindText(1, service_id);
  SH_ASSIGN_OR_RETURN(const bool row, stmt.Step());
  if (!row) return Fail(Error::NotFound("service not found"));
  return {};
}

Result<void> LoadProperties(Connection& conn, ServiceRecord& service) {
  SH_ASSIGN_OR_RETURN(auto stmt, conn.Prepare(kSelectPropertiesSql));
  stmt.BindText(1, service.id);
  for (;;) {
    SH_ASSIGN_OR_RETURN(const bool row, stmt.Step());
    if (!row) return {};
    service.properties.push_back(ServicePropertyRecord{stmt.ColumnText(0), stmt.ColumnText(1),
                                                       stmt.ColumnText(2), stmt.ColumnInt(3)});
  }
}

Result<void> InsertProperties(Connection& conn, const std::string& service_id,
                              const std::vector<ServicePropertyRecord>& properties) {
  for (size_t i = 0; i < properties.size(); ++i) {
    const ServicePropertyRecord& p = properties[i];
    SH_ASSIGN_OR_RETURN(auto stmt, conn.Prepare(kInsertPropertySql));
    stmt.BindText(1, service_id)
        .BindInt(2, static_cast<int64_t>(i))
        .BindText(3, p.key)
        .BindText(4, p.value)
        .BindText(5, p.type)
        .BindInt(6, p.order);
    SH_TRY(stmt.Run());
  }
  return {};
}

// Inserts the items not yet present; returns how many were inserted. A
// missing stack (foreign key) is kNotFound.
Result<int> InsertItems(Connection& conn, const std::string& service_id,
                        const std::vector<NewServiceItem>& items) {
  int added = 0;
  for (const NewServiceItem& item : items) {
    const bool is_stack = !item.stack_id.empty();
    SH_ASSIGN_OR_RETURN(auto stmt, conn.Prepare(kInsertItemSql));
    stmt.BindText(1, service_id)
        .BindText(2, item.type)
        .BindText(3, is_stack ? item.stack_id : item.name)
        .BindText(4, item.stack_id)
        .BindText(5, item.added_by)
        .BindInt(6, item.added);
    auto ran = stmt.Run();
    if (!ran) {
      if (ran.error().detail.find("FOREIGN KEY") != std::string::npos) {
        return Fail(Error::NotFound(fmt::format("{} '{}' not found", item.type,
                                                is_stack ? item.stack_id : item.name)));
      }
      return Fail(std::move(ran).error());
    }
    added += static_cast<int>(conn.Changes());
  }
  return added;
}

}  // namespace
}  // namespace sqlite

Result<void> SqliteStore::CreateService(const ServiceRecord& service,
                                        const std::vector<NewServiceItem>& items) {
  return Write([&](Connection& conn) -> Result<void> {
    {
      SH_ASSIGN_OR_RETURN(auto stmt, conn.Prepare(sqlite::kInsertServiceSql));
      stmt.BindText(1, service.id)
          .BindText(2, service.org_id)
          .BindText(3, service.owner_type)
          .BindText(4, service.owner_name)
          .BindText(5, service.name)
          .BindText(6, service.description)
          .BindInt(7, service.created);
      auto ran = stmt.Run();
      if (!ran && ran.error().code == ErrorCode::kAlreadyExists) {
        return Fail(sqlite::ServiceNameTaken(service.owner_type, service.owner_name, service.name));
      }
      SH_TRY(ran);
    }
    SH_TRY(sqlite::InsertProperties(conn, service.id, service.properties));
    SH_TRY(sqlite::InsertItems(conn, service.id, items));
    return {};
  });
}

Result<ServiceRecord> SqliteStore::GetService(const std::string& org_id,
                                              const std::string& owner_type,
                                              const std::string& owner_name,
                                              const std::string& name) {
  return Read([&](Connection& conn) -> Result<ServiceRecord> {
    ServiceRecord service;
    {
      SH_ASSIGN_OR_RETURN(auto stmt, conn.Prepare(sqlite::kSelectServiceSql));
      stmt.BindText(1, org_id).BindText(2, owner_type).BindText(3, owner_name).BindText(4, name);
      SH_ASSIGN_OR_RETURN(const bool row, stmt.Step());
      if (!row) {
        return Fail(Error::NotFound(
            fmt::format("service '{}/{}/{}' not found", owner_type, owner_name, name)));
      }
      service = sqlite::ReadService(stmt);
    }
    SH_TRY(sqlite::LoadProperties(conn, service));
    return service;
  });
}

Result<std::vector<ServiceRecord>> SqliteStore::ListServices(
    const std::string& org_id, const std::optional<ServicePosition>& after, int limit) {
  if (limit <= 0) return std::vector<ServiceRecord>{};
  return Read([&](Connection& conn) -> Result<std::vector<ServiceRecord>> {
    std::vector<ServiceRecord> services;
    {
      SH_ASSIGN_OR_RETURN(auto stmt, conn.Prepare(after ? sqlite::kListServicesAfterSql
                                                        : sqlite::kListServicesSql));
      stmt.BindText(1, org_id).BindInt(2, limit);
      if (after) {
        stmt.BindText(3, after->name).BindText(4, after->owner_type).BindText(5, after->owner_name);
      }
      for (;;) {
        SH_ASSIGN_OR_RETURN(const bool row, stmt.Step());
        if (!row) break;
        services.push_back(sqlite::ReadService(stmt));
      }
    }
    for (ServiceRecord& service : services) SH_TRY(sqlite::LoadProperties(conn, service));
    return services;
  });
}

Result<void> SqliteStore::UpdateService(
    const std::string& service_id, const std::optional<std::string>& name,
    const std::optional<std::string>& description,
    const std::optional<std::vector<ServicePropertyRecord>>& properties) {
  return Write([&](Connection& conn) -> Result<void> {
    SH_TRY(sqlite::RequireService(conn, service_id));
    if (name) {
      SH_ASSIGN_OR_RETURN(auto stmt, conn.Prepare(sqlite::kRenameServiceSql));
      stmt.BindText(1, service_id).BindText(2, *name);
      SH_TRY(sqlite::AlreadyExistsAs(stmt.Run(),
                                     fmt::format("service '{}' already exists", *name)));
    }
    if (description) {
      SH_ASSIGN_OR_RETURN(auto stmt, conn.Prepare(sqlite::kSetServiceDescriptionSql));
      stmt.BindText(1, service_id).BindText(2, *description);
      SH_TRY(stmt.Run());
    }
    if (properties) {
      {
        SH_ASSIGN_OR_RETURN(auto stmt, conn.Prepare(sqlite::kDeletePropertiesSql));
        stmt.BindText(1, service_id);
        SH_TRY(stmt.Run());
      }
      SH_TRY(sqlite::InsertProperties(conn, service_id, *properties));
    }
    return {};
  });
}

Result<void> SqliteStore::DeleteService(const std::string& service_id) {
  return Write([&](Connection& conn) -> Result<void> {
    SH_ASSIGN_OR_RETURN(auto stmt, conn.Prepare(sqlite::kDeleteServiceSql));
    stmt.BindText(1, service_id);
    SH_TRY(stmt.Run());
    if (conn.Changes() == 0) return Fail(Error::NotFound("service not found"));
    return {};
  });
}

Result<int> SqliteStore::AddServiceItems(const std::string& service_id,
                                         const std::vector<NewServiceItem>& items) {
  return Write([&](Connection& conn) -> Result<int> {
    SH_TRY(sqlite::RequireService(conn, service_id));
    return sqlite::InsertItems(conn, service_id, items);
  });
}

Result<bool> SqliteStore::RemoveServiceItem(const std::string& service_id,
                                            const std::string& type, const std::string& key) {
  return Write([&](Connection& conn) -> Result<bool> {
    SH_ASSIGN_OR_RETURN(auto stmt, conn.Prepare(sqlite::kDeleteItemSql));
    stmt.BindText(1, service_id).BindText(2, type).BindText(3, key);
    SH_TRY(stmt.Run());
    return conn.Changes() > 0;
  });
}

Result<std::vector<ServiceItemRecord>> SqliteStore::ListServiceItems(
    const std::string& service_id, const std::optional<ServiceItemPosition>& after, int limit) {
  if (limit <= 0) return std::vector<ServiceItemRecord>{};
  return Query([&](Connection& conn) -> Result<std::vector<ServiceItemRecord>> {
    SH_ASSIGN_OR_RETURN(auto stmt,
                        conn.Prepare(after ? sqlite::kListItemsAfterSql : sqlite::kListItemsSql));
    stmt.BindText(1, service_id).BindInt(2, limit);
    if (after) stmt.BindText(3, after->type).BindText(4, after->name);
    std::vector<ServiceItemRecord> items;
    for (;;) {
      SH_ASSIGN_OR_RETURN(const bool row, stmt.Step());
      if (!row) return items;
      ServiceItemRecord& item = items.emplace_back();
      item.type = stmt.ColumnText(0);
      item.name = stmt.ColumnText(1);
      item.added_by = stmt.ColumnText(2);
      item.added = stmt.ColumnInt(3);
      item.stack_id = stmt.ColumnText(4);
      item.stack_org_id = stmt.ColumnText(5);
      item.stack_project = stmt.ColumnText(6);
      item.stack_name = stmt.ColumnText(7);
      item.stack_created_by = stmt.ColumnText(8);
      item.stack_created = stmt.ColumnInt(9);
      item.stack_resource_count = stmt.ColumnInt(10);
    }
  });
}

}  // namespace statehouse::storage
