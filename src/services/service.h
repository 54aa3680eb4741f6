#pragma once

#include <optional>
#include <string>
#include <vector>

#include "auth/authorizer.h"
#include "common/clock.h"
#include "common/error.h"
#include "common/random.h"
#include "events/domain_event.h"
#include "services/model.h"
#include "storage/store.h"

namespace statehouse::services {

// Service domain rules. Every method takes the Access granted for
// Need::kOrgMember on the route's org (so access.org is set and the caller is
// a member); reads need nothing more. Mutations are allowed to org admins, the
// owning user and members of the owning team, else kPermissionDenied.
//
// Visibility: a stack item counts and is listed only when the caller has at
// least read permission on the stack (Authorizer::EffectivePermission) and the
// stack still belongs to the service's org. Environment items are references
// (Statehouse has no environments yet) and are visible to every member.
//
// Members: the owner, then every other user who added an item still in the
// service ("contributors"); for a team-owned service, members of the owning
// team are not listed separately. "Other members" for Delete are the
// contributors.
//
// Each successful mutation publishes one events::DomainEvent in the store
// transaction of the change (a publish error fails the call and rolls the
// change back): "service-created", "service-updated" (also for item changes, with
// fields["change"] = "items-added" or "item-removed"; the audit catalog has no
// item-specific kind) or "service-deleted". Mutations that change nothing
// publish nothing. Thread-safe.
class ServiceCatalog {
 public:
  ServiceCatalog(storage::Store& store, const Clock& clock, Random& random,
                 auth::Authorizer& authorizer, events::EventSink& events)
      : store_(store), clock_(clock), random_(random), authorizer_(authorizer), events_(events) {}

  // kInvalidArgument for a bad owner type, name, description, property or
  // item (unknown type, malformed name, stack not found or not readable by
  // the caller); kNotFound when the owner is not a member (user) or team of
  // the org; kPermissionDenied when the caller may not act for the owner;
  // kAlreadyExists (message contains "already exists") when the owner has a
  // service of that name.
  Result<ServiceView> Create(const auth::Access& access, CreateServiceInput input);

  // The org's services ordered by (name, owner type, owner name).
  // kInvalidArgument for max_results outside 1..1000 or a bad token.
  Result<ServicePage> List(const auth::Access& access,
                           const std::optional<std::string>& continuation_token, int max_results);

  Result<bool> Exists(const auth::Access& access, const ServiceKey& key);

  // The service with one page of the items the caller can see, ordered by
  // (type, name). kNotFound; kInvalidArgument as for List.
  Result<ServiceDetail> Get(const auth::Access& access, const ServiceKey& key,
                            const std::optional<std::string>& continuation_token,
                            int max_results);

  // kNotFound; kPermissionDenied; kInvalidArgument as for Create;
  // kAlreadyExists when renaming onto another service of the same owner.
  Result<ServiceView> Update(const auth::Access& access, const ServiceKey& key,
                             UpdateServiceInput input);

  // kPreconditionFailed when the service has other members and `force` is
  // false; kNotFound; kPermissionDenied.
  Result<void> Delete(const auth::Access& access, const ServiceKey& key, bool force);

  // Adds the items not yet present (present ones are a no-op). Errors as for
  // Create's items, plus kNotFound and kPermissionDenied.
  Result<void> AddItems(const auth::Access& access, const ServiceKey& key,
                        const std::vector<ItemRef>& items);

  // Removes one item. kInvalidArgument for an unknown type or malformed name;
  // kNotFound when the item is absent and `must_exist`, else absence is
  // success; kNotFound / kPermissionDenied for the service.
  Result<void> RemoveItem(const auth::Access& access, const ServiceKey& key, const ItemRef& item,
                          bool must_exist);

 private:
  struct Owner {
    Member member;
    std::string team_id;  // team owners only
  };
  struct ItemScan {
    std::map<std::string, int64_t> counts;
    std::vector<Member> contributors;
  };

  Result<storage::ServiceRecord> Load(const auth::Access& access, const ServiceKey& key);
  Result<Owner> ResolveOwner(const auth::Access& access, const std::string& type,
                             const std::string& name);
  Result<bool> CanManage(const auth::Access& access, const std::string& owner_type,
                         const std::string& owner_name);
  Result<void> RequireManage(const auth::Access& access, const storage::ServiceRecord& service);
  Result<bool> Visible(const auth::Access& access, const storage::ServiceItemRecord& item);
  Result<std::vector<storage::NewServiceItem>> ResolveItems(const auth::Access& access,
                                                            const std::vector<ItemRef>& items);
  Result<ItemScan> Scan(const auth::Access& access, const storage::ServiceRecord& service);
  Result<ServiceView> View(const auth::Access& access, const storage::ServiceRecord& service);
  Result<void> Publish(const auth::Access& access, std::string kind,
                       const storage::ServiceRecord& service,
                       std::map<std::string, std::string> fields);

  storage::Store& store_;
  const Clock& clock_;
  Random& random_;
  auth::Authorizer& authorizer_;
  events::EventSink& events_;
};

}  // namespace statehouse::services
