#include "webhooks/address_policy.h"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <netinet/in.h>

#include <cstring>

#include "common/numbers.h"

namespace statehouse::webhooks {

namespace {

std::array<uint8_t, 16> MapV4(const uint8_t v4[4]) {
  std::array<uint8_t, 16> out{};
  out[10] = 0xff;
  out[11] = 0xff;
  std::memcpy(out.data() + 12, v4, 4);
  return out;
}

bool IsV4Mapped(const std::array<uint8_t, 16>& ip) {
  for (int i = 0; i < 10; ++i) {
    if (ip[i] != 0) return false;
  }
  return ip[10] == 0xff && ip[11] == 0xff;
}

std::string Trim(std::string_view s) {
  size_t b = s.find_first_not_of(" \t");
  if (b == std::string_view::npos) return {};
  size_t e = s.find_last_not_of(" \t");
  return std::string(s.substr(b, e - b + 1));
}

}  // namespace

bool Cidr::Contains(const std::array<uint8_t, 16>& ip) const {
  int bits = prefix;
  for (int i = 0; i < 16 && bits > 0; ++i, bits -= 8) {
    const uint8_t mask = bits >= 8 ? 0xff : static_cast<uint8_t>(0xff << (8 - bits));
    if ((ip[i] & mask) != (address[i] & mask)) return false;
  }
  return true;
}

std::string Cidr::ToString() const {
  if (IsV4Mapped(address) && prefix >= 96) {
    return fmt::format("{}/{}", IpToString(address), prefix - 96);
  }
  return fmt::format("{}/{}", IpToString(address), prefix);
}

Result<std::array<uint8_t, 16>> ParseIp(std::string_view text) {
  std::string s(text);
  uint8_t v4[4];
  if (s.find(':') == std::string::npos) {
    if (inet_pton(AF_INET, s.c_str(), v4) == 1) return MapV4(v4);
  } else {
    std::array<uint8_t, 16> v6{};
    if (inet_pton(AF_INET6, s.c_str(), v6.data()) == 1) return v6;
  }
  return Fail(Error::InvalidArgument(
      fmt::format("'{}' is not an IPv4 or IPv6 address", text.substr(0, 64))));
}

std::string IpToString(const std::array<uint8_t, 16>& ip) {
  char buf[INET6_ADDRSTRLEN] = {};
  if (IsV4Mapped(ip)) {
    inet_ntop(AF_INET, ip.data() + 12, buf, sizeof(buf));
  } else {
    inet_ntop(AF_INET6, ip.data(), buf, sizeof(buf));
  }
  return buf;
}

Result<Cidr> ParseCidr(std::string_view text) {
  std::string s = Trim(text);
  auto invalid = [&] {
    return Error::InvalidArgument(
        fmt::format("invalid CIDR range '{}': want ADDRESS/PREFIX, e.g. 10.0.0.0/8 or fd00::/8",
                    s.substr(0, 64)));
  };
  size_t slash = s.find('/');
  std::string address_text = s.substr(0, slash);
  auto ip = ParseIp(address_text);
  if (!ip) return Fail(invalid());
  const bool v4 = address_text.find(':') == std::string::npos;
  const int max_prefix = v4 ? 32 : 128;
  int prefix = max_prefix;
  if (slash != std::string::npos) {
    std::string digits = s.substr(slash + 1);
    if (digits.empty() || digits.size() > 3 ||
        digits.find_first_not_of("0123456789") != std::string::npos) {
      return Fail(invalid());
    }
    prefix = ParseInt<int>(digits).value_or(max_prefix + 1);
    if (prefix > max_prefix) return Fail(invalid());
  }
  Cidr cidr;
  cidr.address = *ip;
  cidr.prefix = v4 ? prefix + 96 : prefix;
  // Host bits must be zero.
  Cidr network = cidr;
  for (int i = 0; i < 16; ++i) {
    const int bits = cidr.prefix - 8 * i;
    const uint8_t mask = bits >= 8   ? 0xff
                         : bits <= 0 ? 0
                                     : static_cast<uint8_t>(0xff << (8 - bits));
    network.address[i] &= mask;
  }
  if (network.address != cidr.address) {
    return Fail(Error::InvalidArgument(fmt::format(
        "invalid CIDR range '{}': address has bits set beyond the prefix (did you mean {}?)",
        s.substr(0, 64), network.ToString())));
  }
  return cidr;
}

Result<std::vector<Cidr>> ParseCidrList(std::string_view text) {
  std::vector<Cidr> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    std::string item = Trim(text.substr(
        start, comma == std::string_view::npos ? std::string_view::npos : comma - start));
    if (!item.empty()) {
      SH_ASSIGN_OR_RETURN(Cidr cidr, ParseCidr(item));
      out.push_back(cidr);
    }
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return out;
}

const std::vector<Cidr>& DefaultDeniedRanges() {
  static const std::vector<Cidr> ranges = [] {
    std::vector<Cidr> out;
    for (const char* text : {
             "0.0.0.0/8",       // "this network", unspecified
             "10.0.0.0/8",      // private
             "100.64.0.0/10",   // carrier-grade NAT
             "127.0.0.0/8",     // loopback
             "169.254.0.0/16",  // link-local (cloud metadata endpoints)
             "172.16.0.0/12",   // private
             "192.168.0.0/16",  // private
             "224.0.0.0/4",     // multicast
             "240.0.0.0/4",     // reserved, broadcast
             "::/96",           // unspecified, loopback, IPv4-compatible
             "fc00::/7",        // unique local
             "fe80::/10",       // link-local
             "ff00::/8",        // multicast
         }) {
      out.push_back(*ParseCidr(text));
    }
    return out;
  }();
  return ranges;
}

bool AddressPolicy::Allows(const std::array<uint8_t, 16>& ip) const {
  for (const Cidr& cidr : allowed_) {
    if (cidr.Contains(ip)) return true;
  }
  for (const Cidr& cidr : DefaultDeniedRanges()) {
    if (cidr.Contains(ip)) return false;
  }
  return true;
}

bool AddressPolicy::AllowsText(std::string_view ip) const {
  auto parsed = ParseIp(ip);
  return parsed && Allows(*parsed);
}

bool AddressPolicy::AllowsSockaddr(const sockaddr* addr) const {
  if (addr == nullptr) return false;
  if (addr->sa_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(addr);
    return Allows(MapV4(reinterpret_cast<const uint8_t*>(&in->sin_addr)));
  }
  if (addr->sa_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(addr);
    std::array<uint8_t, 16> ip;
    std::memcpy(ip.data(), &in6->sin6_addr, 16);
    return Allows(ip);
  }
  return false;
}

}  // namespace statehouse::webhooks
