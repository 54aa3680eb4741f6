#include "webhooks/signature.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "crypto/aead.h"
#include "crypto/base64.h"

namespace statehouse::webhooks {

namespace {

constexpr char kHexDigits[] = "0123456789abcdef";

std::string SecretAad(std::string_view webhook_id) {
  std::string aad = "statehouse-webhook-secret";
  aad.push_back('\0');
  aad.append(webhook_id);
  return aad;
}

}  // namespace

std::string HmacSha256Hex(std::string_view key, std::string_view message) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  static const unsigned char kEmpty = 0;
  HMAC(EVP_sha256(), key.empty() ? static_cast<const void*>(&kEmpty) : key.data(),
       static_cast<int>(key.size()),
       message.empty() ? &kEmpty : reinterpret_cast<const unsigned char*>(message.data()),
       message.size(), digest, &size);
  std::string out;
  out.reserve(2 * size);
  for (unsigned int i = 0; i < size; ++i) {
    out.push_back(kHexDigits[digest[i] >> 4]);
    out.push_back(kHexDigits[digest[i] & 0xf]);
  }
  return out;
}

Result<std::string> SealSecret(std::string_view master_key, std::string_view webhook_id,
                               std::string_view secret, Random& random) {
  if (secret.empty()) return std::string();
  SH_ASSIGN_OR_RETURN(auto sealed,
                      crypto::AeadSeal(master_key, secret, SecretAad(webhook_id), random));
  return crypto::Base64Encode(sealed);
}

Result<std::string> OpenSecret(std::string_view master_key, std::string_view webhook_id,
                               std::string_view sealed) {
  if (sealed.empty()) return std::string();
  std::optional<std::string> bytes = crypto::Base64Decode(sealed);
  if (!bytes) return Fail(Error::InvalidArgument("webhook secret is not sealed text"));
  return crypto::AeadOpen(master_key, *bytes, SecretAad(webhook_id));
}

}  // namespace statehouse::webhooks
