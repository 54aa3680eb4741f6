#include "storage/access_cache.h"

#include <gtest/gtest.h>

namespace statehouse::storage {
namespace {

using std::chrono::seconds;
using TimePoint = std::chrono::steady_clock::time_point;

class AccessCacheTest : public ::testing::Test {
 protected:
  AccessCache Make(size_t max_entries = 8) {
    return AccessCache(max_entries, seconds(30), [this] { return now_; });
  }
  static AccessContext ContextOf(const std::string& login) {
    AccessContext context;
    context.user = UserRecord{};
    context.user->login = login;
    return context;
  }
  static std::string LoginOf(const std::optional<AccessContext>& found) {
    return found && found->user ? found->user->login : "<none>";
  }

  TimePoint now_{seconds(1000)};
};

TEST_F(AccessCacheTest, ServesAnEntryWhileItsGenerationIsCurrent) {
  AccessCache cache = Make();
  cache.Insert("k", 5, ContextOf("alice"));
  EXPECT_EQ(LoginOf(cache.Find("k", 5)), "alice");
  EXPECT_EQ(LoginOf(cache.Find("other", 5)), "<none>");
}

TEST_F(AccessCacheTest, ANewerGenerationDropsEveryEntry) {
  AccessCache cache = Make();
  cache.Insert("a", 5, ContextOf("alice"));
  cache.Insert("b", 5, ContextOf("bob"));
  EXPECT_EQ(LoginOf(cache.Find("a", 6)), "<none>");
  EXPECT_EQ(cache.size(), 0u);
  // Still gone when asked under the old generation.
  EXPECT_EQ(LoginOf(cache.Find("b", 5)), "<none>");
}

TEST_F(AccessCacheTest, AReadThatRacedAChangeIsNotKept) {
  AccessCache cache = Make();
  // Another reader already saw generation 7; this read began under 6.
  EXPECT_EQ(LoginOf(cache.Find("x", 7)), "<none>");
  cache.Insert("a", 6, ContextOf("alice"));
  EXPECT_EQ(cache.size(), 0u);
  EXPECT_EQ(LoginOf(cache.Find("a", 7)), "<none>");
}

TEST_F(AccessCacheTest, AnEntryReadUnderAnOlderGenerationIsNeverServedUnderANewerOne) {
  AccessCache cache = Make();
  cache.Insert("a", 6, ContextOf("alice"));
  EXPECT_EQ(LoginOf(cache.Find("a", 7)), "<none>");
  cache.Insert("a", 7, ContextOf("alice2"));
  EXPECT_EQ(LoginOf(cache.Find("a", 7)), "alice2");
}

TEST_F(AccessCacheTest, EntriesExpire) {
  AccessCache cache = Make();
  cache.Insert("a", 1, ContextOf("alice"));
  now_ += seconds(29);
  EXPECT_EQ(LoginOf(cache.Find("a", 1)), "alice");
  now_ += seconds(1);
  EXPECT_EQ(LoginOf(cache.Find("a", 1)), "<none>");
}

TEST_F(AccessCacheTest, StaysWithinItsBound) {
  AccessCache cache = Make(3);
  for (int i = 0; i < 10; ++i) {
    cache.Insert("k" + std::to_string(i), 1, ContextOf("u"));
    EXPECT_LE(cache.size(), 3u);
  }
  EXPECT_EQ(LoginOf(cache.Find("k9", 1)), "u");
}

TEST_F(AccessCacheTest, KeysKeepTheirPartsApart) {
  AccessQuery a;
  a.token_hash = "h";
  a.org_name = "ab";
  a.project = "c";
  AccessQuery b = a;
  b.org_name = "a";
  b.project = "bc";
  EXPECT_NE(AccessCache::Key(a), AccessCache::Key(b));
  AccessQuery by_user;
  by_user.user_id = "h";
  by_user.org_name = "ab";
  by_user.project = "c";
  EXPECT_NE(AccessCache::Key(a), AccessCache::Key(by_user));
}

}  // namespace
}  // namespace statehouse::storage
