#include "auth/event.h"
#include "secrets/service.h"

#include <fmt/format.h>

#include "crypto/aead.h"
#include "crypto/base64.h"

namespace statehouse::secrets {

namespace {

constexpr size_t kHeaderBytes = 2;
// Client-supplied names kept in audit events are cut to this many bytes.
constexpr size_t kMaxLoggedNameBytes = 256;

std::string SecretAad(std::string_view header, std::string_view stack_id) {
  std::string aad = "statehouse-secret";
  aad.push_back('\0');
  aad.append(header);
  aad.push_back('\0');
  aad.append(stack_id);
  return aad;
}

Error Undecryptable(std::string_view field) {
  return Error::InvalidArgument(fmt::format(
      "Invalid field '{}': Message authentication failed (not a ciphertext of this stack)", field));
}

// The last characters of a ciphertext's base64, as Pulumi's audit log shows.
std::string CiphertextSuffix(std::string_view ciphertext) {
  std::string b64 = crypto::Base64Encode(ciphertext);
  return b64.size() > 8 ? b64.substr(b64.size() - 8) : b64;
}

// Wipes the key when leaving scope.
class KeyGuard {
 public:
  explicit KeyGuard(std::string& key) : key_(key) {}
  ~KeyGuard() { crypto::Wipe(key_); }
  KeyGuard(const KeyGuard&) = delete;
  KeyGuard& operator=(const KeyGuard&) = delete;

