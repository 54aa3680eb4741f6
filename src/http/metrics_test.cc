#include "http/metrics.h"

#include <gtest/gtest.h>

#include <string>

namespace statehouse::http {
namespace {

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

TEST(MetricsTest, CountsRequestsByMethodRouteStatus) {
  Metrics metrics;
  metrics.ObserveRequest("GET", "/api/user", 200, 10, 100);
  metrics.ObserveRequest("GET", "/api/user", 200, 15, 100);
  metrics.ObserveRequest("POST", "/api/stacks/{org}/{project}", 409, 40, 100);
  std::string text = metrics.RenderPrometheus();
  EXPECT_TRUE(Contains(text, "# TYPE statehouse_http_requests_total counter\n"));
  EXPECT_TRUE(Contains(text, "# HELP statehouse_http_requests_total "));
  EXPECT_TRUE(Contains(
      text,
      "statehouse_http_requests_total{method=\"GET\",route=\"/api/user\",status=\"200\"} 2\n"));
  EXPECT_TRUE(Contains(text,
                       "statehouse_http_requests_total{method=\"POST\",route=\"/api/stacks/"
                       "{org}/{project}\",status=\"409\"} 1\n"));
  EXPECT_TRUE(Contains(text, "# TYPE statehouse_http_response_bytes_total counter\n"));
  EXPECT_TRUE(Contains(text, "statehouse_http_response_bytes_total{route=\"/api/user\"} 25\n"));
}

TEST(MetricsTest, HistogramIsCumulative) {
  Metrics metrics;
  metrics.ObserveRequest("GET", "/a", 200, 0, 300);       // 0.0003 s
  metrics.ObserveRequest("GET", "/a", 200, 0, 2000);      // 0.002 s
  metrics.ObserveRequest("GET", "/a", 200, 0, 60000000);  // 60 s
  std::string text = metrics.RenderPrometheus();
  EXPECT_TRUE(Contains(text, "# TYPE statehouse_http_request_duration_seconds histogram\n"));
  EXPECT_TRUE(Contains(text, "statehouse_http_request_duration_seconds_bucket{le=\"0.0005\"} 1\n"));
  EXPECT_TRUE(Contains(text, "statehouse_http_request_duration_seconds_bucket{le=\"0.001\"} 1\n"));
  EXPECT_TRUE(Contains(text, "statehouse_http_request_duration_seconds_bucket{le=\"0.0025\"} 2\n"));
  EXPECT_TRUE(Contains(text, "statehouse_http_request_duration_seconds_bucket{le=\"1\"} 2\n"));
  EXPECT_TRUE(Contains(text, "statehouse_http_request_duration_seconds_bucket{le=\"10\"} 2\n"));
  EXPECT_TRUE(Contains(text, "statehouse_http_request_duration_seconds_bucket{le=\"+Inf\"} 3\n"));
  EXPECT_TRUE(Contains(text, "statehouse_http_request_duration_seconds_count 3\n"));
  const std::string sum_prefix = "statehouse_http_request_duration_seconds_sum ";
  size_t sum_at = text.find(sum_prefix);
  ASSERT_NE(sum_at, std::string::npos);
  EXPECT_NEAR(std::stod(text.substr(sum_at + sum_prefix.size())), 60.0023, 1e-9);
}

TEST(MetricsTest, BucketBoundaryIsInclusive) {
  Metrics metrics;
  metrics.ObserveRequest("GET", "/a", 200, 0, 1000);  // exactly 0.001 s
  std::string text = metrics.RenderPrometheus();
  EXPECT_TRUE(Contains(text, "statehouse_http_request_duration_seconds_bucket{le=\"0.0005\"} 0\n"));
  EXPECT_TRUE(Contains(text, "statehouse_http_request_duration_seconds_bucket{le=\"0.001\"} 1\n"));
}

TEST(MetricsTest, EscapesLabelValues) {
  Metrics metrics;
  metrics.ObserveRequest("GET", "/x\"y\\z\nw", 404, 1, 1);
  std::string text = metrics.RenderPrometheus();
  EXPECT_TRUE(Contains(text, "route=\"/x\\\"y\\\\z\\nw\""));
  EXPECT_FALSE(Contains(text, "z\nw"));
}

TEST(MetricsTest, InFlightGauge) {
  Metrics metrics;
  metrics.RequestStarted();
  metrics.RequestStarted();
  metrics.RequestFinished();
  EXPECT_EQ(metrics.InFlight(), 1);
  std::string text = metrics.RenderPrometheus();
  EXPECT_TRUE(Contains(text, "# TYPE statehouse_http_requests_in_flight gauge\n"));
  EXPECT_TRUE(Contains(text, "statehouse_http_requests_in_flight 1\n"));
}

TEST(MetricsTest, AppendsExternalSources) {
  Metrics metrics;
  int calls = 0;
  metrics.AddExternalSource([&calls] {
    ++calls;
    return std::string("# TYPE pool_open gauge\npool_open 3");
  });
  metrics.AddExternalSource([] { return std::string("other_metric 7\n"); });
  std::string text = metrics.RenderPrometheus();
  EXPECT_EQ(calls, 1);
  size_t own = text.find("statehouse_http_requests_in_flight 0\n");
  size_t external = text.find("# TYPE pool_open gauge\npool_open 3\nother_metric 7\n");
  ASSERT_NE(own, std::string::npos);
  ASSERT_NE(external, std::string::npos);
  EXPECT_LT(own, external);
  EXPECT_EQ(text.back(), '\n');
  metrics.RenderPrometheus();
  EXPECT_EQ(calls, 2);
}

TEST(MetricsTest, EmptyRenderingIsWellFormed) {
  Metrics metrics;
  std::string text = metrics.RenderPrometheus();
  EXPECT_TRUE(Contains(text, "statehouse_http_request_duration_seconds_count 0\n"));
  EXPECT_TRUE(Contains(text, "statehouse_http_request_duration_seconds_bucket{le=\"+Inf\"} 0\n"));
  EXPECT_EQ(text.back(), '\n');
}

}  // namespace
}  // namespace statehouse::http
