#pragma once

// Webhook request signing: Pulumi-Webhook-Signature is the lowercase hex
// HMAC-SHA256 of the exact request body, keyed by the webhook's secret (its
// UTF-8 bytes). Also the sealing of that secret at rest under the master key.
// Thread-safe.

#include <string>
#include <string_view>

#include "common/error.h"
#include "common/random.h"

namespace statehouse::webhooks {

// Lowercase hex (64 digits) HMAC-SHA256 of `message` under `key` (OpenSSL).
std::string HmacSha256Hex(std::string_view key, std::string_view message);

// Seals `secret` with AES-256-GCM under `master_key` (32 bytes), bound to
// the webhook id, as standard base64 text ("" for an empty secret).
// kInvalidArgument for a master key of the wrong size.
Result<std::string> SealSecret(std::string_view master_key, std::string_view webhook_id,
                               std::string_view secret, Random& random);

// Reverses SealSecret ("" opens to ""). kInvalidArgument when the text is
// not a seal of this webhook under this master key.
Result<std::string> OpenSecret(std::string_view master_key, std::string_view webhook_id,
                               std::string_view sealed);

}  // namespace statehouse::webhooks
