#include "deployment/delta.h"

#include <fstream>
#include <sstream>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "crypto/crypto.h"

namespace statehouse::deployment {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// The Pulumi CLI's own delta vectors: req1 is a first checkpoint text,
// req2..req4 the successive deltas it sent, each with the hash of the text
// after applying it.
TEST(DeltaTest, ReproducesEveryHashOfTheCliVectors) {
  const std::string path = std::string(STATEHOUSE_SPEC_DIR) + "/vectors/cli-delta-vectors.json";
  const std::string raw = ReadFile(path);
  ASSERT_FALSE(raw.empty()) << "missing " << path;
  auto vectors = boost::json::parse(raw).as_object();
  std::string text(vectors.at("req1").as_string());
  for (const char* step : {"req2", "req3", "req4"}) {
    auto edits = ParseDeploymentDelta(std::string(vectors.at(step).as_string()));
    ASSERT_TRUE(edits.has_value()) << step << ": " << edits.error().message;
    auto next = ApplyTextEdits(text, *edits);
    ASSERT_TRUE(next.has_value()) << step << ": " << next.error().message;
    EXPECT_EQ(crypto::Sha256Hex(*next),
              std::string(vectors.at(std::string(step) + ".hash").as_string()))
        << step;
    text = std::move(*next);
  }
}

TEST(DeltaTest, WorkedExampleFromTheProtocol) {
  const std::string base =
      R"({"version":3,"deployment":{"manifest":{"time":"2026-08-21T10:00:00Z","magic":"m","version":"v3.200.0"},"metadata":{},"resources":[{"urn":"u0","custom":false,"type":"pulumi:pulumi:Stack"},{"urn":"u1","custom":true,"id":"a","type":"t:b:C"}]}})";
  const std::string delta =
      R"([{"Span":{"uri":"","start":{"line":1,"column":1,"offset":0},"end":{"line":1,"column":1,"offset":130}},)"
      R"("NewText":"{\"version\":3,\"deployment\":{\"manifest\":{\"time\":\"2026-08-21T10:00:05Z\",\"magic\":\"m\",\"version\":\"v3.200.0\"},\"metadata\":{},\"resources\":["},)"
      R"({"Span":{"uri":"","start":{"line":1,"column":1,"offset":187},"end":{"line":1,"column":1,"offset":237}},)"
      R"("NewText":"{\"urn\":\"u1\",\"custom\":true,\"id\":\"b\",\"type\":\"t:b:C\"}"}])";
  auto edits = ParseDeploymentDelta(delta);
  ASSERT_TRUE(edits.has_value()) << edits.error().message;
  ASSERT_EQ(edits->size(), 2u);
  auto next = ApplyTextEdits(base, *edits);
  ASSERT_TRUE(next.has_value());
  EXPECT_EQ(crypto::Sha256Hex(*next),
            "ae1b1ac3b26f9bf9bc9c184ded2079023b6de055c9bfabbbf5155eb27051066b");
}

TEST(DeltaTest, EmptyDeltaKeepsTheText) {
  auto edits = ParseDeploymentDelta("[]");
  ASSERT_TRUE(edits.has_value());
  EXPECT_EQ(ApplyTextEdits("abc", *edits).value(), "abc");
}

TEST(DeltaTest, InsertionsAndDeletions) {
  std::vector<TextEdit> edits = {{0, 0, "<"}, {1, 2, ""}, {3, 3, ">"}};
  EXPECT_EQ(ApplyTextEdits("abc", edits).value(), "<ac>");
}

TEST(DeltaTest, RejectsOutOfRangeAndBackwardsEdits) {
  EXPECT_EQ(ApplyTextEdits("abc", {{2, 4, "x"}}).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(ApplyTextEdits("abc", {{2, 1, "x"}}).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(ApplyTextEdits("abcdef", {{3, 4, "x"}, {1, 2, "y"}}).error().code,
            ErrorCode::kInvalidArgument);
}

TEST(DeltaTest, RejectsMalformedDeltas) {
  for (const char* bad : {"", "{}", "[1]", R"([{"NewText":"x"}])",
                          R"([{"Span":{"start":{"offset":-1},"end":{"offset":0}},"NewText":""}])",
                          R"([{"Span":{"start":{"offset":0},"end":{"offset":0}},"NewText":5}])",
                          R"([{"Span":{"start":{"offset":0},"end":{"offset":0}},"NewText":""}] x)"}) {
    EXPECT_FALSE(ParseDeploymentDelta(bad).has_value()) << bad;
  }
}

std::string Insert(size_t at, const std::string& text) {
  return R"([{"Span":{"start":{"offset":)" + std::to_string(at) + R"(},"end":{"offset":)" +
         std::to_string(at) + R"(}},"NewText":")" + text + R"("}])";
}

TEST(DeltaTest, AssembleCheckpointAppliesTheLogInOrdinalOrder) {
  // Given out of order: 0 inserts at 1, then 1 inserts at 0.
  std::vector<LoggedDelta> log = {{1, Insert(0, "<")}, {0, Insert(1, "-")}};
  EXPECT_EQ(AssembleCheckpoint("ab", log).value(), "<a-b");
  EXPECT_EQ(AssembleCheckpoint("ab", {}).value(), "ab");
}

TEST(DeltaTest, AssembleCheckpointReportsABrokenLog) {
  auto unreadable = AssembleCheckpoint("ab", {{0, "nope"}});
  ASSERT_FALSE(unreadable.has_value());
  EXPECT_EQ(unreadable.error().code, ErrorCode::kInternal);
  EXPECT_NE(unreadable.error().detail.find("stored delta unreadable"), std::string::npos);
  auto misfit = AssembleCheckpoint("ab", {{0, Insert(5, "x")}});
  ASSERT_FALSE(misfit.has_value());
  EXPECT_EQ(misfit.error().code, ErrorCode::kInternal);
  EXPECT_NE(misfit.error().detail.find("stored delta does not apply"), std::string::npos);
}

}  // namespace
}  // namespace statehouse::deployment
