#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace statehouse::app {

// Immutable server configuration, parsed once at start-up from flags and
// environment variables (see shared contract: flags win over env vars).
struct Config {
  std::string listen = "127.0.0.1:8080";
  std::string data_dir = "./data";
  std::string database;  // "" = SQLite under data_dir; postgres://... selects PostgreSQL
  std::string bootstrap_user = "admin";
  std::optional<std::string> bootstrap_token;
  std::optional<std::string> master_key_file;  // default: data_dir/master.key
  std::optional<std::string> master_key_hex;   // STATEHOUSE_MASTER_KEY
  int io_threads = 0;      // 0 = number of cores
  int worker_threads = 0;  // 0 = 2 × cores (at least 4)
  size_t max_state_bytes = 512ull * 1024 * 1024;
  // Request bodies held in memory by all requests together (received and
  // inflated); 0 = unlimited. Must be 0 or at least max_state_bytes.
  size_t max_body_memory_bytes = 1024ull * 1024 * 1024;
  std::string log_level = "info";
  bool access_log = true;
  // Requests per minute per access token and per client address (0 = off),
  // and the burst each may make at once (0 = the per-minute figure).
  uint32_t rate_limit_per_token = 0;
  uint32_t rate_limit_per_address = 0;
  uint32_t rate_limit_burst = 0;
  // Answer journalVersion 1 to CLIs asking for it (shared/spec/journaling.md §2.5).
  bool journaling = true;

  // Webhooks (src/webhooks/, wired in webhook_wiring.cc).
  std::string public_url;  // "" = "http://" + listen; prefixes links in webhook payloads
  // CIDR ranges deliveries may reach although the default policy refuses
  // them (loopback, private, link-local, ...); items may hold comma lists.
  std::vector<std::string> webhook_allow_cidrs;
  int webhook_timeout_seconds = 10;   // per delivery attempt
  int webhook_max_attempts = 8;       // attempts per queued event, the first included
  int64_t webhook_retry_base_ms = 2000;  // first retry waits up to this (doubling, full jitter)
  int webhook_workers = 4;            // deliveries in parallel
};

}  // namespace statehouse::app
