#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/message.h"

namespace statehouse::http {

// A request handler. Runs on a worker thread (never an io thread), may block
// on storage, must not throw (the transport turns an escaped exception into a
// 500 as a last resort).
using Handler = std::function<Response(Request&)>;

struct RouteOptions {
  // Largest accepted request body, after gzip inflation. Larger → 413.
  size_t max_body_bytes = 4 * 1024 * 1024;
};

// Maps (method, path) to a handler over path templates such as
// "/api/stacks/{org}/{project}/{stack}". Literal segments win over parameter
// segments at the same position. A template's last segment may be "{name*}",
// which captures the rest of the path (one or more segments, joined by '/').
// Parameters are percent-decoded after splitting, so "%2F" stays inside one
// parameter value. A parameter (and the first segment of a tail) never matches
// an empty segment, so "//" or a trailing '/' only match templates that spell
// them out. HEAD falls back to the GET route when no HEAD route exists.
//
// Thread-safety: Add() before serving; Find() is const and thread-safe.
class Router {
 public:
  void Add(std::string_view method, std::string_view path_template, Handler handler,
           RouteOptions options = {});

  // Handles every GET or HEAD request whose path (well-formed, starting with
  // '/') matches no template for any method; `route` names it in access logs
  // and metrics. Without a fallback those requests are kNotFound.
  void SetFallback(std::string_view route, Handler handler, RouteOptions options = {});

  enum class Outcome { kFound, kNotFound, kMethodNotAllowed, kBadPath };
  struct Match {
    Outcome outcome = Outcome::kNotFound;
    const Handler* handler = nullptr;
    const RouteOptions* options = nullptr;
    std::string_view route;  // the matched template (valid for the router's lifetime)
    std::vector<std::pair<std::string, std::string>> params;
    std::string allow;  // for kMethodNotAllowed: comma-separated allowed methods
  };
  // `raw_path` is the request path without query, still percent-encoded.
  // kBadPath: a segment has a malformed percent escape.
  Match Find(std::string_view method, std::string_view raw_path) const;

  // Calls f(method, path_template, options) for every route, in the order
  // they were added.
  void ForEachRoute(const std::function<void(std::string_view method, std::string_view path_template,
                                             const RouteOptions& options)>& f) const {
    for (const Route& route : routes_) f(route.method, route.path_template, route.options);
  }

 private:
  struct Route {
    std::string method;
    std::string path_template;
    std::vector<std::string> segments;  // "{x}" marks a parameter, "{x*}" a tail
    Handler handler;
    RouteOptions options;
  };
  std::vector<Route> routes_;
  std::optional<Route> fallback_;
};

}  // namespace statehouse::http
