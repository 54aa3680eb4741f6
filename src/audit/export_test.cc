#include "audit/export.h"

#include <gtest/gtest.h>

namespace statehouse::audit {
namespace {

storage::AuditEventRecord Record() {
  storage::AuditEventRecord e;
  e.id = "e1";
  e.org_id = "o-acme";
  e.time = 1618185105;  // 2021-04-11T23:51:45Z
  e.event = "stack-update-started";
  e.description = "Started update \"u-1\" for stack \"p/dev\"";
  e.source_ip = "203.0.113.7";
  e.user_id = "u-alice";
  e.user_login = "alice";
  e.user_name = "Alice Liddell";
  return e;
}

TEST(AuditExportTest, CsvFieldQuotesPerRfc4180) {
  EXPECT_EQ(CsvField("plain"), "plain");
  EXPECT_EQ(CsvField(""), "");
  EXPECT_EQ(CsvField("a,b"), "\"a,b\"");
  EXPECT_EQ(CsvField("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(CsvField("two\nlines"), "\"two\nlines\"");
  EXPECT_EQ(CsvField("cr\rhere"), "\"cr\rhere\"");
  EXPECT_EQ(CsvField(" padded"), "\" padded\"");
  EXPECT_EQ(CsvField("caf\xC3\xA9"), "caf\xC3\xA9");
}

TEST(AuditExportTest, CsvHasTheHeaderThenOneCrlfRowPerEvent) {
  storage::AuditEventRecord first = Record();
  storage::AuditEventRecord second = Record();
  second.time = 1618185000;
  second.event = "member-role-changed";
  second.description = "Changed organization role for \"bob\" to admin";
  second.user_name = "Liddell, Alice";
  second.req_org_admin = true;
  storage::AuditEventRecord unknown = Record();
  unknown.event = "future-kind";
  unknown.user_name = "";
  unknown.user_login = "";
  unknown.auth_failure = true;
  unknown.req_stack_admin = true;
  EXPECT_EQ(
      ToCsv({first, second, unknown}),
      "Timestamp,Name,Login,Event,Description,SourceIP,RequireOrgAdmin,"
      "RequireStackAdmin,AuthenticationFailure\r\n"
      "2021-04-11T23:51:45Z,Alice Liddell,alice,Stack Update Started,"
      "\"Started update \"\"u-1\"\" for stack \"\"p/dev\"\"\",203.0.113.7,false,false,false\r\n"
      "2021-04-11T23:50:00Z,\"Liddell, Alice\",alice,Member Role Changed,"
      "\"Changed organization role for \"\"bob\"\" to admin\",203.0.113.7,true,false,false\r\n"
      "2021-04-11T23:51:45Z,,,future-kind,\"Started update \"\"u-1\"\" for stack "
      "\"\"p/dev\"\"\",203.0.113.7,false,true,true\r\n");
  EXPECT_EQ(ToCsv({}), std::string(kCsvHeader) + "\r\n");
}

TEST(AuditExportTest, CefEscaping) {
  EXPECT_EQ(CefHeaderEscape("a|b\\c=d"), "a\\|b\\\\c=d");
  EXPECT_EQ(CefHeaderEscape("line1\nline2\r"), "line1\\nline2\\r");
  EXPECT_EQ(CefExtensionEscape("a=b\\c|d"), "a\\=b\\\\c|d");
  EXPECT_EQ(CefExtensionEscape("x\ny"), "x\\ny");
  EXPECT_EQ(CefExtensionEscape("ci token"), "ci token");
}

TEST(AuditExportTest, CefTimeIsSyslogStyleUtc) {
  EXPECT_EQ(CefTime(1618185105), "Apr 11 23:51:45");
  EXPECT_EQ(CefTime(1704067200), "Jan 01 00:00:00");  // 2024-01-01
  EXPECT_EQ(CefTime(1703980799), "Dec 30 23:59:59");
}

TEST(AuditExportTest, CefHostDropsThePortAndRejectsOddHeaders) {
  EXPECT_EQ(CefHost("audit.example.com:8080"), "audit.example.com");
  EXPECT_EQ(CefHost("audit.example.com"), "audit.example.com");
  EXPECT_EQ(CefHost("127.0.0.1:41235"), "127.0.0.1");
  EXPECT_EQ(CefHost("[::1]:8080"), "::1");
  EXPECT_EQ(CefHost("[::1]"), "::1");
  EXPECT_EQ(CefHost(""), "statehouse");
  EXPECT_EQ(CefHost("evil host|x"), "statehouse");
  EXPECT_EQ(CefHost("a=b"), "statehouse");
  EXPECT_EQ(CefHost("[unterminated"), "statehouse");
}

TEST(AuditExportTest, CefLineHasTheFixedHeaderAndAlphabeticalExtensions) {
  storage::AuditEventRecord e = Record();
  e.description = "Desc with | pipe and \\ slash";
  e.token_id = "tok=1";
  e.token_name = "ci token";
  e.auth_failure = true;
  e.req_stack_admin = true;
  EXPECT_EQ(ToCef({e}, "audit.example.com"),
            "Apr 11 23:51:45 audit.example.com CEF:0|Pulumi|Pulumi Service|1.0|"
            "Stack Update Started|Desc with \\| pipe and \\\\ slash|0|"
            "authenticationFailure=true dvchost=audit.example.com orgID=o-acme "
            "requireOrgAdmin=false requireStackAdmin=true rt=1618185105000 src=203.0.113.7 "
            "suser=alice tokenID=tok\\=1 tokenName=ci token userID=u-alice\n");
  storage::AuditEventRecord anonymous = Record();
  anonymous.event = "user-login-failed";
  anonymous.description = "Failed login attempt (invalid token)";
  anonymous.user_id = anonymous.user_login = anonymous.user_name = "";
  EXPECT_EQ(ToCef({anonymous}, "statehouse"),
            "Apr 11 23:51:45 statehouse CEF:0|Pulumi|Pulumi Service|1.0|User Login Failed|"
            "Failed login attempt (invalid token)|0|authenticationFailure=false "
            "dvchost=statehouse orgID=o-acme requireOrgAdmin=false requireStackAdmin=false "
            "rt=1618185105000 src=203.0.113.7 suser= tokenID= tokenName= userID=\n");
  EXPECT_EQ(ToCef({}, "h"), "");
}

}  // namespace
}  // namespace statehouse::audit
