#include "json/deployment.h"

#include <gtest/gtest.h>

namespace statehouse::json {
namespace {

TEST(RawObjectFieldTest, ReturnsExactBytes) {
  const std::string body =
      R"({"stackName":"dev","state":{ "version" : 3,"deployment":{"a":  [1,2.50, "\u003c"]} } ,"x":1})";
  auto raw = RawObjectField(body, "state");
  ASSERT_TRUE(raw.has_value());
  ASSERT_TRUE(raw->has_value());
  EXPECT_EQ(**raw, R"({ "version" : 3,"deployment":{"a":  [1,2.50, "\u003c"]} })");
}

TEST(RawObjectFieldTest, AbsentAndNull) {
  auto absent = RawObjectField(R"({"stackName":"dev"})", "state");
  ASSERT_TRUE(absent.has_value());
  EXPECT_FALSE(absent->has_value());
  auto null = RawObjectField(R"({"state":null})", "state");
  ASSERT_TRUE(null.has_value());
  EXPECT_FALSE(null->has_value());
}

TEST(RawObjectFieldTest, RejectsNonObjects) {
  EXPECT_EQ(RawObjectField(R"({"state":"x"})", "state").error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(RawObjectField(R"([1,2])", "state").error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(RawObjectField(R"({"state":)", "state").error().code, ErrorCode::kInvalidArgument);
}

TEST(InspectUntypedDeploymentTest, CountsResources) {
  auto summary = InspectUntypedDeployment(
      R"({"version":3,"deployment":{"manifest":{},"resources":[{"urn":"a"},{"urn":"b"}]}})");
  ASSERT_TRUE(summary.has_value());
  EXPECT_EQ(summary->version, 3);
  EXPECT_EQ(summary->resource_count, 2);

  auto empty = InspectUntypedDeployment(R"({"version":3,"deployment":{"manifest":{}}})");
  ASSERT_TRUE(empty.has_value());
  EXPECT_EQ(empty->resource_count, 0);
}

TEST(InspectUntypedDeploymentTest, RejectsInvalidDocuments) {
  EXPECT_FALSE(InspectUntypedDeployment(R"({"deployment":{}})").has_value());
  EXPECT_FALSE(InspectUntypedDeployment(R"({"version":3})").has_value());
  EXPECT_FALSE(InspectUntypedDeployment(R"({"version":3,"deployment":{"resources":{}}})").has_value());
  EXPECT_FALSE(InspectUntypedDeployment(R"({"version":3,"deployment":{})").has_value());
  EXPECT_FALSE(InspectUntypedDeployment("not json").has_value());
}

}  // namespace
}  // namespace statehouse::json
