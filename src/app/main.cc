#include <cstdio>
#include <cstdlib>

#include <CLI/CLI.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "app/app.h"
#include "app/config.h"

int main(int argc, char** argv) {
  statehouse::app::Config config;
  CLI::App cli{"Statehouse: a self-hosted Pulumi Cloud API server"};
  cli.require_subcommand(1);

  CLI::App* serve = cli.add_subcommand("serve", "Serve the API");
  std::string bootstrap_token;
  std::string master_key_file;
  serve->add_option("--listen", config.listen, "HOST:PORT to listen on")
      ->envname("STATEHOUSE_LISTEN")
      ->capture_default_str();
  serve->add_option("--data-dir", config.data_dir, "Directory for the SQLite file and key file")
      ->envname("STATEHOUSE_DATA_DIR")
      ->capture_default_str();
  serve->add_option("--database", config.database, "postgres://... selects PostgreSQL")
      ->envname("STATEHOUSE_DATABASE");
  serve->add_option("--bootstrap-user", config.bootstrap_user, "Site admin created on an empty database")
      ->envname("STATEHOUSE_BOOTSTRAP_USER")
      ->capture_default_str();
  serve->add_option("--bootstrap-token", bootstrap_token, "Access token for the bootstrap user")
      ->envname("STATEHOUSE_BOOTSTRAP_TOKEN");
  serve->add_option("--master-key-file", master_key_file,
                    "File holding the master key (default DATA_DIR/master.key)");
  serve->add_option("--io-threads", config.io_threads, "HTTP io threads (0 = cores)");
  serve->add_option("--worker-threads", config.worker_threads, "Blocking worker threads (0 = auto)");
  serve->add_option("--max-state-bytes", config.max_state_bytes,
                    "Largest accepted body on routes that carry a deployment (after gzip)")
      ->envname("STATEHOUSE_MAX_STATE_BYTES")
      ->capture_default_str();
  serve->add_option("--max-body-memory-bytes", config.max_body_memory_bytes,
                    "Request bodies held in memory by all requests together (received and "
                    "inflated); a request that finds no room waits briefly, then gets 503 "
                    "(0 = unlimited)")
      ->envname("STATEHOUSE_MAX_BODY_MEMORY_BYTES")
      ->capture_default_str();
  serve->add_option("--log-level", config.log_level, "trace|debug|info|warn|error|off")
      ->envname("STATEHOUSE_LOG_LEVEL")
      ->capture_default_str();
  serve->add_option("--public-url", config.public_url,
                    "Base URL of this server as users reach it (links in webhook payloads; "
                    "default http://LISTEN)")
      ->envname("STATEHOUSE_PUBLIC_URL");
  serve->add_option("--webhook-allow-cidr", config.webhook_allow_cidrs,
                    "CIDR[,CIDR...] webhook deliveries may reach although internal ranges are "
                    "refused by default (e.g. 10.0.0.0/8)")
      ->envname("STATEHOUSE_WEBHOOK_ALLOW_CIDRS");
  serve->add_option("--webhook-timeout-seconds", config.webhook_timeout_seconds,
                    "Timeout of one webhook delivery attempt")
      ->envname("STATEHOUSE_WEBHOOK_TIMEOUT_SECONDS")
      ->capture_default_str();
  serve->add_option("--webhook-max-attempts", config.webhook_max_attempts,
                    "Attempts per queued webhook event before it is given up")
      ->envname("STATEHOUSE_WEBHOOK_MAX_ATTEMPTS")
      ->capture_default_str();
  serve->add_option("--webhook-workers", config.webhook_workers,
                    "Webhook deliveries made in parallel")
      ->capture_default_str();
  serve->add_option("--webhook-retry-base-ms", config.webhook_retry_base_ms,
                    "First retry delay bound (tests)")
      ->group("");
  serve->add_option("--rate-limit-per-token", config.rate_limit_per_token,
                    "Requests per minute one access token may make; more get 429 with "
                    "Retry-After (0 = no limit; update-token calls are never limited)")
      ->envname("STATEHOUSE_RATE_LIMIT_PER_TOKEN")
      ->capture_default_str();
  serve->add_option("--rate-limit-per-address", config.rate_limit_per_address,
                    "Requests per minute one client address may make (0 = no limit)")
      ->envname("STATEHOUSE_RATE_LIMIT_PER_ADDRESS")
      ->capture_default_str();
  serve->add_option("--rate-limit-burst", config.rate_limit_burst,
                    "Requests a token or address may make at once (0 = its per-minute limit)")
      ->envname("STATEHOUSE_RATE_LIMIT_BURST")
      ->capture_default_str();
  bool no_access_log = false;
  serve->add_flag("--no-access-log", no_access_log, "Do not log one line per request");
  bool no_journaling = false;
  serve->add_flag("--no-journaling", no_journaling,
                  "Never offer journaling: updates use checkpoints (journalVersion 0)");

  CLI::App* migrate = cli.add_subcommand(
      "migrate", "Apply pending schema migrations to the database, then exit (no serving)");
  migrate->add_option("--data-dir", config.data_dir, "Directory of the SQLite file")
      ->envname("STATEHOUSE_DATA_DIR")
      ->capture_default_str();
  migrate->add_option("--database", config.database, "postgres://... selects PostgreSQL")
      ->envname("STATEHOUSE_DATABASE");

  CLI11_PARSE(cli, argc, argv);

  if (!bootstrap_token.empty()) config.bootstrap_token = bootstrap_token;
  if (!master_key_file.empty()) config.master_key_file = master_key_file;
  if (const char* key = std::getenv("STATEHOUSE_MASTER_KEY"); key && *key) {
    config.master_key_hex = std::string(key);
  }
  config.access_log = !no_access_log;
  config.journaling = !no_journaling;

  auto logger = spdlog::stderr_color_mt("statehouse");
  spdlog::set_default_logger(logger);
  spdlog::set_level(spdlog::level::from_str(config.log_level));
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %^%l%$ %v", spdlog::pattern_time_type::utc);

  if (migrate->parsed()) {
    auto migrated = statehouse::app::Migrate(config);
    if (!migrated) {
      std::fprintf(stderr, "statehouse migrate: %s%s%s\n", migrated.error().message.c_str(),
                   migrated.error().detail.empty() ? "" : ": ", migrated.error().detail.c_str());
      return 1;
    }
    std::fprintf(stderr, "%s\n", migrated->c_str());
    return 0;
  }
  if (serve->parsed()) {
    statehouse::app::App app(std::move(config));
    auto started = app.Start();
    if (!started) {
      std::fprintf(stderr, "statehouse: %s%s%s\n", started.error().message.c_str(),
                   started.error().detail.empty() ? "" : ": ", started.error().detail.c_str());
      return 1;
    }
    app.Run();
  }
  return 0;
}
