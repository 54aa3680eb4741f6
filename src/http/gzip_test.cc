#include "http/gzip.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace statehouse::http {
namespace {

std::string Pseudorandom(size_t n) {
  std::string out(n, '\0');
  uint32_t x = 12345;
  for (char& c : out) {
    x = x * 1103515245 + 12345;
    c = static_cast<char>(x >> 24);
  }
  return out;
}

TEST(GzipTest, RoundTripsVariousSizes) {
  for (size_t size : {size_t{0}, size_t{1}, size_t{100}, size_t{70000}, size_t{1} << 20}) {
    std::string data = Pseudorandom(size / 2) + std::string(size - size / 2, 'a');
    std::string compressed = GzipDeflate(data);
    ASSERT_GE(compressed.size(), 18u);
    EXPECT_EQ(static_cast<unsigned char>(compressed[0]), 0x1f);
    EXPECT_EQ(static_cast<unsigned char>(compressed[1]), 0x8b);
    auto inflated = GzipInflate(compressed, data.size());
    ASSERT_TRUE(inflated.has_value()) << size << ": " << inflated.error().message;
    EXPECT_EQ(*inflated, data);
  }
}

// Large bodies are deflated in slices on several threads, yet form one gzip
// member: a single inflate call that does not go past its end reads all of
// it, CRC and length included.
TEST(GzipTest, LargeBodiesAreOneMemberDeflatedInSlices) {
  for (size_t size : {(size_t{4} << 20) + 1, (size_t{9} << 20) + 7, size_t{25} << 20}) {
    std::string data = Pseudorandom(size / 3) + std::string(size / 3, '{') + Pseudorandom(size - 2 * (size / 3));
    std::string compressed = GzipDeflate(data, 1);
    std::string out(data.size() + 1, '\0');
    z_stream zs{};
    ASSERT_EQ(inflateInit2(&zs, 15 + 16), Z_OK);
    zs.next_in = reinterpret_cast<Bytef*>(compressed.data());
    zs.avail_in = static_cast<uInt>(compressed.size());
    zs.next_out = reinterpret_cast<Bytef*>(out.data());
    zs.avail_out = static_cast<uInt>(out.size());
    EXPECT_EQ(inflate(&zs, Z_FINISH), Z_STREAM_END) << size;
    EXPECT_EQ(zs.avail_in, 0u) << size;
    out.resize(zs.total_out);
    inflateEnd(&zs);
    EXPECT_TRUE(out == data) << size;
  }
}

TEST(GzipTest, HigherLevelCompressesAtLeastAsWell) {
  std::string data;
  for (int i = 0; i < 5000; ++i)
    data += "{\"urn\":\"urn:pulumi:stack::project::type::name" + std::to_string(i % 97) + "\"},";
  std::string fast = GzipDeflate(data, 1);
  std::string best = GzipDeflate(data, 9);
  EXPECT_LT(fast.size(), data.size() / 4);
  EXPECT_LE(best.size(), fast.size());
  EXPECT_EQ(*GzipInflate(best, data.size()), data);
}

TEST(GzipTest, CapIsInclusive) {
  std::string data(1000, 'x');
  std::string compressed = GzipDeflate(data);
  EXPECT_TRUE(GzipInflate(compressed, 1000).has_value());
  auto over = GzipInflate(compressed, 999);
  ASSERT_FALSE(over.has_value());
  EXPECT_EQ(over.error().code, ErrorCode::kPayloadTooLarge);
}

TEST(GzipTest, BombStopsAtCap) {
  const std::string zeros(100u << 20, '\0');
  const std::string bomb = GzipDeflate(zeros, 9);
  ASSERT_LT(bomb.size(), 200u * 1024);
  auto start = std::chrono::steady_clock::now();
  auto result = GzipInflate(bomb, 1u << 20);
  auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().code, ErrorCode::kPayloadTooLarge);
  EXPECT_EQ(result.error().message, "Request body too large after decompression");
  EXPECT_LT(elapsed, std::chrono::milliseconds(200));
}

TEST(GzipTest, CorruptStreamIsInvalidArgument) {
  std::string compressed = GzipDeflate(Pseudorandom(4096));
  compressed[compressed.size() / 2] ^= 0x55;
  compressed[compressed.size() / 2 + 1] ^= 0x55;
  auto result = GzipInflate(compressed, 1 << 20);
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(result.error().message, "Malformed gzip request body");
}

TEST(GzipTest, BadCrcIsInvalidArgument) {
  std::string compressed = GzipDeflate("hello world");
  compressed[compressed.size() - 6] ^= 0x01;  // inside the CRC-32 trailer
  auto result = GzipInflate(compressed, 1 << 20);
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().code, ErrorCode::kInvalidArgument);
}

TEST(GzipTest, TruncatedStreamIsInvalidArgument) {
  std::string compressed = GzipDeflate(Pseudorandom(4096));
  for (size_t keep : {size_t{0}, size_t{5}, compressed.size() / 2, compressed.size() - 1}) {
    auto result = GzipInflate(std::string_view(compressed).substr(0, keep), 1 << 20);
    ASSERT_FALSE(result.has_value()) << keep;
    EXPECT_EQ(result.error().code, ErrorCode::kInvalidArgument) << keep;
  }
}

TEST(GzipTest, NotGzipIsInvalidArgument) {
  auto result = GzipInflate("{\"plain\":\"json\"}", 1 << 20);
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().code, ErrorCode::kInvalidArgument);
}

TEST(GzipTest, ConcatenatedMembersAreJoined) {
  std::string both = GzipDeflate("first,") + GzipDeflate("second");
  auto result = GzipInflate(both, 1 << 20);
  ASSERT_TRUE(result.has_value()) << result.error().message;
  EXPECT_EQ(*result, "first,second");
}

