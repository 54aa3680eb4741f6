#pragma once

// AES-256-GCM authenticated encryption (OpenSSL) and key wrapping built on it.
//
// Sealed layout: nonce (12 random bytes) || ciphertext || tag (16 bytes). A
// nonce is drawn fresh for every seal, so sealing the same input twice gives
// different outputs; with random 96-bit nonces one key stays safe for well
// over 2^32 seals.
//
// Wrapped-key layout: version byte (kWrapFormatV1) || sealed key, where the
// seal authenticates "statehouse-key-wrap" 0x00 version 0x00 context as
// associated data. A wrapped key therefore opens only under the same
// key-encryption key *and* the same context (e.g. the owning stack's id).
//
// All functions are thread-safe.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/error.h"
#include "common/random.h"

namespace statehouse::crypto {

inline constexpr size_t kAeadKeyBytes = 32;
inline constexpr size_t kAeadNonceBytes = 12;
inline constexpr size_t kAeadTagBytes = 16;
inline constexpr size_t kAeadOverheadBytes = kAeadNonceBytes + kAeadTagBytes;

inline constexpr uint8_t kWrapFormatV1 = 0x01;

// Encrypts `plaintext` under `key` (32 bytes), authenticating `aad` as well.
// Returns plaintext.size() + kAeadOverheadBytes bytes. kInvalidArgument when
// the key has the wrong size; kInternal when OpenSSL fails.
Result<std::string> AeadSeal(std::string_view key, std::string_view plaintext,
                             std::string_view aad, Random& random);

// Reverses AeadSeal. kInvalidArgument when the key has the wrong size, when
// `sealed` is too short, or when authentication fails (wrong key, different
// `aad`, or any altered byte); the message does not say which.
Result<std::string> AeadOpen(std::string_view key, std::string_view sealed, std::string_view aad);

// Wraps the 32-byte `key` under the 32-byte key-encryption key `kek`, bound to
// `context`. kInvalidArgument for keys of the wrong size.
Result<std::string> WrapKey(std::string_view kek, std::string_view key, std::string_view context,
                            Random& random);

// Reverses WrapKey. kInvalidArgument for an unknown format version, a
// malformed blob, or when `kek` or `context` differ from the wrapping ones.
Result<std::string> UnwrapKey(std::string_view kek, std::string_view wrapped,
                              std::string_view context);

// A short public identifier of a key-encryption key (16 lowercase hex
// digits derived by SHA-256 from the key under a fixed label), so records can
// say which master key wrapped them without revealing it.
std::string KeyId(std::string_view kek);

// Overwrites `secret` with zeros (not optimized away) and clears it.
void Wipe(std::string& secret);

}  // namespace statehouse::crypto
