#include "updates/lifecycle.h"

#include <gtest/gtest.h>

namespace statehouse::updates {
namespace {

using storage::UpdateStatus;

TEST(LifecycleTest, OnlyANotStartedUpdateStarts) {
  EXPECT_TRUE(MayStart(UpdateStatus::kNotStarted));
  for (auto s : {UpdateStatus::kRunning, UpdateStatus::kSucceeded, UpdateStatus::kFailed,
                 UpdateStatus::kCancelled}) {
    EXPECT_FALSE(MayStart(s));
  }
}

TEST(LifecycleTest, EndingsFromEachStatus) {
  constexpr auto kNotStarted = UpdateStatus::kNotStarted;
  constexpr auto kRunning = UpdateStatus::kRunning;
  constexpr auto kSucceeded = UpdateStatus::kSucceeded;
  constexpr auto kFailed = UpdateStatus::kFailed;
  constexpr auto kCancelled = UpdateStatus::kCancelled;
  // A running update ends any way; a not-started one only by cancelling.
  for (auto to : {kSucceeded, kFailed, kCancelled}) EXPECT_EQ(EndingOf(kRunning, to), Ending::kAllowed);
  EXPECT_EQ(EndingOf(kNotStarted, kCancelled), Ending::kAllowed);
  EXPECT_EQ(EndingOf(kNotStarted, kSucceeded), Ending::kForbidden);
  EXPECT_EQ(EndingOf(kNotStarted, kFailed), Ending::kForbidden);
  // Ending again the same way is a repeat; any other way is forbidden.
  for (auto end : {kSucceeded, kFailed, kCancelled}) {
    for (auto to : {kSucceeded, kFailed, kCancelled}) {
      EXPECT_EQ(EndingOf(end, to), end == to ? Ending::kAlready : Ending::kForbidden);
    }
  }
  // Nothing "ends" as not started or running.
  for (auto from : {kNotStarted, kRunning, kSucceeded, kFailed, kCancelled}) {
    EXPECT_EQ(EndingOf(from, kNotStarted), Ending::kForbidden);
    EXPECT_EQ(EndingOf(from, kRunning), Ending::kForbidden);
  }
}

storage::UpdateRecord WithLog(int64_t base_size, int64_t delta_count, int64_t delta_bytes) {
  storage::UpdateRecord u;
  u.base_size = base_size;
  u.delta_count = delta_count;
  u.delta_bytes = delta_bytes;
  return u;
}

TEST(LifecycleTest, TheLogIsCompactedPastEightDeltasOrAQuarterOfTheBase) {
  const CompactionPolicy policy;  // the defaults
  EXPECT_EQ(policy.max_deltas, 8);
  EXPECT_FALSE(ShouldCompact(policy, WithLog(1000, 0, 0), 10));
  EXPECT_FALSE(ShouldCompact(policy, WithLog(1000, 7, 70), 10));  // the 8th delta
  EXPECT_TRUE(ShouldCompact(policy, WithLog(1000, 8, 80), 10));   // the 9th
  EXPECT_FALSE(ShouldCompact(policy, WithLog(1000, 1, 200), 50));  // exactly 25%
  EXPECT_TRUE(ShouldCompact(policy, WithLog(1000, 1, 200), 51));
  EXPECT_TRUE(ShouldCompact(CompactionPolicy{1, 1.0}, WithLog(100, 1, 10), 10));
  EXPECT_FALSE(ShouldCompact(CompactionPolicy{8, 1.0}, WithLog(100, 0, 0), 100));
}

}  // namespace
}  // namespace statehouse::updates
