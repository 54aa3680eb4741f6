#include "common/names.h"

#include <string>

#include <gtest/gtest.h>

namespace statehouse::names {
namespace {

TEST(NamesTest, Logins) {
  EXPECT_TRUE(IsValidLogin("alice"));
  EXPECT_TRUE(IsValidLogin("a"));
  EXPECT_TRUE(IsValidLogin("acme-corp.dev_1"));
  EXPECT_TRUE(IsValidLogin(std::string(39, 'a')));
  EXPECT_FALSE(IsValidLogin(std::string(40, 'a')));
  EXPECT_FALSE(IsValidLogin(""));
  EXPECT_FALSE(IsValidLogin("-bad"));
  EXPECT_FALSE(IsValidLogin("a b"));
  EXPECT_FALSE(IsValidLogin("a/b"));
  EXPECT_FALSE(IsValidLogin("\xc3\xa9t\xc3\xa9"));
}

TEST(NamesTest, ProjectsAndStacks) {
  EXPECT_TRUE(IsValidStackName("dev"));
  EXPECT_TRUE(IsValidStackName("my.stack_name-1"));
  EXPECT_TRUE(IsValidProjectName(std::string(100, 'p')));
  EXPECT_FALSE(IsValidProjectName(std::string(101, 'p')));
  EXPECT_FALSE(IsValidStackName(""));
  EXPECT_FALSE(IsValidStackName("."));
  EXPECT_FALSE(IsValidStackName(".."));
  EXPECT_FALSE(IsValidStackName("a/b"));
  EXPECT_FALSE(IsValidStackName("caf\xc3\xa9"));
  EXPECT_FALSE(IsValidStackName("a b"));
}

TEST(NamesTest, Tags) {
  EXPECT_TRUE(IsValidTagName("pulumi:project"));
  EXPECT_TRUE(IsValidTagName("team.owner-1_x"));
  EXPECT_TRUE(IsValidTagName(std::string(40, 't')));
  EXPECT_FALSE(IsValidTagName(std::string(41, 't')));
  EXPECT_FALSE(IsValidTagName(""));
  EXPECT_FALSE(IsValidTagName("bad name!"));
  EXPECT_TRUE(IsValidTagValue(std::string(256, 'v')));
  EXPECT_FALSE(IsValidTagValue(std::string(257, 'v')));
  EXPECT_TRUE(IsBuiltInTag("vcs:repo"));
  EXPECT_TRUE(IsBuiltInTag("pulumi:runtime"));
  EXPECT_FALSE(IsBuiltInTag("owner"));
}

}  // namespace
TEST(NamesTest, ReservedOrgNamesAreTheConsoleRoutes) {
  for (const char* name : {"api", "assets", "cli-login", "user", "API", "Cli-Login", "healthz"}) {
    EXPECT_TRUE(IsReservedOrgName(name)) << name;
  }
  for (const char* name : {"acme", "admin", "users", "apis", "user1", "alice"}) {
    EXPECT_FALSE(IsReservedOrgName(name)) << name;
  }
}

}  // namespace statehouse::names
