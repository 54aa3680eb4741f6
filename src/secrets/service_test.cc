#include "secrets/service.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <thread>
#include <vector>

#include "crypto/aead.h"
#include "crypto/crypto.h"
#include "test/fakes/failing_sink.h"
#include "test/fakes/fake_clock.h"
#include "test/fakes/temp_dir.h"
#include "test/fakes/test_store.h"

namespace statehouse::secrets {
namespace {

std::string MasterKey(char fill) { return std::string(crypto::kAeadKeyBytes, fill); }

class SecretsServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = testing::OpenTestStore(dir_.path());
    authorizer_ = std::make_unique<auth::Authorizer>(*store_, clock_);
    service_ = NewService(MasterKey('m'));
    alice_ = testing::CreateTestUser(*store_, random_, clock_, "alice").user;
    acme_ = storage::OrgRecord{random_.Uuid(), "acme", clock_.NowSeconds(), 0};
    ASSERT_TRUE(store_->CreateOrg(acme_, alice_.id).has_value());
    dev_ = AddStack("proj", "dev");
    prod_ = AddStack("proj", "prod");
  }

  std::unique_ptr<SecretsService> NewService(std::string master_key) {
    return std::make_unique<SecretsService>(*store_, clock_, random_, switchable_,
                                            std::move(master_key));
  }

  storage::StackRecord AddStack(const std::string& project, const std::string& name) {
    return testing::CreateTestStack(*store_, random_, clock_, acme_.name, project, name, alice_.id);
  }

  // Access to the stack as the guard builds it, re-read from the store so
  // renames and transfers are visible.
  auth::Access StackAccess(const std::string& org, const std::string& project,
                           const std::string& stack) {
    auto access = authorizer_->Authorize(auth::Principal{alice_, ""}, auth::Need::kStackRead, org,
                                         project, stack);
    EXPECT_TRUE(access.has_value()) << (access ? "" : access.error().message);
    return access.value_or(auth::Access{});
  }
  auth::Access Dev() { return StackAccess("acme", "proj", "dev"); }
  auth::Access Prod() { return StackAccess("acme", "proj", "prod"); }

  testing::TempDir dir_;
  testing::FakeClock clock_;
  crypto::OpenSslRandom random_;
  events::RecordingSink sink_;
  testing::SwitchableSink switchable_{sink_};
  storage::StorePtr store_;
  std::unique_ptr<auth::Authorizer> authorizer_;
  std::unique_ptr<SecretsService> service_;
  storage::UserRecord alice_;
  storage::OrgRecord acme_;
  storage::StackRecord dev_;
  storage::StackRecord prod_;
};

TEST_F(SecretsServiceTest, EncryptThenDecryptRoundTrips) {
  for (const std::string& plaintext : {std::string("s3cr3t"), std::string(),
                                       std::string("\x00\x01\xff", 3)}) {
    auto ciphertext = service_->Encrypt(Dev(), plaintext);
    ASSERT_TRUE(ciphertext.has_value()) << ciphertext.error().message;
    EXPECT_EQ(static_cast<uint8_t>((*ciphertext)[0]), kCiphertextFormatV1);
    EXPECT_EQ(static_cast<uint8_t>((*ciphertext)[1]), kDataKeyGeneration);
    EXPECT_EQ(ciphertext->size(), 2 + crypto::kAeadOverheadBytes + plaintext.size());
    auto decrypted = service_->Decrypt(Dev(), *ciphertext);
    ASSERT_TRUE(decrypted.has_value()) << decrypted.error().message;
    EXPECT_EQ(*decrypted, plaintext);
  }
}

TEST_F(SecretsServiceTest, SameValueEncryptsDifferentlyEachTime) {
  auto a = service_->Encrypt(Dev(), "same");
  auto b = service_->Encrypt(Dev(), "same");
  ASSERT_TRUE(a.has_value() && b.has_value());
  EXPECT_NE(*a, *b);
}

TEST_F(SecretsServiceTest, KeyIsStoredOnlyWrappedAndBoundToTheStack) {
  ASSERT_TRUE(service_->Encrypt(Dev(), "x").has_value());
  auto record = store_->GetStackSecretKey(dev_.id);
  ASSERT_TRUE(record.has_value());
  ASSERT_TRUE(record->has_value());
  EXPECT_EQ((*record)->master_key_id, crypto::KeyId(MasterKey('m')));
  EXPECT_EQ((*record)->created, clock_.NowSeconds());
  EXPECT_TRUE(crypto::UnwrapKey(MasterKey('m'), (*record)->wrapped_key, dev_.id).has_value());
  EXPECT_FALSE(crypto::UnwrapKey(MasterKey('m'), (*record)->wrapped_key, prod_.id).has_value());
  // Decrypting never creates a key.
  EXPECT_FALSE(service_->Decrypt(Prod(), "anything").has_value());
  auto prod_record = store_->GetStackSecretKey(prod_.id);
  ASSERT_TRUE(prod_record.has_value());
  EXPECT_FALSE(prod_record->has_value());
}

