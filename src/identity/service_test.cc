#include "identity/service.h"

#include <gtest/gtest.h>

#include "crypto/crypto.h"
#include "test/fakes/fake_clock.h"
#include "test/fakes/temp_dir.h"
#include "test/fakes/test_store.h"

namespace statehouse::identity {
namespace {

TEST(IdentityServiceTest, AddMemberPublishesMemberAdded) {
  testing::TempDir dir;
  testing::FakeClock clock;
  crypto::OpenSslRandom random;
  events::RecordingSink sink;
  storage::StorePtr store = testing::OpenTestStore(dir.path());
  IdentityService service(*store, clock, random, sink);
  auth::Principal alice{testing::CreateTestUser(*store, random, clock, "alice").user, ""};
  testing::CreateTestUser(*store, random, clock, "bob");
  auto org = store->GetOrgByName("alice");
  ASSERT_TRUE(org.has_value());

  auto added = service.AddMember(alice, *org, "bob", storage::OrgRole::kAdmin);
  ASSERT_TRUE(added.has_value());
  EXPECT_EQ(added->second.role, storage::OrgRole::kAdmin);
  EXPECT_EQ(service.AddMember(alice, *org, "bob", storage::OrgRole::kMember).error().code,
            ErrorCode::kAlreadyExists);
  EXPECT_EQ(service.AddMember(alice, *org, "nobody", storage::OrgRole::kMember).error().code,
            ErrorCode::kNotFound);

  auto events = sink.Events();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, "member-added");
  EXPECT_EQ(events[0].org_name, "alice");
  EXPECT_EQ(events[0].actor.login, "alice");
  EXPECT_EQ(events[0].target, "bob");
  EXPECT_EQ(events[0].time, clock.NowSeconds());
  EXPECT_EQ(events[0].fields.at("role"), "admin");
}

}  // namespace
}  // namespace statehouse::identity
