#pragma once

#include <string_view>

// Route prefixes, one constant each. A route is registered with its full path
// template, written out so that searching a documented path finds it, through
// Path(), which checks at compile time that the template continues its
// prefix. The prefixes fix the parameter names the guard reads: {org},
// {project}, {stack} and {updateID}.
namespace statehouse::api {

// `path_template` itself. Not a constant expression (so not compiled) unless
// `path_template` is `prefix` or `prefix` followed by '/'.
consteval std::string_view Path(std::string_view prefix, std::string_view path_template) {
  if (!path_template.starts_with(prefix) ||
      (path_template.size() > prefix.size() && path_template[prefix.size()] != '/')) {
    throw "route template does not continue its prefix";
  }
  return path_template;
}

inline constexpr std::string_view kUserPath = "/api/user";
inline constexpr std::string_view kAdminPath = "/api/admin";
inline constexpr std::string_view kOrgPath = "/api/orgs/{org}";
inline constexpr std::string_view kProjectPath = "/api/stacks/{org}/{project}";
inline constexpr std::string_view kStackPath =
    Path(kProjectPath, "/api/stacks/{org}/{project}/{stack}");
inline constexpr std::string_view kUpdatePath =
    Path(kStackPath, "/api/stacks/{org}/{project}/{stack}/update/{updateID}");

}  // namespace statehouse::api