TEST_F(SecretsServiceTest, ConcurrentFirstUseCreatesOneKey) {
  constexpr int kThreads = 8;
  std::vector<std::string> ciphertexts(kThreads);
  std::vector<std::string> errors(kThreads);
  auth::Access access = Dev();
  {
    std::vector<std::thread> threads;
    for (int i = 0; i < kThreads; ++i) {
      threads.emplace_back([&, i] {
        auto c = service_->Encrypt(access, "value " + std::to_string(i));
        if (c) {
          ciphertexts[i] = *c;
        } else {
          errors[i] = c.error().message + " " + c.error().detail;
        }
      });
    }
    for (auto& t : threads) t.join();
  }
  for (int i = 0; i < kThreads; ++i) ASSERT_EQ(errors[i], "") << "thread " << i;
  // Every ciphertext opens under the one stored key.
  auto record = store_->GetStackSecretKey(dev_.id);
  ASSERT_TRUE(record.has_value() && record->has_value());
  auto key = crypto::UnwrapKey(MasterKey('m'), (*record)->wrapped_key, dev_.id);
  ASSERT_TRUE(key.has_value());
  for (int i = 0; i < kThreads; ++i) {
    auto plaintext = service_->Decrypt(access, ciphertexts[i]);
    ASSERT_TRUE(plaintext.has_value()) << "thread " << i << ": " << plaintext.error().message;
    EXPECT_EQ(*plaintext, "value " + std::to_string(i));
  }
}

