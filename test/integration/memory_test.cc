// Memory under hostile input: gzip bombs on every body-carrying route, plus
// bodies that stay under the compression-ratio cap but inflate to 100 MiB, sent
// 50 at a time while legitimate 25 MB gzip checkpoints are saved. The server's
// peak RSS (VmHWM) must stay under its start RSS + the body budget + a margin,
// every hostile request must be refused (413/400/401/404/503, never 2xx or
// 500), and every checkpoint must be saved (retrying on 503 + Retry-After, as
// the CLI does). The heavy version with figures is bench/memory_bench.py.

#include <gtest/gtest.h>
#include <zlib.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <map>
#include <mutex>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "test/integration/harness.h"
#include "test/integration/update_driver.h"

namespace statehouse::testing {
namespace {

constexpr size_t kMiB = size_t{1} << 20;
constexpr size_t kBudget = 256 * kMiB;
// What the server may hold beyond the budget (which covers each body and one
// working copy): the stores' further copies of the 25 MB checkpoints, freed
// memory the allocator keeps, connection buffers. Measured 250-440 MiB on
// SQLite and up to 440 MiB on PostgreSQL, whose client library holds one
// more copy of each state it sends; the margin leaves room for a busy CI.
constexpr size_t kMargin = 640 * kMiB;
// Under AddressSanitizer RSS also holds shadow memory and the quarantine of
// freed blocks, so the bound is checked only in the plain build (the
// statuses and saved checkpoints are checked in both).
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kRssIsMeaningful = false;
#else
constexpr bool kRssIsMeaningful = true;
#endif
constexpr int kConcurrency = 50;

// "VmHWM" or "VmRSS" of `pid` in bytes, 0 if unreadable.
size_t ProcStatusBytes(pid_t pid, std::string_view field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.starts_with(field) && line.size() > field.size() && line[field.size()] == ':') {
      return std::stoull(line.substr(field.size() + 1)) * 1024;
    }
  }
  return 0;
}

// gzip (level 9, the harness's) of `size` bytes that are zero but for one
// pseudo-random byte every 400: ~120:1, under the server's 200:1 cap.
std::string GzipUnderRatioCap(size_t size) {
  std::string data(size, '\0');
  uint32_t x = 7;
  for (size_t i = 0; i < size; i += 400) {
    x = x * 1103515245 + 12345;
    data[i] = static_cast<char>(1 + (x >> 24) % 255);
  }
  return Gzip(data);
}

struct BodyRoute {
  std::string method;
  std::string path;  // template with parameters filled in
  size_t max_body_bytes = 0;
};

// The body-carrying routes, from the server's debug log of its route table.
std::vector<BodyRoute> BodyRoutes(const std::string& log) {
  std::vector<BodyRoute> routes;
  std::regex line(R"(route (POST|PUT|PATCH) (\S+) max_body_bytes=(\d+))");
  std::regex param(R"(\{[^}*]+\})");
  std::regex tail(R"(\{[^}]+\*\})");
  for (auto it = std::sregex_iterator(log.begin(), log.end(), line); it != std::sregex_iterator();
       ++it) {
    std::string path = std::regex_replace((*it)[2].str(), tail, "t1/t2");
    path = std::regex_replace(path, param, "x1");
    routes.push_back({(*it)[1].str(), path, std::stoull((*it)[3].str())});
  }
  return routes;
}

class MemoryTest : public ::testing::Test {};

