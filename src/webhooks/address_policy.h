#pragma once

// Which IP addresses webhook deliveries may connect to. The check runs on
// the address actually being connected (curl's open-socket callback, see
// curl_poster.h), after DNS resolution, so a name that resolves to an
// internal address (DNS rebinding included) is refused like the literal.
//
// Default policy: refuse loopback, unspecified, link-local, private, CGNAT,
// multicast and reserved ranges (DefaultDeniedRanges); allow the rest.
// Ranges given to the constructor are allowed even when they fall inside
// the default-denied set. IPv4-mapped IPv6 addresses (::ffff:a.b.c.d) are
// judged as the IPv4 address they carry. Immutable; thread-safe.

#include <sys/socket.h>

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"

namespace statehouse::webhooks {

// An address range. IPv4 ranges are held as IPv4-mapped IPv6 (prefix + 96).
struct Cidr {
  std::array<uint8_t, 16> address{};
  int prefix = 0;  // 0..128 over the 16-byte form

  bool Contains(const std::array<uint8_t, 16>& ip) const;
  // "10.0.0.0/8", "fe80::/10".
  std::string ToString() const;
};

// Parses "ADDRESS/PREFIX" or a bare address (a single host). Host bits
// beyond the prefix must be zero. kInvalidArgument naming the text
// otherwise.
Result<Cidr> ParseCidr(std::string_view text);
// A comma-separated list of ranges; spaces around items and empty items are
// ignored.
Result<std::vector<Cidr>> ParseCidrList(std::string_view text);

// Parses a textual IPv4 or IPv6 address into the 16-byte form.
Result<std::array<uint8_t, 16>> ParseIp(std::string_view text);
// Textual form of a 16-byte address (IPv4 for IPv4-mapped ones).
std::string IpToString(const std::array<uint8_t, 16>& ip);

const std::vector<Cidr>& DefaultDeniedRanges();

class AddressPolicy {
 public:
  explicit AddressPolicy(std::vector<Cidr> allowed = {}) : allowed_(std::move(allowed)) {}

  bool Allows(const std::array<uint8_t, 16>& ip) const;
  // False for a textual address that does not parse.
  bool AllowsText(std::string_view ip) const;
  // False for families other than AF_INET / AF_INET6.
  bool AllowsSockaddr(const sockaddr* addr) const;

  const std::vector<Cidr>& allowed() const { return allowed_; }

 private:
  std::vector<Cidr> allowed_;
};

}  // namespace statehouse::webhooks