 private:
  std::string& key_;
};

}  // namespace

SecretsService::SecretsService(storage::Store& store, const Clock& clock, Random& random,
                               events::EventSink& events, std::string master_key)
    : store_(store),
      clock_(clock),
      random_(random),
      events_(events),
      master_key_(std::move(master_key)),
      master_key_id_(crypto::KeyId(master_key_)) {}

SecretsService::~SecretsService() { crypto::Wipe(master_key_); }

Result<std::string> SecretsService::Unwrap(const storage::StackRecord& stack,
                                           const storage::StackSecretKeyRecord& record) {
  if (record.master_key_id != master_key_id_) {
    return Fail(Error{ErrorCode::kPreconditionFailed,
                      "The secrets key of this stack was sealed with a different master key than "
                      "this server's; the server must be started with the original master key",
                      fmt::format("stack {} key wrapped by master key {}, server has {}", stack.id,
                                  record.master_key_id, master_key_id_)});
  }
  auto key = crypto::UnwrapKey(master_key_, record.wrapped_key, stack.id);
  if (!key) {
    return Fail(Error::Internal(
        fmt::format("stack {}: stored secrets key does not unwrap: {}", stack.id,
                    key.error().message)));
  }
  return std::move(*key);
}

Result<std::optional<std::string>> SecretsService::DataKey(const storage::StackRecord& stack,
                                                           bool create) {
  SH_ASSIGN_OR_RETURN(auto existing, store_.GetStackSecretKey(stack.id));
  if (existing) {
    SH_ASSIGN_OR_RETURN(auto key, Unwrap(stack, *existing));
    return std::optional<std::string>(std::move(key));
  }
  if (!create) return std::optional<std::string>();

  std::string fresh(crypto::kAeadKeyBytes, '\0');
  KeyGuard fresh_guard(fresh);
  random_.Fill(reinterpret_cast<unsigned char*>(fresh.data()), fresh.size());
  storage::StackSecretKeyRecord record;
  record.stack_id = stack.id;
  record.master_key_id = master_key_id_;
  SH_ASSIGN_OR_RETURN(record.wrapped_key, crypto::WrapKey(master_key_, fresh, stack.id, random_));
  record.created = clock_.NowSeconds();
  // Another caller may have stored a key first; use whichever one is stored.
  SH_ASSIGN_OR_RETURN(auto stored, store_.CreateStackSecretKeyIfAbsent(record));
  SH_ASSIGN_OR_RETURN(auto key, Unwrap(stack, stored));
  return std::optional<std::string>(std::move(key));
}

Result<std::string> SecretsService::Seal(const std::string& key, const storage::StackRecord& stack,
                                         std::string_view plaintext) {
  std::string out;
  out.push_back(static_cast<char>(kCiphertextFormatV1));
  out.push_back(static_cast<char>(kDataKeyGeneration));
  SH_ASSIGN_OR_RETURN(auto sealed,
                      crypto::AeadSeal(key, plaintext, SecretAad(out, stack.id), random_));
  out.append(sealed);
  return out;
}

Result<std::string> SecretsService::Open(const std::string& key, const storage::StackRecord& stack,
                                         std::string_view ciphertext, std::string_view field) {
  if (ciphertext.empty()) {
    return Fail(Error::InvalidArgument(fmt::format("Invalid field '{}': empty ciphertext", field)));
  }
  if (ciphertext.size() < kHeaderBytes + crypto::kAeadOverheadBytes ||
      static_cast<uint8_t>(ciphertext[0]) != kCiphertextFormatV1 ||
      static_cast<uint8_t>(ciphertext[1]) != kDataKeyGeneration) {
    return Fail(Error::InvalidArgument(
        fmt::format("Invalid field '{}': not a ciphertext produced by this server", field)));
  }
  auto plaintext = crypto::AeadOpen(key, ciphertext.substr(kHeaderBytes),
                                    SecretAad(ciphertext.substr(0, kHeaderBytes), stack.id));
  if (!plaintext) return Fail(Undecryptable(field));
  return std::move(*plaintext);
}

Result<std::string> SecretsService::Encrypt(const auth::Access& access,
                                            std::string_view plaintext) {
  if (plaintext.size() > kMaxPlaintextBytes) {
    return Fail(Error::InvalidArgument(
        fmt::format("Invalid field 'plaintext': at most {} bytes", kMaxPlaintextBytes)));
  }
  SH_ASSIGN_OR_RETURN(auto key, DataKey(*access.stack, /*create=*/true));
  KeyGuard guard(*key);
  return Seal(*key, *access.stack, plaintext);
}

Result<std::vector<std::string>> SecretsService::EncryptBatch(
    const auth::Access& access, const std::vector<std::string>& plaintexts) {
  if (plaintexts.size() > kMaxBatchValues) {
    return Fail(Error::InvalidArgument(
        fmt::format("Invalid field 'plaintexts': at most {} values", kMaxBatchValues)));
  }
  for (size_t i = 0; i < plaintexts.size(); ++i) {
    if (plaintexts[i].size() > kMaxPlaintextBytes) {
      return Fail(Error::InvalidArgument(fmt::format(
          "Invalid field 'plaintexts[{}]': at most {} bytes", i, kMaxPlaintextBytes)));
    }
  }
  std::vector<std::string> out;
  if (plaintexts.empty()) return out;
  SH_ASSIGN_OR_RETURN(auto key, DataKey(*access.stack, /*create=*/true));
  KeyGuard guard(*key);
  out.reserve(plaintexts.size());
  for (const auto& plaintext : plaintexts) {
    SH_ASSIGN_OR_RETURN(auto ciphertext, Seal(*key, *access.stack, plaintext));
    out.push_back(std::move(ciphertext));
  }
  return out;
}

Result<std::string> SecretsService::Decrypt(const auth::Access& access,
                                            std::string_view ciphertext) {
  if (ciphertext.empty()) {
    return Fail(Error::InvalidArgument("Invalid field 'ciphertext': empty ciphertext"));
  }
  SH_ASSIGN_OR_RETURN(auto key, DataKey(*access.stack, /*create=*/false));
  if (!key) return Fail(Undecryptable("ciphertext"));
  KeyGuard guard(*key);
  SH_ASSIGN_OR_RETURN(auto plaintext, Open(*key, *access.stack, ciphertext, "ciphertext"));
  SH_TRY(Publish(access, "secret-decrypted",
                 {{"source", "service"}, {"ciphertextSuffix", CiphertextSuffix(ciphertext)}}));
  return plaintext;
}

Result<std::vector<std::string>> SecretsService::DecryptBatch(
    const auth::Access& access, const std::vector<std::string>& ciphertexts) {
  if (ciphertexts.size() > kMaxBatchValues) {
    return Fail(Error::InvalidArgument(
        fmt::format("Invalid field 'ciphertexts': at most {} values", kMaxBatchValues)));
  }
  for (size_t i = 0; i < ciphertexts.size(); ++i) {
    if (ciphertexts[i].empty()) {
      return Fail(Error::InvalidArgument(
          fmt::format("Invalid field 'ciphertexts[{}]': empty ciphertext", i)));
    }
  }
  std::vector<std::string> out;
  if (ciphertexts.empty()) return out;
  SH_ASSIGN_OR_RETURN(auto key, DataKey(*access.stack, /*create=*/false));
  if (!key) return Fail(Undecryptable("ciphertexts[0]"));
  KeyGuard guard(*key);
  out.reserve(ciphertexts.size());
  for (size_t i = 0; i < ciphertexts.size(); ++i) {
    SH_ASSIGN_OR_RETURN(auto plaintext, Open(*key, *access.stack, ciphertexts[i],
                                             fmt::format("ciphertexts[{}]", i)));
    out.push_back(std::move(plaintext));
  }
  SH_TRY(Publish(access, "secrets-batch-decrypted",
                 {{"source", "service"}, {"count", std::to_string(out.size())}}));
  return out;
}

Result<void> SecretsService::LogDecryption(const auth::Access& access,
                                           const std::string& secret_name) {
  return Publish(
      access, "secret-decrypted",
      {{"source", "client"}, {"secretName", secret_name.substr(0, kMaxLoggedNameBytes)}});
}

Result<void> SecretsService::LogBatchDecryption(const auth::Access& access,
                                                const std::string& command_name) {
  return Publish(
      access, "secrets-batch-decrypted",
      {{"source", "client"}, {"commandName", command_name.substr(0, kMaxLoggedNameBytes)}});
}

Result<void> SecretsService::Publish(const auth::Access& access, std::string kind,
                                     std::map<std::string, std::string> fields) {
  events::DomainEvent event = auth::NewEvent(access, std::move(kind), clock_.NowSeconds());
  event.fields = std::move(fields);
  return store_.RunInTransaction([&]() { return events_.Publish(event); });
}

}  // namespace statehouse::secrets