TEST_F(MemoryTest, BombsOnEveryBodyRouteStayWithinTheBudgetWhileCheckpointsSucceed) {
  ServerConfig config;
  config.extra_args = {"--max-body-memory-bytes", std::to_string(kBudget), "--max-state-bytes",
                       std::to_string(kBudget), "--log-level", "debug", "--no-access-log"};
  ServerProcess server(config);
  ASSERT_TRUE(server.Start());
  const std::vector<BodyRoute> routes = BodyRoutes(server.Log());
  ASSERT_GE(routes.size(), 20u) << server.Log().substr(0, 4000);
  size_t state_routes = 0;
  for (const BodyRoute& route : routes) state_routes += route.max_body_bytes >= kBudget;
  ASSERT_GE(state_routes, 5u);

  HttpClient admin(server, server.bootstrap_token());
  const std::string org = "admin";
  const std::string project = "memproj";
  const int kCheckpoints = 3;
  std::vector<std::string> stacks;
  std::vector<ReplayUpdate> updates;
  for (int i = 0; i < kCheckpoints; ++i) {
    std::string stack = "mem" + std::to_string(i);
    ASSERT_EQ(CreateStack(admin, org, project, stack).status, 200);
    ReplayDriver driver(admin, server, StackPath(org, project, stack));
    updates.push_back(driver.Begin("update", false));
    ASSERT_FALSE(updates.back().token.empty());
    stacks.push_back(stack);
  }
  // ~25 MB, ~58,000 resources each, gzipped as the CLI sends them.
  std::vector<std::string> checkpoint_bodies;
  for (const std::string& stack : stacks) {
    const std::string state = ReplayDeployment(org, project, stack, 58000);
    ASSERT_GT(state.size(), 24'000'000u);
    checkpoint_bodies.push_back(
        Gzip(R"({"version":3,"untypedDeployment":)" + state + R"(,"sequenceNumber":1})"));
  }
  const std::string bomb = GzipZeros(512 * kMiB);
  const std::string evading = GzipUnderRatioCap(100 * kMiB);
  ASSERT_LT(bomb.size(), kMiB);
  ASSERT_GT(100 * kMiB / evading.size(), 100u);
  ASSERT_LT(100 * kMiB / evading.size(), 190u);

  // Every route gets a bomb; the routes that take states also get a body
  // under the ratio cap that inflates to 100 MiB.
  struct Job {
    const BodyRoute* route;
    const std::string* body;
  };
  std::vector<Job> jobs;
  for (int round = 0; round < 2; ++round) {
    for (const BodyRoute& route : routes) {
      jobs.push_back({&route, &bomb});
      if (route.max_body_bytes >= kBudget) jobs.push_back({&route, &evading});
    }
  }

  const size_t rss_start = ProcStatusBytes(server.pid(), "VmRSS");
  ASSERT_GT(rss_start, 0u);
  std::atomic<size_t> next{0};
  std::mutex mu;
  std::map<long, int> hostile_statuses;
  std::vector<std::string> unexpected;
  std::vector<std::thread> threads;
  for (int t = 0; t < kConcurrency; ++t) {
    threads.emplace_back([&] {
      HttpClient client(server, server.bootstrap_token());
      client.set_timeout(std::chrono::seconds(120));
      for (size_t i = next++; i < jobs.size(); i = next++) {
        const Job& job = jobs[i];
        HttpResponse r =
            client.Request(job.route->method, job.route->path, *job.body,
                           {{"Content-Encoding", "gzip"}});
        std::lock_guard lock(mu);
        ++hostile_statuses[r.status];
        const bool refused = r.status == 400 || r.status == 401 || r.status == 403 ||
                             r.status == 404 || r.status == 409 || r.status == 413 ||
                             r.status == 503 || (r.status == 0 && !r.transport_error.empty());
        if (!refused || (r.status != 0 && !IsJsonError(r, r.status))) {
          unexpected.push_back(job.route->method + " " + job.route->path + ": " +
                               std::to_string(r.status) + " " + r.body.substr(0, 200) +
                               r.transport_error);
        }
      }
    });
  }
  std::vector<int> attempts(kCheckpoints, 0);
  std::vector<long> saved(kCheckpoints, 0);
  for (int i = 0; i < kCheckpoints; ++i) {
    threads.emplace_back([&, i] {
      HttpClient lease(server.base_url());
      lease.set_timeout(std::chrono::seconds(120));
      const std::string path = StackPath(org, project, stacks[i]) + "/update/" + updates[i].id +
                               "/checkpointverbatim";
      for (int attempt = 1; attempt <= 30; ++attempt) {
        attempts[i] = attempt;
        HttpResponse r = lease.Request(
            "PATCH", path, checkpoint_bodies[i],
            {{"Authorization", "update-token " + updates[i].token}, {"Content-Encoding", "gzip"}});
        saved[i] = r.status;
        if (r.status == 200 || r.status == 204) return;
        if (r.status == 503) {
          EXPECT_EQ(r.Header("retry-after"), "1") << r;
        } else if (r.status != 0) {
          ADD_FAILURE() << "checkpoint " << i << ": " << r;
          return;
        }
        std::this_thread::sleep_for(std::chrono::seconds(1));
      }
    });
  }
  for (auto& thread : threads) thread.join();

  const size_t peak = ProcStatusBytes(server.pid(), "VmHWM");
  std::ostringstream statuses;
  for (const auto& [status, count] : hostile_statuses) statuses << status << "×" << count << " ";
  std::ostringstream tries;
  for (int a : attempts) tries << a << " ";
  std::printf("[memory] %zu body routes (%zu take states), %zu hostile requests, %d at a time: "
              "%s\n[memory] checkpoints: attempts %s\n"
              "[memory] RSS at start %.1f MiB, peak %.1f MiB (budget %zu MiB + margin %zu MiB)\n",
              routes.size(), state_routes, jobs.size(), kConcurrency, statuses.str().c_str(),
              tries.str().c_str(), rss_start / double(kMiB), peak / double(kMiB),
              kBudget / kMiB, kMargin / kMiB);

  EXPECT_TRUE(unexpected.empty()) << unexpected.size() << " unexpected answers, first: "
                                  << unexpected.front();
  for (int i = 0; i < kCheckpoints; ++i) {
    EXPECT_TRUE(saved[i] == 200 || saved[i] == 204) << "checkpoint " << i << ": " << saved[i];
  }
  if (kRssIsMeaningful) EXPECT_LT(peak, rss_start + kBudget + kMargin);

  // The budget is all given back, and the saved states read back whole.
  HttpResponse metrics = admin.Get("/metrics");
  const std::string peak_prefix = "statehouse_http_body_memory_bytes{kind=\"peak\"} ";
  if (size_t at = metrics.body.find(peak_prefix); at != std::string::npos) {
    std::printf("[memory] body budget peak in use %.1f MiB\n",
                std::stod(metrics.body.substr(at + peak_prefix.size())) / double(kMiB));
  }
  EXPECT_NE(metrics.body.find("statehouse_http_body_memory_bytes{kind=\"in_use\"} 0\n"),
            std::string::npos)
      << metrics.body;
  for (int i = 0; i < kCheckpoints; ++i) {
    ReplayDriver driver(admin, server, StackPath(org, project, stacks[i]));
    HttpResponse completed = driver.Complete(updates[i]);
    EXPECT_TRUE(completed.status == 200 || completed.status == 204) << completed;
    HttpResponse exported = driver.Export();
    ASSERT_EQ(exported.status, 200);
    EXPECT_GT(exported.body.size(), 24'000'000u);
  }
}

}  // namespace
}  // namespace statehouse::testing
