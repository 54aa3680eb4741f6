#pragma once

// The web console's bundle (web/dist), embedded at build time: CMake turns
// every file under web/dist into byte arrays of a generated source
// (cmake/embed-console.cmake), so the C++ build never runs Node.

#include <span>
#include <string_view>

namespace statehouse::console {

struct Asset {
  std::string_view path;  // relative to web/dist, e.g. "index.html", "assets/app-1a2b3c4d.js"
  std::string_view body;
};

// Every embedded file, sorted by path.
std::span<const Asset> EmbeddedAssets();

}  // namespace statehouse::console
