// HTTP request parsing and routing as the server does them (src/http/server.cc
// ServeOne): Beast's request_parser<string_body> with the server's default
// header limit and no body limit while reading the head, then the route's
// limit for the body; the target split at '?', Router::Find over the real
// route templates, then the request's headers and query as handlers see them.
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "check.h"

#include "http/message.h"
#include "http/router.h"
#include "http/server.h"

namespace bhttp = boost::beast::http;
using statehouse::http::Router;

namespace {

constexpr const char* kTemplates[] = {
#include "route_templates.inc"
};
constexpr const char* kMethods[] = {"GET", "POST", "PATCH", "DELETE", "HEAD", "PUT"};

const Router& TheRouter() {
  static const Router router = [] {
    Router r;
    size_t i = 0;
    for (const char* path : kTemplates) {
      // Every template under GET and one more method (so 405 and HEAD→GET
      // fallback are reached); bodies limited like the server's small routes.
      r.Add("GET", path, [](statehouse::http::Request&) { return statehouse::http::Response{}; });
      r.Add(kMethods[1 + i % 5], path,
            [](statehouse::http::Request&) { return statehouse::http::Response{}; },
            statehouse::http::RouteOptions{64 * 1024});
      ++i;
    }
    return r;
  }();
  return router;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const Router& router = TheRouter();
  const statehouse::http::ServerOptions defaults;
  std::string_view input(reinterpret_cast<const char*>(data), size);

  bhttp::request_parser<bhttp::string_body> parser;
  parser.header_limit(static_cast<std::uint32_t>(defaults.max_header_bytes));
  parser.body_limit(boost::none);
  boost::system::error_code ec;
  // As async_read_header does: the whole buffered input offered to put()
  // until the head is complete.
  while (!parser.is_header_done()) {
    if (input.empty()) return 0;
    size_t n = parser.put(boost::asio::buffer(input.data(), input.size()), ec);
    if (ec) return 0;  // need_more with all input offered, or malformed
    input.remove_prefix(n);
  }

  const auto& head = parser.get();
  std::string method(head.method_string());
  std::string_view target = head.target();
  const size_t query_at = target.find('?');
  std::string path(target.substr(0, query_at));
  Router::Match match = router.Find(method, path);
  switch (match.outcome) {
    case Router::Outcome::kFound:
      Check(match.handler != nullptr && match.options != nullptr && !match.route.empty());
      for (const auto& [name, value] : match.params) Check(!name.empty() && !value.empty());
      break;
    case Router::Outcome::kMethodNotAllowed:
      Check(!match.allow.empty());
      return 0;
    default:
      return 0;
  }

  // The body, under the route's limit. As the server does before reading a
  // byte of it: a Content-Length above the limit is answered 413 (Beast
  // checked the length against the limit of the head, none, and would
  // reserve the whole declared length at the first body byte).
  if (!parser.is_done()) {
    if (auto length = parser.content_length(); length && *length > match.options->max_body_bytes) {
      return 0;
    }
    parser.body_limit(match.options->max_body_bytes);
    while (!input.empty() && !parser.is_done()) {
      size_t n = parser.put(boost::asio::buffer(input.data(), input.size()), ec);
      if (ec == bhttp::error::need_more) break;
      if (ec) return 0;
      if (n == 0) break;
      input.remove_prefix(n);
    }
    if (!parser.is_done()) {
      parser.put_eof(ec);
      if (ec) return 0;
    }
  }

  statehouse::http::Request request;
  request.method = method;
  request.path = path;
  request.query_string = query_at == std::string_view::npos ? "" : std::string(target.substr(query_at + 1));
  for (const auto& field : parser.get()) {
    request.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  request.body = std::move(parser.get().body());
  Check(request.body.size() <= match.options->max_body_bytes);
  request.path_params = std::move(match.params);
  for (const char* name : {"org", "project", "stack", "updateID", "continuationToken", "maxResults",
                           "page", "pageSize", "force", "type"}) {
    (void)request.Query(name);
    (void)request.Param(name);
  }
  (void)request.Header("content-encoding");
  return 0;
}
