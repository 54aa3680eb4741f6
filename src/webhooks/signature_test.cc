#include "webhooks/signature.h"

#include <gtest/gtest.h>

#include "crypto/crypto.h"
#include "webhooks/payload.h"

namespace statehouse::webhooks {
namespace {

TEST(WebhookSignatureTest, MatchesTheReferenceVectors) {
  EXPECT_EQ(HmacSha256Hex("mysecret", R"({"timestamp":1632735487,"message":"x"})"),
            "861742d5755808e891cdd5137a5245cf3aabc019d3b5761b9b7a4c754b0fc60b");
  const std::string ping = RenderPing("raw", 1632735487);
  EXPECT_EQ(ping.size(), 79u);
  EXPECT_EQ(ping,
            "{\"timestamp\":1632735487,\"message\":\"\xF0\x9F\x8D\xB9 Just a friendly ping from "
            "Pulumi \xF0\x9F\x8D\xB9\"}");
  EXPECT_EQ(HmacSha256Hex("mysecret", ping),
            "f66e5f7c2871503e48b71ed09e32cb3160d9d81eb6330215deda9fb3f73961ff");
}

TEST(WebhookSignatureTest, IsLowercaseHexAndDependsOnKeyAndBody) {
  const std::string a = HmacSha256Hex("k", "body");
  EXPECT_EQ(a.size(), 64u);
  EXPECT_EQ(a.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_NE(a, HmacSha256Hex("k2", "body"));
  EXPECT_NE(a, HmacSha256Hex("k", "body "));
  EXPECT_EQ(HmacSha256Hex("", "").size(), 64u);
}

TEST(WebhookSecretTest, SealsBoundToTheWebhookAndMasterKey) {
  crypto::OpenSslRandom random;
  const std::string key(32, 'k');
  auto sealed = SealSecret(key, "hook-1", "s3cret", random);
  ASSERT_TRUE(sealed.has_value());
  EXPECT_EQ(sealed->find("s3cret"), std::string::npos);
  auto again = SealSecret(key, "hook-1", "s3cret", random);
  EXPECT_NE(*sealed, *again);  // fresh nonce every time

  auto opened = OpenSecret(key, "hook-1", *sealed);
  ASSERT_TRUE(opened.has_value());
  EXPECT_EQ(*opened, "s3cret");
  EXPECT_FALSE(OpenSecret(key, "hook-2", *sealed).has_value());
  EXPECT_FALSE(OpenSecret(std::string(32, 'x'), "hook-1", *sealed).has_value());
  EXPECT_FALSE(OpenSecret(key, "hook-1", "not base64!").has_value());

  EXPECT_EQ(*SealSecret(key, "hook-1", "", random), "");
  EXPECT_EQ(*OpenSecret(key, "hook-1", ""), "");
}

}  // namespace
}  // namespace statehouse::webhooks
