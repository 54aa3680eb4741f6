#pragma once

#include <string_view>

// Name rules shared by every area. All are pure functions over bytes; none
// accepts '/', control characters or non-ASCII.
namespace statehouse::names {

// User logins and organization names: [A-Za-z0-9][A-Za-z0-9_.-]{0,38}.
// True when `a` and `b` are equal ignoring the case of ASCII letters, the
// folding the stores use for logins, org names, projects and stack names.
bool EqualsIgnoreCase(std::string_view a, std::string_view b);

bool IsValidLogin(std::string_view name);
inline bool IsValidOrgName(std::string_view name) { return IsValidLogin(name); }

// Organization names the web console's routes use as their first path
// segment ("api", "assets", "cli-login", "user", ...; src/console/), compared
// ignoring ASCII case. Creating an organization (or a user, whose personal
// organization has the login's name) with one of them is refused.
bool IsReservedOrgName(std::string_view name);

// Project and stack names: [A-Za-z0-9_.-]{1,100}, and not "." or "..".
bool IsValidProjectName(std::string_view name);
bool IsValidStackName(std::string_view name);

// Stack tag names: [A-Za-z0-9_.:-]{1,40}.
bool IsValidTagName(std::string_view name);
// Stack tag values: at most 256 bytes.
bool IsValidTagValue(std::string_view value);

// Tags the Pulumi CLI maintains itself; the single-tag endpoints refuse them.
bool IsBuiltInTag(std::string_view name);

}  // namespace statehouse::names
