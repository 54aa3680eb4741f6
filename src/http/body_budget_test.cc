#include "http/body_budget.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <stdexcept>
#include <utility>
#include <vector>

namespace statehouse::http {
namespace {

using std::chrono::milliseconds;

TEST(BodyBudgetTest, GrowsWithinCapacityAndReleasesOnDestruction) {
  BodyBudget budget(100);
  {
    BodyBudget::Reservation a(budget);
    EXPECT_TRUE(a.Resize(60));
    BodyBudget::Reservation b(budget);
    EXPECT_FALSE(b.Resize(41));  // 60 + 41 > 100: nothing changes
    EXPECT_EQ(b.bytes(), 0u);
    EXPECT_TRUE(b.Resize(40));
    EXPECT_EQ(budget.in_use(), 100u);
    EXPECT_TRUE(a.Resize(10));  // shrinking always succeeds
    EXPECT_EQ(budget.in_use(), 50u);
    EXPECT_TRUE(b.Resize(90));
  }
  EXPECT_EQ(budget.in_use(), 0u);
  EXPECT_EQ(budget.peak(), 100u);
}

TEST(BodyBudgetTest, MoveTransfersTheBytes) {
  BodyBudget budget(100);
  BodyBudget::Reservation a(budget);
  ASSERT_TRUE(a.Resize(70));
  BodyBudget::Reservation b = std::move(a);
  EXPECT_EQ(b.bytes(), 70u);
  EXPECT_EQ(budget.in_use(), 70u);
  BodyBudget::Reservation c(budget);
  ASSERT_TRUE(c.Resize(30));
  c = std::move(b);  // c's own 30 bytes are released first
  EXPECT_EQ(budget.in_use(), 70u);
  c.Release();
  EXPECT_EQ(budget.in_use(), 0u);
}

TEST(BodyBudgetTest, ReleasedOnException) {
  BodyBudget budget(100);
  try {
    BodyBudget::Reservation r(budget);
    ASSERT_TRUE(r.Resize(100));
    throw std::runtime_error("handler failed");
  } catch (const std::runtime_error&) {
  }
  EXPECT_EQ(budget.in_use(), 0u);
}

TEST(BodyBudgetTest, ZeroCapacityIsUnlimitedButCounted) {
  BodyBudget budget(0);
  BodyBudget::Reservation r(budget);
  EXPECT_TRUE(r.Resize(size_t{1} << 40));
  EXPECT_EQ(budget.in_use(), size_t{1} << 40);
}

TEST(BodyBudgetTest, WaitingResizeSucceedsWhenAnotherReleases) {
  BodyBudget budget(100);
  BodyBudget::Reservation holder(budget);
  ASSERT_TRUE(holder.Resize(80));
  std::thread releaser([&] {
    std::this_thread::sleep_for(milliseconds(50));
    holder.Release();
  });
  BodyBudget::Reservation waiter(budget);
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(waiter.ResizeWaiting(90, milliseconds(5000)));
  EXPECT_LT(std::chrono::steady_clock::now() - start, milliseconds(4000));
  releaser.join();
  EXPECT_EQ(budget.in_use(), 90u);
}

TEST(BodyBudgetTest, WaitingResizeGivesUpAfterTheWait) {
  BodyBudget budget(100);
  BodyBudget::Reservation holder(budget);
  ASSERT_TRUE(holder.Resize(80));
  BodyBudget::Reservation waiter(budget);
  ASSERT_TRUE(waiter.Resize(10));
  const auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(waiter.ResizeWaiting(30, milliseconds(100)));
  EXPECT_GE(std::chrono::steady_clock::now() - start, milliseconds(100));
  EXPECT_EQ(waiter.bytes(), 10u);
  // More than the capacity can never fit: no waiting.
  const auto again = std::chrono::steady_clock::now();
  EXPECT_FALSE(waiter.ResizeWaiting(101, milliseconds(5000)));
  EXPECT_LT(std::chrono::steady_clock::now() - again, milliseconds(1000));
}

TEST(BodyBudgetTest, ConcurrentReservationsNeverExceedCapacity) {
  BodyBudget budget(1000);
  std::atomic<bool> over{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 20000; ++i) {
        BodyBudget::Reservation r(budget);
        if (r.Resize(static_cast<size_t>(100 + (i * 37 + t) % 400))) {
          if (budget.in_use() > 1000) over = true;
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_FALSE(over.load());
  EXPECT_LE(budget.peak(), 1000u);
  EXPECT_EQ(budget.in_use(), 0u);
}

}  // namespace
}  // namespace statehouse::http
