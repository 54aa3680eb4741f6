#include "common/numbers.h"

#include <cstdint>

#include <gtest/gtest.h>

namespace statehouse {
namespace {

TEST(NumbersTest, ParseIntTakesTheWholeTextOnly) {
  EXPECT_EQ(ParseInt<int>("0"), 0);
  EXPECT_EQ(ParseInt<int>("42"), 42);
  EXPECT_EQ(ParseInt<int>("-7"), -7);
  EXPECT_EQ(ParseInt<int64_t>("9007199254740993"), int64_t{9007199254740993});
  EXPECT_EQ(ParseInt<int>(""), std::nullopt);
  EXPECT_EQ(ParseInt<int>("+1"), std::nullopt);
  EXPECT_EQ(ParseInt<int>(" 1"), std::nullopt);
  EXPECT_EQ(ParseInt<int>("1 "), std::nullopt);
  EXPECT_EQ(ParseInt<int>("1x"), std::nullopt);
  EXPECT_EQ(ParseInt<int>("0x10"), std::nullopt);
  EXPECT_EQ(ParseInt<int>("2147483648"), std::nullopt);
  EXPECT_EQ(ParseInt<int64_t>("2147483648"), int64_t{2147483648});
  EXPECT_EQ(ParseInt<uint32_t>("-1"), std::nullopt);
}

}  // namespace
}  // namespace statehouse
