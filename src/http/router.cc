#include "http/router.h"

#include <optional>
#include <utility>

namespace statehouse::http {

namespace {

enum class SegmentKind { kLiteral = 0, kParam = 1, kTail = 2 };

SegmentKind KindOf(std::string_view segment) {
  if (segment.size() >= 2 && segment.front() == '{' && segment.back() == '}') {
    if (segment.size() >= 3 && segment[segment.size() - 2] == '*') return SegmentKind::kTail;
    return SegmentKind::kParam;
  }
  return SegmentKind::kLiteral;
}

std::string_view ParamName(std::string_view segment) {
  segment.remove_prefix(1);
  segment.remove_suffix(1);
  if (!segment.empty() && segment.back() == '*') segment.remove_suffix(1);
  return segment;
}

// Splits "/a/b" into {"a", "b"}; "/" is one empty segment and a trailing '/'
// yields a trailing empty segment. A path without a leading '/' yields nothing.
std::optional<std::vector<std::string_view>> SplitPath(std::string_view path) {
  if (path.empty() || path.front() != '/') return std::nullopt;
  std::vector<std::string_view> out;
  size_t start = 1;
  while (true) {
    size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) {
      out.push_back(path.substr(start));
      break;
    }
    out.push_back(path.substr(start, slash - start));
    start = slash + 1;
  }
  return out;
}

// Per-position segment kinds of a template, used to rank overlapping matches:
// lexicographically smaller (more literal earlier) wins.
bool MoreSpecific(const std::vector<SegmentKind>& a, const std::vector<SegmentKind>& b) {
  size_t n = std::min(a.size(), b.size());
  for (size_t i = 0; i < n; ++i) {
    if (a[i] != b[i]) return a[i] < b[i];
  }
  return a.size() > b.size();
}

}  // namespace

void Router::Add(std::string_view method, std::string_view path_template, Handler handler,
                 RouteOptions options) {
  Route route;
  route.method = std::string(method);
  route.path_template = std::string(path_template);
  if (auto segments = SplitPath(path_template)) {
    for (size_t i = 0; i < segments->size(); ++i) {
      std::string segment((*segments)[i]);
      if (KindOf(segment) == SegmentKind::kTail && i + 1 != segments->size()) {
        segment = "{" + std::string(ParamName(segment)) + "}";
      }
      route.segments.push_back(std::move(segment));
    }
  }
  route.handler = std::move(handler);
  route.options = options;
  routes_.push_back(std::move(route));
}

void Router::SetFallback(std::string_view route, Handler handler, RouteOptions options) {
  Route fallback;
  fallback.method = "GET";
  fallback.path_template = std::string(route);
  fallback.handler = std::move(handler);
  fallback.options = options;
  fallback_ = std::move(fallback);
}

Router::Match Router::Find(std::string_view method, std::string_view raw_path) const {
  Match result;
  auto raw_segments = SplitPath(raw_path);
  if (!raw_segments) return result;

  std::vector<std::string> decoded;
  decoded.reserve(raw_segments->size());
  for (std::string_view segment : *raw_segments) {
    auto value = PercentDecode(segment);
    if (!value) {
      result.outcome = Outcome::kBadPath;
      return result;
    }
    decoded.push_back(std::move(*value));
  }

  struct Candidate {
    const Route* route = nullptr;
    std::vector<SegmentKind> kinds;
  };
  // Most specific matching template for the requested method, and for GET as
  // the HEAD fallback; `allowed` collects every method whose template matches.
  Candidate best_exact;
  Candidate best_get;
  std::vector<std::string_view> allowed;
  const bool is_head = method == "HEAD";

  for (const Route& route : routes_) {
    if (route.segments.empty()) continue;
    const size_t n = route.segments.size();
    const bool has_tail = KindOf(route.segments.back()) == SegmentKind::kTail;
    if (has_tail ? decoded.size() < n : decoded.size() != n) continue;

    std::vector<SegmentKind> kinds;
    kinds.reserve(n);
    bool matches = true;
    for (size_t i = 0; i < n; ++i) {
      SegmentKind kind = KindOf(route.segments[i]);
      kinds.push_back(kind);
      const bool ok =
          kind == SegmentKind::kLiteral ? route.segments[i] == decoded[i] : !decoded[i].empty();
      if (!ok) {
        matches = false;
        break;
      }
    }
    if (!matches) continue;

    bool seen = false;
    for (std::string_view m : allowed) seen = seen || m == route.method;
    if (!seen) allowed.push_back(route.method);

    Candidate* slot = nullptr;
    if (route.method == method) {
      slot = &best_exact;
    } else if (is_head && route.method == "GET") {
      slot = &best_get;
    }
    if (slot != nullptr && (slot->route == nullptr || MoreSpecific(kinds, slot->kinds))) {
      slot->route = &route;
      slot->kinds = std::move(kinds);
    }
  }

  const Route* chosen = best_exact.route != nullptr ? best_exact.route : best_get.route;
  if (chosen == nullptr) {
    if (allowed.empty()) {
      if (fallback_ && (method == "GET" || is_head)) {
        result.outcome = Outcome::kFound;
        result.handler = &fallback_->handler;
        result.options = &fallback_->options;
        result.route = fallback_->path_template;
      }
      return result;
    }
    bool has_get = false;
    bool has_head = false;
    for (std::string_view m : allowed) {
      has_get = has_get || m == "GET";
      has_head = has_head || m == "HEAD";
    }
    result.outcome = Outcome::kMethodNotAllowed;
    for (std::string_view m : allowed) {
      if (!result.allow.empty()) result.allow += ", ";
      result.allow += m;
      if (m == "GET" && !has_head) result.allow += ", HEAD";
    }
    return result;
  }

  result.outcome = Outcome::kFound;
  result.handler = &chosen->handler;
  result.options = &chosen->options;
  result.route = chosen->path_template;
  const size_t n = chosen->segments.size();
  for (size_t i = 0; i < n; ++i) {
    const std::string& segment = chosen->segments[i];
    SegmentKind kind = KindOf(segment);
    if (kind == SegmentKind::kLiteral) continue;
    std::string value;
    if (kind == SegmentKind::kTail) {
      for (size_t j = i; j < decoded.size(); ++j) {
        if (j > i) value += '/';
        value += decoded[j];
      }
    } else {
      value = std::move(decoded[i]);
    }
    result.params.emplace_back(std::string(ParamName(segment)), std::move(value));
  }
  return result;
}

}  // namespace statehouse::http
