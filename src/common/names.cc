#include "common/names.h"

#include <algorithm>
#include <cctype>

#include <array>

namespace statehouse::names {

namespace {

bool IsAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool AllOf(std::string_view s, std::string_view extra) {
  for (char c : s) {
    if (!IsAlnum(c) && extra.find(c) == std::string_view::npos) return false;
  }
  return true;
}

bool IsValidProjectOrStack(std::string_view name) {
  if (name.empty() || name.size() > 100) return false;
  if (name == "." || name == "..") return false;
  return AllOf(name, "_.-");
}

}  // namespace

bool IsReservedOrgName(std::string_view name) {
  // Keep in step with the console's top-level routes (web/src/routes.js).
  static constexpr std::string_view kReserved[] = {
      "api",     "assets",  "cli-login", "user",    "healthz", "metrics", "signin",
      "sign-in", "signout", "sign-out",  "login",   "logout",  "welcome", "console",
      "static",  "site",    "settings",  "account", "new",     "index.html",
      "favicon.ico", "robots.txt"};
  for (std::string_view reserved : kReserved) {
    if (EqualsIgnoreCase(name, reserved)) return true;
  }
  return false;
}

bool IsValidLogin(std::string_view name) {
  if (name.empty() || name.size() > 39) return false;
  if (!IsAlnum(name.front())) return false;
  return AllOf(name, "_.-");
}

bool IsValidProjectName(std::string_view name) { return IsValidProjectOrStack(name); }
bool IsValidStackName(std::string_view name) { return IsValidProjectOrStack(name); }

bool IsValidTagName(std::string_view name) {
  return !name.empty() && name.size() <= 40 && AllOf(name, "_.:-");
}

bool IsValidTagValue(std::string_view value) { return value.size() <= 256; }

bool IsBuiltInTag(std::string_view name) {
  static constexpr std::array<std::string_view, 8> kBuiltIn = {
      "pulumi:project", "pulumi:runtime", "pulumi:description", "pulumi:template",
      "vcs:owner",      "vcs:repo",       "vcs:kind",           "vcs:root"};
  for (auto b : kBuiltIn) {
    if (b == name) return true;
  }
  return false;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](unsigned char x, unsigned char y) {
           return std::tolower(x) == std::tolower(y);
         });
}

}  // namespace statehouse::names
