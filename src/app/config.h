#pragma once

#include <optional>
#include <string>

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
  std::string log_level = "info";
  bool access_log = true;
};

}  // namespace statehouse::app
