#include "json/json_util.h"

#include <gtest/gtest.h>

namespace statehouse::json {
namespace {

TEST(ParseObjectTest, ParsesAnObject) {
  auto parsed = ParseObject(R"({"stackName":"dev","n":1.5e308})");
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->at("stackName").as_string(), "dev");
}

TEST(ParseObjectTest, RejectsWhatIsNotAnObject) {
  for (const char* bad : {"", "[]", "1", "{", R"({"a":})"}) {
    auto parsed = ParseObject(bad);
    ASSERT_FALSE(parsed.has_value()) << bad;
    EXPECT_EQ(parsed.error().code, ErrorCode::kInvalidArgument) << bad;
  }
}

// Found by fuzz/json_body: Boost.JSON parses 1e400 as infinity and serializes
// it as `Infinity`, so an update's `config` holding one was stored as text
// that is not JSON (and later shown as {}). Such numbers are a 400, as in
// Pulumi Cloud (Go's encoding/json rejects them too).
TEST(ParseObjectTest, RejectsNumbersBeyondTheRangeOfADouble) {
  for (const char* bad : {R"({"config":{"a":{"number":1e400}}})", R"({"x":[-1e400]})",
                          R"({"x":[[{"y":2e308}]]})"}) {
    auto parsed = ParseObject(bad);
    ASSERT_FALSE(parsed.has_value()) << bad;
    EXPECT_EQ(parsed.error().code, ErrorCode::kInvalidArgument) << bad;
    EXPECT_NE(parsed.error().message.find("number out of range"), std::string::npos);
  }
  auto parsed = ParseObject(R"({"config":{"a":1.7976931348623157e308,"b":1e-400}})");
  ASSERT_TRUE(parsed.has_value());
  auto again = ParseObject(Serialize(*parsed));
  EXPECT_TRUE(again.has_value());
}

TEST(OptionalIntTest, ReadsIntegersAndIntegralDoubles) {
  auto body = ParseObject(R"({"a":5,"b":1e3,"c":null,"d":-9007199254740992.0})");
  ASSERT_TRUE(body.has_value());
  EXPECT_EQ(OptionalInt(*body, "a").value(), 5);
  EXPECT_EQ(OptionalInt(*body, "b").value(), 1000);
  EXPECT_EQ(OptionalInt(*body, "c").value(), std::nullopt);
  EXPECT_EQ(OptionalInt(*body, "missing").value(), std::nullopt);
  EXPECT_EQ(OptionalInt(*body, "d").value(), -9007199254740992);
}

// Found by fuzz/json_body (UBSan): a double beyond int64's range was converted
// to int64 before the range check, which is undefined behaviour (the
// "expires" of a token, a lease "duration", a team "permission"...).
TEST(OptionalIntTest, RejectsDoublesOutsideInt64WithoutConvertingThem) {
  auto body = ParseObject(
      R"({"a":330333333333333330000000001492662673080460456,"b":-1e19,"c":1.5,"d":18446744073709551615})");
  ASSERT_TRUE(body.has_value());
  for (const char* field : {"a", "b", "c", "d"}) {
    auto value = OptionalInt(*body, field);
    ASSERT_FALSE(value.has_value()) << field;
    EXPECT_EQ(value.error().code, ErrorCode::kInvalidArgument) << field;
  }
}

}  // namespace
}  // namespace statehouse::json
