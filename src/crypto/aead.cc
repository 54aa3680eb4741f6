#include "crypto/aead.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <climits>
#include <memory>

#include <fmt/format.h>

#include "crypto/crypto.h"

namespace statehouse::crypto {

namespace {

struct CipherCtxDeleter {
  void operator()(EVP_CIPHER_CTX* ctx) const { EVP_CIPHER_CTX_free(ctx); }
};
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxDeleter>;

const unsigned char* Bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}
unsigned char* Bytes(std::string& s) { return reinterpret_cast<unsigned char*>(s.data()); }

Error OpenSslFailure(std::string_view what) {
  return Error::Internal(fmt::format("openssl aes-256-gcm {} failed", what));
}

Error AuthenticationFailed() { return Error::InvalidArgument("Message authentication failed"); }

// OpenSSL takes int lengths; one call handles at most INT_MAX bytes.
constexpr size_t kMaxChunk = INT_MAX;

std::string WrapAad(uint8_t version, std::string_view context) {
  std::string aad = "statehouse-key-wrap";
  aad.push_back('\0');
  aad.push_back(static_cast<char>(version));
  aad.push_back('\0');
  aad.append(context);
  return aad;
}

}  // namespace

Result<std::string> AeadSeal(std::string_view key, std::string_view plaintext,
                             std::string_view aad, Random& random) {
  if (key.size() != kAeadKeyBytes) {
    return Fail(Error::InvalidArgument("AES-256-GCM key must be 32 bytes"));
  }
  if (plaintext.size() > kMaxChunk || aad.size() > kMaxChunk) {
    return Fail(Error::InvalidArgument("AES-256-GCM input too large"));
  }
  std::string out(kAeadNonceBytes + plaintext.size() + kAeadTagBytes, '\0');
  unsigned char* nonce = Bytes(out);
  random.Fill(nonce, kAeadNonceBytes);

  CipherCtx ctx(EVP_CIPHER_CTX_new());
  if (!ctx) return Fail(OpenSslFailure("context"));
  if (EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, Bytes(key), nonce) != 1) {
    return Fail(OpenSslFailure("init"));
  }
  int len = 0;
  if (!aad.empty() &&
      EVP_EncryptUpdate(ctx.get(), nullptr, &len, Bytes(aad), static_cast<int>(aad.size())) != 1) {
    return Fail(OpenSslFailure("aad"));
  }
  unsigned char* body = nonce + kAeadNonceBytes;
  if (!plaintext.empty() && EVP_EncryptUpdate(ctx.get(), body, &len, Bytes(plaintext),
                                              static_cast<int>(plaintext.size())) != 1) {
    return Fail(OpenSslFailure("update"));
  }
  if (EVP_EncryptFinal_ex(ctx.get(), body + plaintext.size(), &len) != 1) {
    return Fail(OpenSslFailure("final"));
  }
  if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, static_cast<int>(kAeadTagBytes),
                          body + plaintext.size()) != 1) {
    return Fail(OpenSslFailure("tag"));
  }
  return out;
}

Result<std::string> AeadOpen(std::string_view key, std::string_view sealed,
                             std::string_view aad) {
  if (key.size() != kAeadKeyBytes) {
    return Fail(Error::InvalidArgument("AES-256-GCM key must be 32 bytes"));
  }
  if (sealed.size() < kAeadOverheadBytes) return Fail(AuthenticationFailed());
  if (sealed.size() > kMaxChunk || aad.size() > kMaxChunk) return Fail(AuthenticationFailed());
  std::string_view nonce = sealed.substr(0, kAeadNonceBytes);
  std::string_view body = sealed.substr(kAeadNonceBytes, sealed.size() - kAeadOverheadBytes);
  std::string tag(sealed.substr(sealed.size() - kAeadTagBytes));

  CipherCtx ctx(EVP_CIPHER_CTX_new());
  if (!ctx) return Fail(OpenSslFailure("context"));
  if (EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, Bytes(key), Bytes(nonce)) != 1) {
    return Fail(OpenSslFailure("init"));
  }
  int len = 0;
  if (!aad.empty() &&
      EVP_DecryptUpdate(ctx.get(), nullptr, &len, Bytes(aad), static_cast<int>(aad.size())) != 1) {
    return Fail(OpenSslFailure("aad"));
  }
  std::string out(body.size(), '\0');
  if (!body.empty() &&
      EVP_DecryptUpdate(ctx.get(), Bytes(out), &len, Bytes(body), static_cast<int>(body.size())) != 1) {
    return Fail(OpenSslFailure("update"));
  }
  if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(kAeadTagBytes),
                          Bytes(tag)) != 1) {
    return Fail(OpenSslFailure("tag"));
  }
  if (EVP_DecryptFinal_ex(ctx.get(), Bytes(out) + body.size(), &len) != 1) {
    Wipe(out);
    return Fail(AuthenticationFailed());
  }
  return out;
}

Result<std::string> WrapKey(std::string_view kek, std::string_view key, std::string_view context,
                            Random& random) {
  if (key.size() != kAeadKeyBytes) {
    return Fail(Error::InvalidArgument("wrapped key must be 32 bytes"));
  }
  SH_ASSIGN_OR_RETURN(std::string sealed,
                      AeadSeal(kek, key, WrapAad(kWrapFormatV1, context), random));
  std::string out(1, static_cast<char>(kWrapFormatV1));
  out.append(sealed);
  return out;
}

Result<std::string> UnwrapKey(std::string_view kek, std::string_view wrapped,
                              std::string_view context) {
  if (wrapped.size() != 1 + kAeadKeyBytes + kAeadOverheadBytes ||
      static_cast<uint8_t>(wrapped[0]) != kWrapFormatV1) {
    return Fail(Error::InvalidArgument("unknown wrapped key format"));
  }
  return AeadOpen(kek, wrapped.substr(1), WrapAad(kWrapFormatV1, context));
}

std::string KeyId(std::string_view kek) {
  std::string labelled = "statehouse-key-id";
  labelled.push_back('\0');
  labelled.append(kek);
  std::string id = Sha256Hex(labelled).substr(0, 16);
  Wipe(labelled);
  return id;
}

void Wipe(std::string& secret) {
  if (!secret.empty()) OPENSSL_cleanse(secret.data(), secret.size());
  secret.clear();
}

}  // namespace statehouse::crypto
