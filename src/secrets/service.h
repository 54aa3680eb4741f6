#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/authorizer.h"
#include "common/clock.h"
#include "common/error.h"
#include "common/random.h"
#include "events/domain_event.h"
#include "storage/store.h"

namespace statehouse::secrets {

// Largest plaintext accepted for one value, in bytes.
inline constexpr size_t kMaxPlaintextBytes = 4 * 1024 * 1024;
// Most values accepted by one batch call (the CLI sends at most 1000).
inline constexpr size_t kMaxBatchValues = 10000;

// Ciphertext layout (all versions start with the format byte):
//   v1: 0x01 | data-key generation (1 byte, currently 1) | AES-256-GCM sealed
//       plaintext (nonce 12 | ciphertext | tag 16), authenticating
//       "statehouse-secret" 0x00 | the two header bytes | 0x00 | stack id.
// The result is bound to the stack's immutable id: it decrypts after the
// stack is renamed or transferred, and never on another stack.
inline constexpr uint8_t kCiphertextFormatV1 = 0x01;
inline constexpr uint8_t kDataKeyGeneration = 0x01;

// The service secrets provider: every stack gets its own random 256-bit data
// key on first encryption, stored only wrapped (AES-256-GCM) under the master
// key with the stack id as associated data. Access has already been granted
// (stack read) by the Authorizer. All calls are side-effect free apart from
// creating the stack's key once and publishing audit events, so retries are
// safe. Thread-safe.
//
// Errors: kInvalidArgument (message names the field) for oversize values and
// for ciphertexts that are malformed or were not produced for this stack;
// kPreconditionFailed when the stack's key was wrapped by a different master
// key than this server's.
class SecretsService {
 public:
  // `master_key` is the 32-byte key-encryption key.
  SecretsService(storage::Store& store, const Clock& clock, Random& random,
                 events::EventSink& events, std::string master_key);
  ~SecretsService();
  SecretsService(const SecretsService&) = delete;
  SecretsService& operator=(const SecretsService&) = delete;

  // Creates the stack's data key when it has none (race-free: concurrent
  // first calls all end up using one key).
  Result<std::string> Encrypt(const auth::Access& access, std::string_view plaintext);
  // Same order and length as `plaintexts`.
  Result<std::vector<std::string>> EncryptBatch(const auth::Access& access,
                                                const std::vector<std::string>& plaintexts);

  // Publishes "secret-decrypted" (in a store transaction of its own; a
  // publish error fails the call and no plaintext is returned).
  Result<std::string> Decrypt(const auth::Access& access, std::string_view ciphertext);
  // Plaintexts in the order of `ciphertexts`; fails as a whole when any one
  // cannot be decrypted. Publishes "secrets-batch-decrypted" as Decrypt does.
  Result<std::vector<std::string>> DecryptBatch(const auth::Access& access,
                                                const std::vector<std::string>& ciphertexts);

  // Audit pings for decryptions done client-side (`--show-secrets`):
  // publish "secret-decrypted" / "secrets-batch-decrypted" with source
  // "client". Fail only when the event cannot be published.
  Result<void> LogDecryption(const auth::Access& access, const std::string& secret_name);
  Result<void> LogBatchDecryption(const auth::Access& access, const std::string& command_name);

 private:
  // The stack's unwrapped data key; with `create`, makes one when absent.
  // Without `create`, nullopt when the stack has no key yet.
  Result<std::optional<std::string>> DataKey(const storage::StackRecord& stack, bool create);
  Result<std::string> Unwrap(const storage::StackRecord& stack,
                             const storage::StackSecretKeyRecord& record);
  Result<std::string> Seal(const std::string& key, const storage::StackRecord& stack,
                           std::string_view plaintext);
  Result<std::string> Open(const std::string& key, const storage::StackRecord& stack,
                           std::string_view ciphertext, std::string_view field);
  // Publishes a stack event of `kind` in a store transaction of its own.
  Result<void> Publish(const auth::Access& access, std::string kind,
                       std::map<std::string, std::string> fields);

  storage::Store& store_;
  const Clock& clock_;
  Random& random_;
  events::EventSink& events_;
  std::string master_key_;
  std::string master_key_id_;
};

}  // namespace statehouse::secrets
