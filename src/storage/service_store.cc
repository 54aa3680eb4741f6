// ServiceStore: services, their properties and items (schema:
// migration 3, services).
//
// Reads are single statements (a service joined with its properties), so
// they need no transaction. Writes that change a service lock its row first
// (UpdateService updates it before replacing properties, so concurrent
// replacements serialize; AddServiceItems key-share-locks it, so a
// concurrent DeleteService yields kNotFound), and items key-share-lock the
// stacks they reference before anything is written, so a concurrent
// DeleteStack yields kNotFound rather than a foreign-key failure.

#include <fmt/format.h>

#include <set>
#include <string>
#include <utility>
#include <vector>

#include "storage/sql_store.h"

namespace statehouse::storage {
namespace {

SH_QUERY(kInsertService,
         "INSERT INTO services (id, org_id, owner_type, owner_name, name, description, created)"
         " VALUES ($1, $2, $3, $4, $5, $6, $7)");
// A service (columns 0-6, as ReadService() reads them) with its properties
// (columns 7-10, NULL when it has none), one row per property.
SH_QUERY(kSelectService,
         "SELECT s.id, s.org_id, s.owner_type, s.owner_name, s.name, s.description, s.created,"
         " p.key, p.value, p.type, p.sort_order"
         " FROM services AS s LEFT JOIN service_properties AS p ON p.service_id = s.id"
         " WHERE s.org_id = $1 AND s.owner_type = $2 AND sh_fold(s.owner_name) = sh_fold($3)"
         " AND sh_fold(s.name) = sh_fold($4)"
         " ORDER BY p.position");
// Pages of services with their properties, in the same row shape.
#define SH_SERVICE_PAGE(filter)                                                           \
  "WITH page AS (SELECT id, org_id, owner_type, owner_name, name, description, created"   \
  " FROM services WHERE org_id = $1" filter                                               \
  " ORDER BY sh_fold(name), owner_type, sh_fold(owner_name) LIMIT $2)"                    \
  " SELECT s.id, s.org_id, s.owner_type, s.owner_name, s.name, s.description, s.created," \
  " p.key, p.value, p.type, p.sort_order"                                                 \
  " FROM page AS s LEFT JOIN service_properties AS p ON p.service_id = s.id"              \
  " ORDER BY sh_fold(s.name), s.owner_type, sh_fold(s.owner_name), p.position"
SH_QUERY(kListServices, SH_SERVICE_PAGE(""));
SH_QUERY(kListServicesAfter,
         SH_SERVICE_PAGE(" AND (sh_fold(name), owner_type, sh_fold(owner_name))"
                         " > (sh_fold($3), $4, sh_fold($5))"));
#undef SH_SERVICE_PAGE
// Always sets the row (locking it); COALESCE keeps the fields not given.
SH_QUERY(kUpdateService,
         "UPDATE services SET name = COALESCE($2, name), description = COALESCE($3, description)"
         " WHERE id = $1");
SH_QUERY(kDeleteService, "DELETE FROM services WHERE id = $1");
// Key-share locks (PostgreSQL only; SQLite's writers are serialized): they
// keep the row from being deleted until commit without blocking updates.
SH_QUERY(kLockServiceKeyShared, "SELECT 1 FROM services WHERE id = $1 FOR KEY SHARE");
SH_QUERY(kLockStackKeyShared, "SELECT 1 FROM stacks WHERE id = $1 FOR KEY SHARE");

SH_QUERY(kInsertServiceProperty,
         "INSERT INTO service_properties (service_id, position, key, value, type, sort_order)"
         " VALUES ($1, $2, $3, $4, $5, $6)");
SH_QUERY(kDeleteServiceProperties, "DELETE FROM service_properties WHERE service_id = $1");

// Repeated keys (also within one call) are stored once.
SH_QUERY(kInsertServiceItem,
         "INSERT INTO service_items (service_id, type, item_key, stack_id, added_by, added)"
         " VALUES ($1, $2, $3, NULLIF($4, ''), $5, $6) ON CONFLICT DO NOTHING");
SH_QUERY(kDeleteServiceItem,
         "DELETE FROM service_items"
         " WHERE service_id = $1 AND type = $2 AND sh_fold(item_key) = sh_fold($3)");
// Items with their current names; ListServiceItems reads these columns.
#define SH_SERVICE_ITEMS_SELECT                                                       \
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
SH_QUERY(kListServiceItems,
         SH_SERVICE_ITEMS_SELECT " ORDER BY type, sh_fold(name), item_key LIMIT $2");
SH_QUERY(kListServiceItemsAfter, SH_SERVICE_ITEMS_SELECT
         " WHERE (type, sh_fold(name)) > ($3, sh_fold($4))"
         " ORDER BY type, sh_fold(name), item_key LIMIT $2");
#undef SH_SERVICE_ITEMS_SELECT

ServiceRecord ReadService(const Rows& rows) {
  return ServiceRecord{rows.Text(0), rows.Text(1), rows.Text(2), rows.Text(3),
                       rows.Text(4), rows.Text(5), rows.Int(6),  {}};
}

// Reads rows shaped like kSelectService into services with their
// properties, in row order.
std::vector<ServiceRecord> ReadServices(Rows& rows) {
  std::vector<ServiceRecord> services;
  while (rows.Next()) {
    if (services.empty() || services.back().id != rows.View(0)) {
      services.push_back(ReadService(rows));
    }
    if (!rows.IsNull(7)) {
      services.back().properties.push_back(
          ServicePropertyRecord{rows.Text(7), rows.Text(8), rows.Text(9), rows.Int(10)});
    }
  }
  return services;
}

Result<void> InsertProperties(Session& s, const std::string& service_id,
                              const std::vector<ServicePropertyRecord>& properties) {
  for (size_t i = 0; i < properties.size(); ++i) {
    const ServicePropertyRecord& p = properties[i];
    SH_TRY(s.Execute(kInsertServiceProperty, Params::Of(service_id, static_cast<int64_t>(i), p.key,
                                                        p.value, p.type, p.order)));
  }
  return {};
}

// Inserts the items not yet present; returns how many were inserted.
// kNotFound (naming the first one, nothing written) if a referenced stack
// is absent; the stacks stay key-share-locked until commit.
Result<int> InsertItems(Session& s, const std::string& service_id,
                        const std::vector<NewServiceItem>& items) {
  std::set<std::string> locked;
  for (const NewServiceItem& item : items) {
    if (item.stack_id.empty() || locked.contains(item.stack_id)) continue;
    SH_TRY(s.RequireRow(kLockStackKeyShared, Params::Of(item.stack_id),
                        fmt::format("{} '{}' not found", item.type, item.stack_id)));
    locked.insert(item.stack_id);
  }
  int added = 0;
  for (const NewServiceItem& item : items) {
    const bool is_stack = !item.stack_id.empty();
    SH_ASSIGN_OR_RETURN(
        const int64_t n,
        s.Execute(kInsertServiceItem,
                  Params::Of(service_id, item.type, is_stack ? item.stack_id : item.name,
                             item.stack_id, item.added_by, item.added)));
    added += static_cast<int>(n);
  }
  return added;
}

}  // namespace

Result<void> SqlStore::CreateService(const ServiceRecord& service,
                                     const std::vector<NewServiceItem>& items) {
  return engine_->Write([&](Session& s) -> Result<void> {
    SH_TRY(AlreadyExistsAs(
        s.Execute(kInsertService,
                  Params::Of(service.id, service.org_id, service.owner_type, service.owner_name,
                             service.name, service.description, service.created)),
        fmt::format("service '{}/{}/{}' already exists", service.owner_type, service.owner_name,
                    service.name)));
    SH_TRY(InsertProperties(s, service.id, service.properties));
    SH_TRY(InsertItems(s, service.id, items));
    return {};
  });
}

Result<ServiceRecord> SqlStore::GetService(const std::string& org_id,
                                           const std::string& owner_type,
                                           const std::string& owner_name,
                                           const std::string& name) {
  return engine_->Single([&](Session& s) -> Result<ServiceRecord> {
    SH_ASSIGN_OR_RETURN(auto rows,
                        s.Query(kSelectService, Params::Of(org_id, owner_type, owner_name, name)));
    std::vector<ServiceRecord> services = ReadServices(rows);
    if (services.empty()) {
      return Fail(Error::NotFound(
          fmt::format("service '{}/{}/{}' not found", owner_type, owner_name, name)));
    }
    return std::move(services.front());
  });
}

Result<std::vector<ServiceRecord>> SqlStore::ListServices(
    const std::string& org_id, const std::optional<ServicePosition>& after, int limit) {
  if (limit <= 0) return std::vector<ServiceRecord>{};
  Params params = Params::Of(org_id, limit);
  if (after) params.Text(after->name).Text(after->owner_type).Text(after->owner_name);
  return engine_->Single([&](Session& s) -> Result<std::vector<ServiceRecord>> {
    SH_ASSIGN_OR_RETURN(auto rows, s.Query(after ? kListServicesAfter : kListServices, params));
    return ReadServices(rows);
  });
}

Result<void> SqlStore::UpdateService(
    const std::string& service_id, const std::optional<std::string>& name,
    const std::optional<std::string>& description,
    const std::optional<std::vector<ServicePropertyRecord>>& properties) {
  return engine_->Write([&](Session& s) -> Result<void> {
    SH_TRY(AlreadyExistsAs(
        s.ChangeOne(kUpdateService, Params::Of(service_id, name, description), "service not found"),
        fmt::format("service '{}' already exists", name.value_or(""))));
    if (properties) {
      // The UPDATE holds the service row lock, so replacements serialize.
      SH_TRY(s.Execute(kDeleteServiceProperties, Params::Of(service_id)));
      SH_TRY(InsertProperties(s, service_id, *properties));
    }
    return {};
  });
}

Result<void> SqlStore::DeleteService(const std::string& service_id) {
  return engine_->ChangeOne(kDeleteService, Params::Of(service_id), "service not found");
}

Result<int> SqlStore::AddServiceItems(const std::string& service_id,
                                      const std::vector<NewServiceItem>& items) {
  return engine_->Write([&](Session& s) -> Result<int> {
    SH_TRY(s.RequireRow(kLockServiceKeyShared, Params::Of(service_id), "service not found"));
    return InsertItems(s, service_id, items);
  });
}

Result<bool> SqlStore::RemoveServiceItem(const std::string& service_id, const std::string& type,
                                         const std::string& key) {
  return engine_->Write([&](Session& s) -> Result<bool> {
    SH_ASSIGN_OR_RETURN(const int64_t n,
                        s.Execute(kDeleteServiceItem, Params::Of(service_id, type, key)));
    return n > 0;
  });
}

Result<std::vector<ServiceItemRecord>> SqlStore::ListServiceItems(
    const std::string& service_id, const std::optional<ServiceItemPosition>& after, int limit) {
  if (limit <= 0) return std::vector<ServiceItemRecord>{};
  Params params = Params::Of(service_id, limit);
  if (after) params.Text(after->type).Text(after->name);
  return engine_->All(
      after ? kListServiceItemsAfter : kListServiceItems, params, [](const Rows& rows) {
        return ServiceItemRecord{rows.Text(0), rows.Text(1), rows.Text(2), rows.Int(3),
                                 rows.Text(4), rows.Text(5), rows.Text(6), rows.Text(7),
                                 rows.Text(8), rows.Int(9),  rows.Int(10)};
      });
}

}  // namespace statehouse::storage
