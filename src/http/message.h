#pragma once

// Transport-neutral HTTP request/response values. Nothing here includes Beast;
// handlers and services only ever see these types.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace statehouse::http {

struct Request {
  std::string method;        // upper case, e.g. "GET"
  std::string path;          // raw (still percent-encoded) path, no query
  std::string query_string;  // raw text after '?', may be empty
  // Header names are lower-cased by the transport.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;          // already gzip-inflated when Content-Encoding was gzip
  // Decoded path parameters of the matched route template, in template order.
  std::vector<std::pair<std::string, std::string>> path_params;
  std::string route;         // matched route template, e.g. "/api/stacks/{org}/{project}"
  std::string request_id;
  std::string remote_address;  // peer IP address (no port), e.g. "127.0.0.1"

  // First header with this lower-case name.
  std::optional<std::string_view> Header(std::string_view lower_name) const;
  // Value of the cookie `name` in the first Cookie header ("a=1; b=2"), as
  // sent (no decoding); nullopt when absent.
  std::optional<std::string_view> Cookie(std::string_view name) const;
  // Path parameter by template name; empty view if absent.
  std::string_view Param(std::string_view name) const;
  // Decoded value of the first query parameter `name` (form encoding: '+' is space).
  std::optional<std::string> Query(std::string_view name) const;
};

struct Response {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;

  // A JSON response with an already-serialized body.
  static Response Json(int status, std::string body) {
    Response r;
    r.status = status;
    r.body = std::move(body);
    return r;
  }
  // 204 with no body and no content type.
  static Response NoContent() {
    Response r;
    r.status = 204;
    r.content_type.clear();
    return r;
  }
};

// Percent-decodes `in` (no '+' handling). Returns nullopt on a malformed escape.
std::optional<std::string> PercentDecode(std::string_view in);

}  // namespace statehouse::http
