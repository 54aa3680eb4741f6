#include "crypto/aead.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "crypto/base64.h"
#include "crypto/crypto.h"

namespace statehouse::crypto {
namespace {

class AeadTest : public ::testing::Test {
 protected:
  std::string NewKey() {
    std::string key(kAeadKeyBytes, '\0');
    random_.Fill(reinterpret_cast<unsigned char*>(key.data()), key.size());
    return key;
  }

  OpenSslRandom random_;
  std::string key_ = NewKey();
};

TEST_F(AeadTest, RoundTripsIncludingEmptyAndBinary) {
  std::string binary("\x00\xff\x01 caf\xc3\xa9\n", 10);
  for (const std::string& plaintext : {std::string(), std::string("s3cr3t"), binary,
                                       std::string(100000, 'x')}) {
    auto sealed = AeadSeal(key_, plaintext, "aad", random_);
    ASSERT_TRUE(sealed.has_value());
    EXPECT_EQ(sealed->size(), plaintext.size() + kAeadOverheadBytes);
    auto opened = AeadOpen(key_, *sealed, "aad");
    ASSERT_TRUE(opened.has_value()) << opened.error().message;
    EXPECT_EQ(*opened, plaintext);
  }
}

TEST_F(AeadTest, EverySealUsesAFreshNonce) {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    auto sealed = AeadSeal(key_, "same", "", random_);
    ASSERT_TRUE(sealed.has_value());
    EXPECT_TRUE(seen.insert(sealed->substr(0, kAeadNonceBytes)).second);
  }
}

TEST_F(AeadTest, DetectsTamperingWithNonceCiphertextAndTag) {
  auto sealed = AeadSeal(key_, "attack at dawn", "aad", random_);
  ASSERT_TRUE(sealed.has_value());
  const size_t positions[] = {0, kAeadNonceBytes - 1, kAeadNonceBytes, kAeadNonceBytes + 5,
                              sealed->size() - kAeadTagBytes, sealed->size() - 1};
  for (size_t pos : positions) {
    std::string altered = *sealed;
    altered[pos] = static_cast<char>(altered[pos] ^ 0x01);
    auto opened = AeadOpen(key_, altered, "aad");
    ASSERT_FALSE(opened.has_value()) << "byte " << pos;
    EXPECT_EQ(opened.error().code, ErrorCode::kInvalidArgument);
  }
  EXPECT_FALSE(AeadOpen(key_, sealed->substr(0, sealed->size() - 1), "aad").has_value());
  EXPECT_FALSE(AeadOpen(key_, *sealed + "x", "aad").has_value());
  EXPECT_FALSE(AeadOpen(key_, sealed->substr(0, kAeadOverheadBytes - 1), "aad").has_value());
  EXPECT_FALSE(AeadOpen(key_, "", "aad").has_value());
}

TEST_F(AeadTest, DetectsWrongAssociatedData) {
  auto sealed = AeadSeal(key_, "value", "stack-1", random_);
  ASSERT_TRUE(sealed.has_value());
  EXPECT_FALSE(AeadOpen(key_, *sealed, "stack-2").has_value());
  EXPECT_FALSE(AeadOpen(key_, *sealed, "").has_value());
  EXPECT_FALSE(AeadOpen(key_, *sealed, "stack-1 ").has_value());
  EXPECT_TRUE(AeadOpen(key_, *sealed, "stack-1").has_value());
}

TEST_F(AeadTest, RefusesWrongKey) {
  auto sealed = AeadSeal(key_, "value", "", random_);
  ASSERT_TRUE(sealed.has_value());
  auto opened = AeadOpen(NewKey(), *sealed, "");
  ASSERT_FALSE(opened.has_value());
  EXPECT_EQ(opened.error().code, ErrorCode::kInvalidArgument);
}

TEST_F(AeadTest, RejectsKeysOfTheWrongSize) {
  EXPECT_FALSE(AeadSeal(std::string(16, 'k'), "v", "", random_).has_value());
  EXPECT_FALSE(AeadSeal(std::string(33, 'k'), "v", "", random_).has_value());
  auto sealed = AeadSeal(key_, "v", "", random_);
  ASSERT_TRUE(sealed.has_value());
  EXPECT_FALSE(AeadOpen(key_.substr(0, 31), *sealed, "").has_value());
}

TEST_F(AeadTest, MatchesNistGcmVectorLayout) {
  // AES-256-GCM test case 16 (McGrew & Viega), truncated to one block, checks
  // that the seal is nonce || ciphertext || tag under plain OpenSSL semantics.
  class FixedRandom final : public Random {
   public:
    void Fill(unsigned char* out, size_t n) override {
      static const unsigned char kNonce[] = {0xca, 0xfe, 0xba, 0xbe, 0xfa, 0xce,
                                             0xdb, 0xad, 0xde, 0xca, 0xf8, 0x88};
      for (size_t i = 0; i < n; ++i) out[i] = kNonce[i % sizeof(kNonce)];
    }
  } fixed;
  std::string key;
  for (int round = 0; round < 2; ++round) {
    key += std::string("\xfe\xff\xe9\x92\x86\x65\x73\x1c\x6d\x6a\x8f\x94\x67\x30\x83\x08", 16);
  }
  std::string plaintext("\xd9\x31\x32\x25\xf8\x84\x06\xe5\xa5\x59\x09\xc5\xaf\xf5\x26\x9a", 16);
  auto sealed = AeadSeal(key, plaintext, "", fixed);
  ASSERT_TRUE(sealed.has_value());
  EXPECT_EQ(Base64Encode(sealed->substr(0, kAeadNonceBytes)), "yv66vvrO263eyviI");
  EXPECT_EQ(Base64Encode(sealed->substr(kAeadNonceBytes, 16)),
            Base64Encode(std::string(
                "\x52\x2d\xc1\xf0\x99\x56\x7d\x07\xf4\x7f\x37\xa3\x2a\x84\x42\x7d", 16)));
  auto opened = AeadOpen(key, *sealed, "");
  ASSERT_TRUE(opened.has_value());
  EXPECT_EQ(*opened, plaintext);
}

TEST_F(AeadTest, WrappedKeysOpenOnlyWithTheSameKekAndContext) {
  std::string data_key = NewKey();
  auto wrapped = WrapKey(key_, data_key, "stack-a", random_);
  ASSERT_TRUE(wrapped.has_value());
  EXPECT_EQ(static_cast<uint8_t>((*wrapped)[0]), kWrapFormatV1);
  EXPECT_EQ(wrapped->size(), 1 + kAeadKeyBytes + kAeadOverheadBytes);
  auto unwrapped = UnwrapKey(key_, *wrapped, "stack-a");
  ASSERT_TRUE(unwrapped.has_value());
  EXPECT_EQ(*unwrapped, data_key);

  EXPECT_FALSE(UnwrapKey(key_, *wrapped, "stack-b").has_value());
  EXPECT_FALSE(UnwrapKey(NewKey(), *wrapped, "stack-a").has_value());
  std::string other_version = *wrapped;
  other_version[0] = 0x02;
  EXPECT_FALSE(UnwrapKey(key_, other_version, "stack-a").has_value());
  std::string flipped = *wrapped;
  flipped[10] = static_cast<char>(flipped[10] ^ 0x80);
  EXPECT_FALSE(UnwrapKey(key_, flipped, "stack-a").has_value());
  EXPECT_FALSE(WrapKey(key_, "short", "stack-a", random_).has_value());
}

TEST_F(AeadTest, KeyIdIsStableShortAndKeySpecific) {
  std::string id = KeyId(key_);
  EXPECT_EQ(id.size(), 16u);
  EXPECT_EQ(KeyId(key_), id);
  EXPECT_NE(KeyId(NewKey()), id);
  EXPECT_EQ(id.find_first_not_of("0123456789abcdef"), std::string::npos);
}

TEST(Base64Test, EncodesRfc4648Vectors) {
  EXPECT_EQ(Base64Encode(""), "");
  EXPECT_EQ(Base64Encode("f"), "Zg==");
  EXPECT_EQ(Base64Encode("fo"), "Zm8=");
  EXPECT_EQ(Base64Encode("foo"), "Zm9v");
  EXPECT_EQ(Base64Encode("foob"), "Zm9vYg==");
  EXPECT_EQ(Base64Encode("fooba"), "Zm9vYmE=");
  EXPECT_EQ(Base64Encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(Base64Encode("s3cr3t"), "czNjcjN0");
  EXPECT_EQ(Base64Encode(std::string("\xfb\xff\xbf", 3)), "+/+/");
}

TEST(Base64Test, DecodesStrictly) {
  for (const char* text : {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy", "+/+/"}) {
    auto decoded = Base64Decode(text);
    ASSERT_TRUE(decoded.has_value()) << text;
    EXPECT_EQ(Base64Encode(*decoded), text);
  }
  for (const char* bad : {"Zg", "Zg=", "Zm9", "Z===", "====", "Zm9v\n", " Zm9v", "Zm-_", "Zm9v====",
                          "Zh==", "Zm9=", "Zg==Zg==", "Z=g=", "@@@@"}) {
    EXPECT_FALSE(Base64Decode(bad).has_value()) << bad;
  }
}

}  // namespace
}  // namespace statehouse::crypto
