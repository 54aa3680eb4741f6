#include "http/metrics.h"

#include <fmt/format.h>

#include <iterator>

namespace statehouse::http {

namespace {

// Escapes a Prometheus label value: backslash, double quote and newline.
std::string EscapeLabel(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '"':
        out += "\\\"";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        out += c;
    }
  }
  return out;
}

}  // namespace

void Metrics::ObserveRequest(std::string_view method, std::string_view route, int status,
                             uint64_t response_bytes, uint64_t micros) {
  const double seconds = static_cast<double>(micros) / 1e6;
  int bucket = kBucketCount;
  for (int i = 0; i < kBucketCount; ++i) {
    if (seconds <= kBucketsSeconds[i]) {
      bucket = i;
      break;
    }
  }
  std::lock_guard lock(mu_);
  Key key{std::string(method), std::string(route), status};
  ++requests_[std::move(key)];
  response_bytes_[std::string(route)] += response_bytes;
  ++buckets_[bucket];
  ++latency_count_;
  latency_sum_seconds_ += seconds;
}

void Metrics::AddExternalSource(std::function<std::string()> source) {
  std::lock_guard lock(mu_);
  external_.push_back(std::move(source));
}

std::string Metrics::RenderPrometheus() const {
  std::string out;
  auto it = std::back_inserter(out);
  std::vector<std::function<std::string()>> external;
  {
    std::lock_guard lock(mu_);
    out +=
        "# HELP statehouse_http_requests_total HTTP requests served, by method, route template "
        "and status.\n"
        "# TYPE statehouse_http_requests_total counter\n";
    for (const auto& [key, count] : requests_) {
      fmt::format_to(
          it, "statehouse_http_requests_total{{method=\"{}\",route=\"{}\",status=\"{}\"}} {}\n",
          EscapeLabel(key.method), EscapeLabel(key.route), key.status, count);
    }

    out +=
        "# HELP statehouse_http_response_bytes_total Response body bytes written, by route "
        "template.\n"
        "# TYPE statehouse_http_response_bytes_total counter\n";
    for (const auto& [route, bytes] : response_bytes_) {
      fmt::format_to(it, "statehouse_http_response_bytes_total{{route=\"{}\"}} {}\n",
                     EscapeLabel(route), bytes);
    }

    out +=
        "# HELP statehouse_http_request_duration_seconds Time from request head to response "
        "written.\n"
        "# TYPE statehouse_http_request_duration_seconds histogram\n";
    uint64_t cumulative = 0;
    for (int i = 0; i < kBucketCount; ++i) {
      cumulative += buckets_[i];
      fmt::format_to(it, "statehouse_http_request_duration_seconds_bucket{{le=\"{}\"}} {}\n",
                     kBucketsSeconds[i], cumulative);
    }
    cumulative += buckets_[kBucketCount];
    fmt::format_to(it, "statehouse_http_request_duration_seconds_bucket{{le=\"+Inf\"}} {}\n",
                   cumulative);
    fmt::format_to(it, "statehouse_http_request_duration_seconds_sum {}\n", latency_sum_seconds_);
    fmt::format_to(it, "statehouse_http_request_duration_seconds_count {}\n", latency_count_);
    external = external_;
  }

  out +=
      "# HELP statehouse_http_requests_in_flight Requests whose handler is running.\n"
      "# TYPE statehouse_http_requests_in_flight gauge\n";
  fmt::format_to(it, "statehouse_http_requests_in_flight {}\n", InFlight());

  for (const auto& source : external) {
    std::string text = source();
    if (text.empty()) continue;
    out += text;
    if (out.back() != '\n') out += '\n';
  }
  return out;
}

}  // namespace statehouse::http