TEST(GzipTest, TrailingGarbageIsInvalidArgument) {
  auto result = GzipInflate(GzipDeflate("payload") + "garbage", 1 << 20);
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().code, ErrorCode::kInvalidArgument);
}

TEST(GzipTest, AcceptsZlibFormat) {
  std::string data = "zlib wrapped payload";
  uLongf size = compressBound(data.size());
  std::string out(size, '\0');
  ASSERT_EQ(compress2(reinterpret_cast<Bytef*>(out.data()), &size,
                      reinterpret_cast<const Bytef*>(data.data()), data.size(), 6),
            Z_OK);
  out.resize(size);
  auto result = GzipInflate(out, 1 << 20);
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(*result, data);
}

}  // namespace
}  // namespace statehouse::http

namespace statehouse::http {
namespace {

// A Pulumi-shaped deployment, `resources` resources with distinct ids: about
// 30:1 under gzip, like the states bench/checkpoint_bench.py generates.
std::string StateLike(int resources) {
  std::string out = R"({"version":3,"deployment":{"manifest":{},"resources":[)";
  for (int64_t i = 0; i < resources; ++i) {
    if (i) out += ',';
    out += R"({"urn":"urn:pulumi:dev::p::aws:s3/bucket:Bucket::b-)" + std::to_string(i) +
           R"(","custom":true,"id":"b-)" + std::to_string(i * 7919) +
           R"(","type":"aws:s3/bucket:Bucket","outputs":{"arn":"arn:aws:s3:::b-)" +
           std::to_string(i * 104729) + R"(","region":"us-east-1"}})";
  }
  return out + "]}}";
}

TEST(GzipRatioTest, BombIsRefusedEarlyWithRatioMessage) {
  const std::string bomb = GzipDeflate(std::string(64u << 20, '\0'), 9);  // ~1030:1
  InflateLimits limits;
  limits.max_output_bytes = 512u << 20;
  limits.max_ratio = 200;
  size_t most_reserved = 0;
  limits.reserve = [&](size_t bytes) -> Result<void> {
    most_reserved = std::max(most_reserved, bytes);
    return {};
  };
  auto result = GzipInflate(bomb, limits);
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().code, ErrorCode::kPayloadTooLarge);
  EXPECT_EQ(result.error().message, "Request body compression ratio exceeds 200:1");
  // Refused after about 1.25 MiB of output: the initial buffer (4 × input,
  // ~1 MiB) grown at most once.
  EXPECT_LE(most_reserved, 8u << 20) << most_reserved;
}

TEST(GzipRatioTest, StateLikeBodiesPassAtEveryLevel) {
  const std::string state = StateLike(60000);  // ~8 MB
  for (int level : {1, 6, 9}) {
    const std::string compressed = GzipDeflate(state, level);
    InflateLimits limits;
    limits.max_output_bytes = 512u << 20;
    limits.max_ratio = 200;
    auto result = GzipInflate(compressed, limits);
    ASSERT_TRUE(result.has_value()) << "level " << level << ": ratio "
                                    << state.size() / compressed.size() << ": "
                                    << result.error().message;
    EXPECT_EQ(*result, state);
  }
}

TEST(GzipRatioTest, SmallBodiesUseTheSlack) {
  // 512 KiB of one byte is ~500:1, but within the 1 MiB slack.
  const std::string data(512u << 10, ' ');
  InflateLimits limits;
  limits.max_ratio = 2;
  auto result = GzipInflate(GzipDeflate(data), limits);
  ASSERT_TRUE(result.has_value()) << result.error().message;
  EXPECT_EQ(result->size(), data.size());
}

TEST(GzipRatioTest, RatioJustAboveTheCapIsRefused) {
  // Random bytes every 300 zeros: ~150:1 at level 9.
  std::string data(8u << 20, '\0');
  const std::string noise = Pseudorandom(data.size() / 300 + 1);
  for (size_t i = 0, k = 0; i < data.size(); i += 300) data[i] = noise[k++];
  const std::string compressed = GzipDeflate(data, 9);
  const size_t ratio = data.size() / compressed.size();
  ASSERT_GT(ratio, 50u);
  InflateLimits limits;
  limits.max_ratio = ratio + ratio / 4;
  EXPECT_TRUE(GzipInflate(compressed, limits).has_value()) << ratio;
  limits.max_ratio = ratio - ratio / 4;
  auto refused = GzipInflate(compressed, limits);
  ASSERT_FALSE(refused.has_value()) << ratio;
  EXPECT_EQ(refused.error().code, ErrorCode::kPayloadTooLarge);
}

TEST(GzipRatioTest, ReserveSeesEveryGrowthAndItsErrorIsReturned) {
  const std::string data = Pseudorandom(3u << 20);
  const std::string compressed = GzipDeflate(data);
  InflateLimits limits;
  std::vector<size_t> asked;
  limits.reserve = [&](size_t bytes) -> Result<void> {
    asked.push_back(bytes);
    return {};
  };
  auto result = GzipInflate(compressed, limits);
  ASSERT_TRUE(result.has_value());
  ASSERT_FALSE(asked.empty());
  // The buffer never holds more than was reserved last before it grew.
  EXPECT_GE(*std::max_element(asked.begin(), asked.end()), data.size());

  limits.reserve = [&](size_t bytes) -> Result<void> {
    if (bytes > (1u << 20)) return Fail(Error::Unavailable("no room"));
    return {};
  };
  auto refused = GzipInflate(GzipDeflate(std::string(4u << 20, 'a')), limits);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(refused.error().message, "no room");
}

}  // namespace
}  // namespace statehouse::http
