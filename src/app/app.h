#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "app/config.h"
#include "common/error.h"
#include "diy/importer.h"

namespace statehouse::app {

// Wires storage, services, routes and the HTTP server from a Config.
// Start() opens storage, runs migrations and bootstrap, binds the listener
// and prints the login line; Run() serves until SIGTERM/SIGINT and drains.
class App {
 public:
  explicit App(Config config);
  ~App();

  Result<void> Start();
  void Run();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Loads the master key (64 hex digits) from `hex` when given, else from
// `path`, creating that file with mode 0600 and a random key when absent.
// Returns the 32 raw key bytes.
Result<std::string> LoadOrCreateMasterKey(const std::optional<std::string>& hex,
                                          const std::string& path);

// Applies pending migrations to the configured store (PostgreSQL when
// config.database is set, else the SQLite file under config.data_dir) and
// returns a one-line summary with the schema version. Fails, changing
// nothing, on a schema newer than this binary knows.
Result<std::string> Migrate(const Config& config);

// `statehouse import-diy`: opens the configured store (migrating it first)
// and imports a Pulumi DIY backend's stacks as diy::Importer says. Returns the
// summary text (one line per stack, then totals).
Result<std::string> ImportDiy(const Config& config, const diy::ImportOptions& options);

// True for the URLs --database accepts: postgres://... or postgresql://...
bool IsPostgresUrl(std::string_view url);

}  // namespace statehouse::app
