#pragma once

// Services: groups of stacks and environments (SqlStore: service_store.cc).
// Same rules as store.h.
//
// Owner names, service names and item names compare case-insensitively
// (ASCII folding); owner types and item types compare byte for byte.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/error.h"

namespace statehouse::storage {

struct ServicePropertyRecord {
  std::string key;
  std::string value;
  std::string type;
  int64_t order = 0;
};

struct ServiceRecord {
  std::string id;
  std::string org_id;
  std::string owner_type;  // "user" or "team"
  std::string owner_name;  // login or team name
  std::string name;
  std::string description;
  int64_t created = 0;
  // In the order they were given.
  std::vector<ServicePropertyRecord> properties;
};

// An item to put into a service.
struct NewServiceItem {
  std::string type;      // "stack" or "environment"
  std::string stack_id;  // stack items: the stack's id
  std::string name;      // environment items: "project/env"; ignored for stacks
  std::string added_by;  // login of the user adding it
  int64_t added = 0;
};

// An item of a service. Stack items carry the stack's current facts (the
// item follows renames; it disappears when the stack is deleted).
struct ServiceItemRecord {
  std::string type;
  // Stack items: "<project>/<stack>" as currently named; environments: the
  // stored reference.
  std::string name;
  std::string added_by;
  int64_t added = 0;
  // Stack items only.
  std::string stack_id;
  std::string stack_org_id;
  std::string stack_project;
  std::string stack_name;
  std::string stack_created_by;
  int64_t stack_created = 0;
  int64_t stack_resource_count = 0;
};

// Keyset positions (exclusive) for paging.
struct ServicePosition {
  std::string name, owner_type, owner_name;
};
struct ServiceItemPosition {
  std::string type, name;
};

class ServiceStore {
 public:
  virtual ~ServiceStore() = default;

  // Creates the service with its properties and items (items whose key is
  // repeated are stored once). kAlreadyExists if (org, owner type, owner
  // name, name) is taken; kNotFound if a referenced stack is absent (nothing
  // is written then).
  virtual Result<void> CreateService(const ServiceRecord& service,
                                     const std::vector<NewServiceItem>& items) = 0;
  // With properties. kNotFound if absent.
  virtual Result<ServiceRecord> GetService(const std::string& org_id,
                                           const std::string& owner_type,
                                           const std::string& owner_name,
                                           const std::string& name) = 0;
  // The org's services with properties, ordered by (name, owner type, owner
  // name), starting after `after`, at most `limit` (none when limit <= 0).
  virtual Result<std::vector<ServiceRecord>> ListServices(
      const std::string& org_id, const std::optional<ServicePosition>& after, int limit) = 0;
  // Changes the fields that are set; `properties` replaces the whole list.
  // kNotFound if absent; kAlreadyExists if the new name is taken by another
  // service of the same owner.
  virtual Result<void> UpdateService(
      const std::string& service_id, const std::optional<std::string>& name,
      const std::optional<std::string>& description,
      const std::optional<std::vector<ServicePropertyRecord>>& properties) = 0;
  // Removes the service and its items. kNotFound if absent.
  virtual Result<void> DeleteService(const std::string& service_id) = 0;

  // Adds the items not yet present (stack items keyed by stack id,
  // environment items by name); returns how many were added. kNotFound if the
  // service or a referenced stack is absent (nothing is written then).
  virtual Result<int> AddServiceItems(const std::string& service_id,
                                      const std::vector<NewServiceItem>& items) = 0;
  // Removes one item (`key`: the stack id for stacks, the name for
  // environments). Returns false when it was not there.
  virtual Result<bool> RemoveServiceItem(const std::string& service_id, const std::string& type,
                                         const std::string& key) = 0;
  // The service's items ordered by (type, name), starting after `after`, at
  // most `limit` (none when limit <= 0). Unknown services have no items.
  virtual Result<std::vector<ServiceItemRecord>> ListServiceItems(
      const std::string& service_id, const std::optional<ServiceItemPosition>& after,
      int limit) = 0;
};

}  // namespace statehouse::storage
