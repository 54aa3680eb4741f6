#pragma once

// Plain values of the Services area (groups of stacks and environments owned
// by a user or a team of an organization). No behaviour here.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "storage/service_store.h"

namespace statehouse::services {

inline constexpr char kOwnerUser[] = "user";
inline constexpr char kOwnerTeam[] = "team";
inline constexpr char kItemStack[] = "stack";
inline constexpr char kItemEnvironment[] = "environment";

// A principal shown on a service: {type: "user"|"team", name}.
struct Member {
  std::string type;
  std::string name;
};

// Identifies a service within an organization (the route's path).
struct ServiceKey {
  std::string owner_type;
  std::string owner_name;
  std::string name;
};

// An item as a client names it: type and "project/name" (or
// "org/project/name").
struct ItemRef {
  std::string type;
  std::string name;
};

struct CreateServiceInput {
  std::string owner_type;
  std::string owner_name;
  std::string name;
  std::string description;
  std::vector<ItemRef> items;
  std::vector<storage::ServicePropertyRecord> properties;
};

// Unset fields stay unchanged; `properties` replaces the whole list.
struct UpdateServiceInput {
  std::optional<std::string> name;
  std::optional<std::string> description;
  std::optional<std::vector<storage::ServicePropertyRecord>> properties;
};

// A service as a given caller sees it.
struct ServiceView {
  std::string org_name;
  Member owner;
  std::string name;
  std::string description;
  int64_t created = 0;  // Unix seconds
  // The owner first, then every other user who added an item still present
  // (see ServiceCatalog::Delete).
  std::vector<Member> members;
  // Items per type that the caller can see; types with none are absent.
  std::map<std::string, int64_t> item_counts;
  // Sorted by `order` (stable for equal orders).
  std::vector<storage::ServicePropertyRecord> properties;
};

struct ItemView {
  std::string org_name;
  std::string type;
  std::string name;         // "project/name"
  int64_t created = 0;      // stacks: when the stack was created; environments: when added
  std::string added_by;     // login
  int64_t cloud_count = 0;  // stacks: resource count; environments: 0
};

// One page of a service's items.
struct ServiceDetail {
  ServiceView service;
  std::vector<ItemView> items;
  std::optional<std::string> continuation_token;
};

struct ServicePage {
  std::vector<ServiceView> services;
  std::optional<std::string> continuation_token;
};

}  // namespace statehouse::services
