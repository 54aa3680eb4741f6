#include "http/gzip.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <chrono>
#include <string>

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