TEST_F(SecretsServiceTest, AnotherStacksCiphertextIsRefusedWithInvalidArgument) {
  auto dev_secret = service_->Encrypt(Dev(), "dev only");
  ASSERT_TRUE(dev_secret.has_value());
  ASSERT_TRUE(service_->Encrypt(Prod(), "prod").has_value());  // prod has a key too
  auto crossed = service_->Decrypt(Prod(), *dev_secret);
  ASSERT_FALSE(crossed.has_value());
  EXPECT_EQ(crossed.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(crossed.error().message.find("'ciphertext'"), std::string::npos);

  auto batch = service_->DecryptBatch(Prod(), {*dev_secret});
  ASSERT_FALSE(batch.has_value());
  EXPECT_EQ(batch.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(batch.error().message.find("'ciphertexts[0]'"), std::string::npos);
}

TEST_F(SecretsServiceTest, MalformedCiphertextsAreInvalidArguments) {
  auto good = service_->Encrypt(Dev(), "v");
  ASSERT_TRUE(good.has_value());
  std::string other_version = *good;
  other_version[0] = 0x02;
  std::string other_generation = *good;
  other_generation[1] = 0x07;
  std::string flipped = *good;
  flipped.back() = static_cast<char>(flipped.back() ^ 1);
  for (const std::string& bad : {std::string(), std::string("short"), other_version,
                                 other_generation, flipped, good->substr(0, good->size() - 1)}) {
    auto result = service_->Decrypt(Dev(), bad);
    ASSERT_FALSE(result.has_value());
    EXPECT_EQ(result.error().code, ErrorCode::kInvalidArgument);
  }
  auto batch = service_->DecryptBatch(Dev(), {*good, flipped});
  ASSERT_FALSE(batch.has_value());
  EXPECT_NE(batch.error().message.find("'ciphertexts[1]'"), std::string::npos);
}

TEST_F(SecretsServiceTest, BatchesKeepOrderAndLength) {
  std::vector<std::string> plaintexts = {"one", "", "three", "one"};
  auto ciphertexts = service_->EncryptBatch(Dev(), plaintexts);
  ASSERT_TRUE(ciphertexts.has_value());
  ASSERT_EQ(ciphertexts->size(), plaintexts.size());
  EXPECT_NE((*ciphertexts)[0], (*ciphertexts)[3]);
  auto decrypted = service_->DecryptBatch(Dev(), *ciphertexts);
  ASSERT_TRUE(decrypted.has_value());
  EXPECT_EQ(*decrypted, plaintexts);
  auto empty = service_->EncryptBatch(Prod(), {});
  ASSERT_TRUE(empty.has_value());
  EXPECT_TRUE(empty->empty());
  auto none = service_->DecryptBatch(Prod(), {});
  ASSERT_TRUE(none.has_value());
  EXPECT_TRUE(none->empty());
}

TEST_F(SecretsServiceTest, OversizeValuesAreRefused) {
  std::string big(kMaxPlaintextBytes + 1, 'x');
  auto single = service_->Encrypt(Dev(), big);
  ASSERT_FALSE(single.has_value());
  EXPECT_EQ(single.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(single.error().message.find("'plaintext'"), std::string::npos);
  auto batch = service_->EncryptBatch(Dev(), {"ok", big});
  ASSERT_FALSE(batch.has_value());
  EXPECT_NE(batch.error().message.find("'plaintexts[1]'"), std::string::npos);
  auto many = service_->EncryptBatch(Dev(), std::vector<std::string>(kMaxBatchValues + 1, "v"));
  ASSERT_FALSE(many.has_value());
  EXPECT_EQ(many.error().code, ErrorCode::kInvalidArgument);
}

TEST_F(SecretsServiceTest, RenameAndTransferKeepSecretsReadable) {
  auto secret = service_->Encrypt(Dev(), "survives");
  ASSERT_TRUE(secret.has_value());
  ASSERT_TRUE(store_->MoveStack(dev_.id, acme_.id, "proj2", "dev2", std::nullopt).has_value());
  auto renamed = service_->Decrypt(StackAccess("acme", "proj2", "dev2"), *secret);
  ASSERT_TRUE(renamed.has_value()) << renamed.error().message;
  EXPECT_EQ(*renamed, "survives");

  storage::OrgRecord other{random_.Uuid(), "other", clock_.NowSeconds(), 0};
  ASSERT_TRUE(store_->CreateOrg(other, alice_.id).has_value());
  ASSERT_TRUE(store_->MoveStack(dev_.id, other.id, "proj2", "dev2", std::nullopt).has_value());
  auto moved = service_->Decrypt(StackAccess("other", "proj2", "dev2"), *secret);
  ASSERT_TRUE(moved.has_value()) << moved.error().message;
  EXPECT_EQ(*moved, "survives");
}

TEST_F(SecretsServiceTest, ADifferentMasterKeyCannotUseExistingKeys) {
  auto secret = service_->Encrypt(Dev(), "v");
  ASSERT_TRUE(secret.has_value());
  auto other = NewService(MasterKey('z'));
  auto decrypted = other->Decrypt(Dev(), *secret);
  ASSERT_FALSE(decrypted.has_value());
  EXPECT_EQ(decrypted.error().code, ErrorCode::kPreconditionFailed);
  auto encrypted = other->Encrypt(Dev(), "v");
  ASSERT_FALSE(encrypted.has_value());
  EXPECT_EQ(encrypted.error().code, ErrorCode::kPreconditionFailed);
  // The stored key is left as it was; the original server still decrypts.
  auto again = service_->Decrypt(Dev(), *secret);
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(*again, "v");
}

TEST_F(SecretsServiceTest, DeletingTheStackRemovesItsKey) {
  ASSERT_TRUE(service_->Encrypt(Dev(), "v").has_value());
  ASSERT_TRUE(store_->DeleteStack(dev_.id).has_value());
  auto record = store_->GetStackSecretKey(dev_.id);
  ASSERT_TRUE(record.has_value());
  EXPECT_FALSE(record->has_value());
}

TEST_F(SecretsServiceTest, DecryptionsAndAuditPingsPublishEvents) {
  auto secret = service_->Encrypt(Dev(), "v");
  ASSERT_TRUE(secret.has_value());
  EXPECT_TRUE(sink_.Events().empty());  // encryption is not audited
  ASSERT_TRUE(service_->Decrypt(Dev(), *secret).has_value());
  ASSERT_TRUE(service_->DecryptBatch(Dev(), {*secret, *secret}).has_value());
  ASSERT_TRUE(service_->LogDecryption(Dev(), "proj:dbPassword").has_value());
  ASSERT_TRUE(service_->LogBatchDecryption(Dev(), std::string(1000, 'c')).has_value());
  auto events = sink_.Events();
  ASSERT_EQ(events.size(), 4u);
  EXPECT_EQ(events[0].kind, "secret-decrypted");
  EXPECT_EQ(events[0].org_name, "acme");
  EXPECT_EQ(events[0].actor.login, "alice");
  EXPECT_EQ(events[0].target, "proj/dev");
  EXPECT_EQ(events[0].fields.at("source"), "service");
  EXPECT_EQ(events[0].fields.at("ciphertextSuffix").size(), 8u);
  EXPECT_EQ(events[1].kind, "secrets-batch-decrypted");
  EXPECT_EQ(events[1].fields.at("count"), "2");
  EXPECT_EQ(events[2].kind, "secret-decrypted");
  EXPECT_EQ(events[2].fields.at("source"), "client");
  EXPECT_EQ(events[2].fields.at("secretName"), "proj:dbPassword");
  EXPECT_EQ(events[3].kind, "secrets-batch-decrypted");
  EXPECT_EQ(events[3].fields.at("commandName").size(), 256u);
}

TEST_F(SecretsServiceTest, NoPlaintextWithoutItsAuditEvent) {
  auto secret = service_->Encrypt(Dev(), "v");
  ASSERT_TRUE(secret.has_value());
  switchable_.SetFailing(true);
  auto one = service_->Decrypt(Dev(), *secret);
  ASSERT_FALSE(one.has_value());
  EXPECT_EQ(one.error().code, ErrorCode::kInternal);
  EXPECT_FALSE(service_->DecryptBatch(Dev(), {*secret}).has_value());
  EXPECT_FALSE(service_->LogDecryption(Dev(), "x").has_value());
  EXPECT_FALSE(service_->LogBatchDecryption(Dev(), "x").has_value());
  EXPECT_TRUE(service_->Encrypt(Dev(), "w").has_value());  // not audited, not affected
  EXPECT_TRUE(sink_.Events().empty());
}

}  // namespace
}  // namespace statehouse::secrets
