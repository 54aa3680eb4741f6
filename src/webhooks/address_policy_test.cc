#include "webhooks/address_policy.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>

namespace statehouse::webhooks {
namespace {

TEST(CidrTest, ParsesIpv4AndIpv6RangesAndHosts) {
  auto v4 = ParseCidr("10.0.0.0/8");
  ASSERT_TRUE(v4.has_value());
  EXPECT_EQ(v4->ToString(), "10.0.0.0/8");
  EXPECT_EQ(v4->prefix, 8 + 96);
  EXPECT_TRUE(v4->Contains(*ParseIp("10.255.1.2")));
  EXPECT_FALSE(v4->Contains(*ParseIp("11.0.0.1")));

  auto v6 = ParseCidr(" fe80::/10 ");
  ASSERT_TRUE(v6.has_value());
  EXPECT_EQ(v6->ToString(), "fe80::/10");
  EXPECT_TRUE(v6->Contains(*ParseIp("febf::1")));
  EXPECT_FALSE(v6->Contains(*ParseIp("fec0::1")));

  auto host = ParseCidr("192.0.2.7");
  ASSERT_TRUE(host.has_value());
  EXPECT_EQ(host->ToString(), "192.0.2.7/32");
  EXPECT_TRUE(host->Contains(*ParseIp("192.0.2.7")));
  EXPECT_FALSE(host->Contains(*ParseIp("192.0.2.8")));

  EXPECT_TRUE(ParseCidr("0.0.0.0/0")->Contains(*ParseIp("8.8.8.8")));
  EXPECT_FALSE(ParseCidr("0.0.0.0/0")->Contains(*ParseIp("2001:db8::1")));
  EXPECT_TRUE(ParseCidr("::/0")->Contains(*ParseIp("2001:db8::1")));
}

TEST(CidrTest, RejectsMalformedRanges) {
  for (const char* bad :
       {"", "10.0.0.0/33", "::/129", "10.0.0.0/", "10.0.0/8", "10.0.0.0/-1", "10.0.0.0/8x",
        "example.com/8", "10.0.0.1/8", "fe80::1/10", "1.2.3.4/0008"}) {
    EXPECT_FALSE(ParseCidr(bad).has_value()) << bad;
  }
  auto host_bits = ParseCidr("10.0.0.1/8");
  EXPECT_NE(host_bits.error().message.find("10.0.0.0/8"), std::string::npos)
      << host_bits.error().message;
}

TEST(CidrTest, ParsesCommaLists) {
  auto list = ParseCidrList("127.0.0.0/8, ::1/128,,10.1.0.0/16 ");
  ASSERT_TRUE(list.has_value());
  ASSERT_EQ(list->size(), 3u);
  EXPECT_EQ((*list)[1].ToString(), "::1/128");
  EXPECT_TRUE(ParseCidrList("")->empty());
  EXPECT_FALSE(ParseCidrList("127.0.0.0/8,bogus").has_value());
}

TEST(AddressPolicyTest, RefusesInternalRangesByDefault) {
  AddressPolicy policy;
  for (const char* denied : {"127.0.0.1",
                             "127.8.9.10",
                             "0.0.0.0",
                             "10.1.2.3",
                             "172.16.0.1",
                             "172.31.255.255",
                             "192.168.1.1",
                             "169.254.169.254",
                             "100.64.0.1",
                             "100.127.255.255",
                             "224.0.0.1",
                             "239.255.255.250",
                             "255.255.255.255",
                             "::",
                             "::1",
                             "fe80::1",
                             "fc00::1",
                             "fd12:3456::1",
                             "ff02::1",
                             "::ffff:127.0.0.1",
                             "::ffff:10.0.0.1",
                             "::ffff:169.254.169.254"}) {
    EXPECT_FALSE(policy.AllowsText(denied)) << denied;
  }
  for (const char* allowed : {"8.8.8.8", "1.1.1.1", "172.32.0.1", "100.128.0.1", "192.0.2.1",
                              "2001:4860:4860::8888", "::ffff:8.8.8.8", "2606:4700::1111"}) {
    EXPECT_TRUE(policy.AllowsText(allowed)) << allowed;
  }
  EXPECT_FALSE(policy.AllowsText("not an address"));
}

TEST(AddressPolicyTest, AllowListOverridesTheDefaultDenySet) {
  AddressPolicy policy(*ParseCidrList("127.0.0.0/8,fd00::/8"));
  EXPECT_TRUE(policy.AllowsText("127.0.0.1"));
  EXPECT_TRUE(policy.AllowsText("::ffff:127.0.0.1"));  // v4-mapped judged as IPv4
  EXPECT_TRUE(policy.AllowsText("fd00::5"));
  EXPECT_FALSE(policy.AllowsText("::1"));
  EXPECT_FALSE(policy.AllowsText("10.0.0.1"));
  EXPECT_FALSE(policy.AllowsText("fc00::1"));
  EXPECT_TRUE(policy.AllowsText("8.8.8.8"));
}

TEST(AddressPolicyTest, JudgesSocketAddresses) {
  AddressPolicy policy(*ParseCidrList("192.168.5.0/24"));
  sockaddr_in v4{};
  v4.sin_family = AF_INET;
  inet_pton(AF_INET, "127.0.0.1", &v4.sin_addr);
  EXPECT_FALSE(policy.AllowsSockaddr(reinterpret_cast<sockaddr*>(&v4)));
  inet_pton(AF_INET, "192.168.5.9", &v4.sin_addr);
  EXPECT_TRUE(policy.AllowsSockaddr(reinterpret_cast<sockaddr*>(&v4)));

  sockaddr_in6 v6{};
  v6.sin6_family = AF_INET6;
  inet_pton(AF_INET6, "::ffff:192.168.5.10", &v6.sin6_addr);
  EXPECT_TRUE(policy.AllowsSockaddr(reinterpret_cast<sockaddr*>(&v6)));
  inet_pton(AF_INET6, "::ffff:192.168.6.10", &v6.sin6_addr);
  EXPECT_FALSE(policy.AllowsSockaddr(reinterpret_cast<sockaddr*>(&v6)));
  inet_pton(AF_INET6, "2001:db8::1", &v6.sin6_addr);
  EXPECT_TRUE(policy.AllowsSockaddr(reinterpret_cast<sockaddr*>(&v6)));

  sockaddr unix_addr{};
  unix_addr.sa_family = AF_UNIX;
  EXPECT_FALSE(policy.AllowsSockaddr(&unix_addr));
  EXPECT_FALSE(policy.AllowsSockaddr(nullptr));
}

}  // namespace
}  // namespace statehouse::webhooks
