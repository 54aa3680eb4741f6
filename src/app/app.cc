#include "app/app.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <boost/json.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "api/endpoint.h"
#include "api/openapi_document.h"
#include "app/wiring.h"
#include "auth/authorizer.h"
#include "common/clock.h"
#include "crypto/crypto.h"
#include "engine_events/handlers.h"
#include "engine_events/service.h"
#include "events/domain_event.h"
#include "http/metrics.h"
#include "http/router.h"
#include "http/server.h"
#include "identity/handlers.h"
#include "identity/service.h"
#include "orgs/handlers.h"
#include "orgs/service.h"
#include "secrets/handlers.h"
#include "secrets/service.h"
#include "services/handlers.h"
#include "services/service.h"
#include "stacks/handlers.h"
#include "stacks/service.h"
#include "storage/postgres/postgres_store.h"
#include "storage/migrations.h"
#include "storage/sqlite/sqlite_store.h"
#include "teams/handlers.h"
#include "teams/service.h"
#include "tokens/handlers.h"
#include "tokens/service.h"
#include "updates/handlers.h"
#include "updates/service.h"

namespace statehouse::app {

namespace {

namespace bj = boost::json;

Result<std::pair<std::string, uint16_t>> ParseListen(const std::string& listen) {
  std::string host;
  std::string port;
  if (!listen.empty() && listen.front() == '[') {
    size_t close = listen.find(']');
    if (close == std::string::npos || close + 1 >= listen.size() || listen[close + 1] != ':') {
      return Fail(Error::InvalidArgument(fmt::format("invalid --listen '{}'", listen)));
    }
    host = listen.substr(1, close - 1);
    port = listen.substr(close + 2);
  } else {
    size_t colon = listen.rfind(':');
    if (colon == std::string::npos) {
      return Fail(Error::InvalidArgument(fmt::format("invalid --listen '{}': want HOST:PORT", listen)));
    }
    host = listen.substr(0, colon);
    port = listen.substr(colon + 1);
  }
  char* end = nullptr;
  long value = std::strtol(port.c_str(), &end, 10);
  if (host.empty() || port.empty() || *end != '\0' || value < 0 || value > 65535) {
    return Fail(Error::InvalidArgument(fmt::format("invalid --listen '{}': want HOST:PORT", listen)));
  }
  return std::make_pair(host, static_cast<uint16_t>(value));
}

std::string CapabilitiesJson() {
  bj::array caps;
  caps.push_back(bj::object{{"capability", "delta-checkpoint-uploads-v2"},
                            {"version", 2},
                            {"configuration", bj::object{{"checkpointCutoffSizeBytes", 1048576}}}});
  caps.push_back(bj::object{
      {"capability", "api-version"},
      {"version", 1},
      {"configuration", bj::object{{"minVersion", 1}, {"maxVersion", 9}, {"defaultVersion", 9}}}});
  caps.push_back(bj::object{{"capability", "deployment-schema-version"},
                            {"version", 1},
                            {"configuration", bj::object{{"version", 4}}}});
  caps.push_back(bj::object{{"capability", "batch-encrypt"}});
  return bj::serialize(bj::object{{"capabilities", std::move(caps)}});
}

bool IsHex(std::string_view s) {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) return false;
  }
  return true;
}

std::string HexToBytes(std::string_view hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  }
  return out;
}

}  // namespace

bool IsPostgresUrl(std::string_view url) {
  return url.starts_with("postgres://") || url.starts_with("postgresql://");
}

Result<std::string> Migrate(const Config& config) {
  if (!config.database.empty()) {
    if (!IsPostgresUrl(config.database)) {
      return Fail(Error::InvalidArgument("--database must be a PostgreSQL URL (postgres://...)"));
    }
    storage::PostgresOptions options;
    options.url = config.database;
    options.pool_size = 1;
    SH_ASSIGN_OR_RETURN(int version, storage::MigratePostgres(options));
    return fmt::format("postgres schema at version {}", version);
  }
  std::error_code ec;
  std::filesystem::create_directories(config.data_dir, ec);
  if (ec) {
    return Fail(Error::Internal(
        fmt::format("cannot create data dir {}: {}", config.data_dir, ec.message())));
  }
  storage::SqliteOptions options;
  options.path = config.data_dir + "/statehouse.db";
  options.pool_size = 1;
  SH_ASSIGN_OR_RETURN(auto store, storage::OpenSqliteStore(options));
  return fmt::format("sqlite schema at version {} ({})", storage::LatestSchemaVersion(),
                     options.path);
}

Result<std::string> LoadOrCreateMasterKey(const std::optional<std::string>& hex,
                                          const std::string& path) {
  auto decode = [](std::string text, std::string_view source) -> Result<std::string> {
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
    if (text.size() != 64 || !IsHex(text)) {
      return Fail(Error::InvalidArgument(
          fmt::format("master key from {} must be 64 hex digits", source)));
    }
    return HexToBytes(text);
  };
  if (hex) return decode(*hex, "STATEHOUSE_MASTER_KEY");
  if (std::filesystem::exists(path)) {
    std::ifstream in(path);
    std::stringstream buffer;
    buffer << in.rdbuf();
    return decode(buffer.str(), path);
  }
  crypto::OpenSslRandom random;
  std::string key_hex = random.Hex(32);
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
  if (fd < 0) {
    return Fail(Error::Internal(fmt::format("cannot create master key file {}: {}", path,
                                            std::strerror(errno))));
  }
  std::string contents = key_hex + "\n";
  bool ok = ::write(fd, contents.data(), contents.size()) == static_cast<ssize_t>(contents.size());
  ok = ::fsync(fd) == 0 && ok;
  ::close(fd);
  if (!ok) return Fail(Error::Internal(fmt::format("cannot write master key file {}", path)));
  return HexToBytes(key_hex);
}

struct App::Impl {
  Config config;
  SystemClock clock;
  crypto::OpenSslRandom random;
  events::EventBus events;
  storage::StorePtr store;
  std::unique_ptr<auth::Authorizer> authorizer;
  std::unique_ptr<orgs::OrgService> orgs;
  std::unique_ptr<teams::TeamService> teams;
  std::unique_ptr<identity::IdentityService> identity;
  std::unique_ptr<tokens::TokenService> tokens;
  std::unique_ptr<stacks::StackService> stacks;
  std::unique_ptr<services::ServiceCatalog> services;
  std::unique_ptr<updates::UpdateService> updates;
  std::unique_ptr<secrets::SecretsService> secrets;
  std::unique_ptr<engine_events::EngineEventService> engine_events;
  std::string master_key;
  http::Router router;
  http::Metrics metrics;
  std::unique_ptr<http::Server> server;
  std::unique_ptr<WiringContext> wiring;
  std::vector<std::unique_ptr<Component>> components;  // stopped in reverse order
  bool components_stopped = false;

  // Stops every component, newest first, once.
  void StopComponents() {
    if (components_stopped) return;
    components_stopped = true;
    for (auto it = components.rbegin(); it != components.rend(); ++it) (*it)->Stop();
  }

  void RegisterSystemRoutes() {
    router.Add("GET", "/healthz", [](http::Request&) {
      return http::Response::Json(200, R"({"status":"ok"})");
    });
    router.Add("GET", "/metrics", [this](http::Request&) {
      http::Response response;
      response.content_type = "text/plain; version=0.0.4";
      response.body = metrics.RenderPrometheus();
      return response;
    });
    api::AddRoute(router, *authorizer, "GET", "/api/capabilities", auth::Need::kUser,
                  [caps = CapabilitiesJson()](const http::Request&, const auth::Access&)
                      -> Result<http::Response> { return api::JsonOk(caps); });
  }

  // GET /api/openapi/pulumi-spec.json (what `pulumi cloud api` fetches):
  // public, generated from the route table once every other /api/ route is
  // registered, so it lists exactly what this server answers (itself too).
  void RegisterOpenApiRoute() {
    auto document = std::make_shared<std::string>();
    router.Add("GET", "/api/openapi/pulumi-spec.json", [document](http::Request&) {
      return http::Response::Json(200, *document);
    });
    std::vector<std::pair<std::string, std::string>> routes;
    router.ForEachRoute([&](std::string_view method, std::string_view path,
                            const http::RouteOptions&) { routes.emplace_back(method, path); });
    *document = api::OpenApiDocument(routes);
  }
};

App::App(Config config) : impl_(std::make_unique<Impl>()) { impl_->config = std::move(config); }
App::~App() = default;

Result<void> App::Start() {
  Impl& s = *impl_;
  const Config& c = s.config;
  SH_ASSIGN_OR_RETURN(auto listen, ParseListen(c.listen));

  std::error_code ec;
  std::filesystem::create_directories(c.data_dir, ec);
  if (ec) {
    return Fail(Error::Internal(fmt::format("cannot create data dir {}: {}", c.data_dir, ec.message())));
  }
  if (c.max_body_memory_bytes != 0 && c.max_body_memory_bytes < c.max_state_bytes) {
    return Fail(Error::InvalidArgument(fmt::format(
        "--max-body-memory-bytes ({}) must be 0 (unlimited) or at least --max-state-bytes ({}): "
        "a state of the largest accepted size could never be held",
        c.max_body_memory_bytes, c.max_state_bytes)));
  }
  if (!c.database.empty() && !IsPostgresUrl(c.database)) {
    return Fail(Error::InvalidArgument(
        "--database must be a PostgreSQL URL (postgres://... or postgresql://...); omit it to use "
        "the embedded SQLite store"));
  }
  SH_ASSIGN_OR_RETURN(s.master_key,
                      LoadOrCreateMasterKey(c.master_key_hex,
                                            c.master_key_file.value_or(c.data_dir + "/master.key")));

  const int cores = std::max(1u, std::thread::hardware_concurrency());
  const int io_threads = c.io_threads > 0 ? c.io_threads : cores;
  // PostgreSQL workers spend most of a request waiting on the network (and
  // cached access reads wait for one shared round trip), so they get more.
  const int default_workers =
      c.database.empty() ? std::max(4, 2 * cores) : std::max(8, 4 * cores);
  const int workers = c.worker_threads > 0 ? c.worker_threads : default_workers;

  if (c.database.empty()) {
    storage::SqliteOptions sqlite_options;
    sqlite_options.path = c.data_dir + "/statehouse.db";
    sqlite_options.pool_size = workers;
    SH_ASSIGN_OR_RETURN(s.store, storage::OpenSqliteStore(sqlite_options));
  } else {
    // Pending migrations are applied under an advisory lock, so replicas
    // starting together migrate once; a newer schema is refused.
    storage::PostgresOptions pg_options;
    pg_options.url = c.database;
    pg_options.pool_size = workers;
    SH_ASSIGN_OR_RETURN(s.store, storage::OpenPostgresStore(pg_options));
  }

  s.authorizer = std::make_unique<auth::Authorizer>(*s.store, s.clock);
  s.authorizer->SetEventSink(&s.events);
  s.identity = std::make_unique<identity::IdentityService>(*s.store, s.clock, s.random, s.events);
  s.orgs = std::make_unique<orgs::OrgService>(*s.store, s.clock, s.events);
  s.teams = std::make_unique<teams::TeamService>(*s.store, s.clock, s.random, s.events);
  s.tokens = std::make_unique<tokens::TokenService>(*s.store, s.clock, s.random, s.events);
  s.stacks =
      std::make_unique<stacks::StackService>(*s.store, s.clock, s.random, *s.authorizer, s.events);
  s.services = std::make_unique<services::ServiceCatalog>(*s.store, s.clock, s.random,
                                                        *s.authorizer, s.events);
  s.updates = std::make_unique<updates::UpdateService>(*s.store, s.clock, s.random, s.events);
  s.updates->SetJournaling(c.journaling);
  s.secrets = std::make_unique<secrets::SecretsService>(*s.store, s.clock, s.random, s.events,
                                                        s.master_key);

  s.RegisterSystemRoutes();
  identity::RegisterRoutes(s.router, *s.authorizer, *s.identity);
  tokens::RegisterRoutes(s.router, *s.authorizer, *s.tokens);
  stacks::RegisterRoutes(s.router, *s.authorizer, *s.stacks, c.max_state_bytes,
                         [service = s.updates.get()](const storage::StackRecord& stack) {
                           return updates::CurrentOperation(*service, stack);
                         });
  s.engine_events = std::make_unique<engine_events::EngineEventService>(*s.store, s.clock);
  updates::RegisterRoutes(s.router, *s.authorizer, *s.updates, c.max_state_bytes,
                          engine_events::UpdateEventViews(*s.engine_events));
  engine_events::RegisterRoutes(s.router, *s.authorizer, *s.engine_events, c.max_state_bytes);
  orgs::RegisterRoutes(s.router, *s.authorizer, *s.orgs);
  teams::RegisterRoutes(s.router, *s.authorizer, *s.teams);
  services::RegisterRoutes(s.router, *s.authorizer, *s.services);
  secrets::RegisterRoutes(s.router, *s.authorizer, *s.secrets, c.max_state_bytes);

  s.wiring = std::make_unique<WiringContext>(WiringContext{
      c, *s.store, s.clock, s.random, *s.authorizer, s.router, s.events, s.master_key});
  SH_ASSIGN_OR_RETURN(auto audit, WireAudit(*s.wiring));
  s.components.push_back(std::move(audit));
  SH_ASSIGN_OR_RETURN(auto webhooks, WireWebhooks(*s.wiring));
  s.components.push_back(std::move(webhooks));
  s.RegisterOpenApiRoute();
  // After the components subscribed, so that the bootstrap's events reach them.
  auto boot = s.identity->Bootstrap(c.bootstrap_user, c.bootstrap_token);
  if (!boot) {
    s.StopComponents();
    return Fail(std::move(boot).error());
  }
  s.metrics.AddExternalSource([store = s.store.get()] {
    storage::PoolStats stats = store->Stats();
    return fmt::format(
        "# HELP statehouse_db_pool_connections Storage connections in the pool.\n"
        "# TYPE statehouse_db_pool_connections gauge\n"
        "statehouse_db_pool_connections{{engine=\"{0}\"}} {1}\n"
        "# HELP statehouse_db_pool_in_use Storage connections currently checked out.\n"
        "# TYPE statehouse_db_pool_in_use gauge\n"
        "statehouse_db_pool_in_use{{engine=\"{0}\"}} {2}\n"
        "# HELP statehouse_db_pool_waits_total Acquisitions that waited for a free connection.\n"
        "# TYPE statehouse_db_pool_waits_total counter\n"
        "statehouse_db_pool_waits_total{{engine=\"{0}\"}} {3}\n",
        store->Engine(), stats.size, stats.in_use, stats.waits);
  });

  http::ServerOptions options;
  options.host = listen.first;
  options.port = listen.second;
  options.io_threads = io_threads;
  options.worker_threads = workers;
  options.access_log = c.access_log;
  options.max_body_memory_bytes = c.max_body_memory_bytes;
  options.rate_limit_per_token = {c.rate_limit_per_token, c.rate_limit_burst};
  options.rate_limit_per_address = {c.rate_limit_per_address, c.rate_limit_burst};
  s.server = std::make_unique<http::Server>(options, s.router, s.metrics);
  auto listening = s.server->Listen();
  if (!listening) {
    s.StopComponents();
    return Fail(std::move(listening).error());
  }
  const uint16_t port = *listening;

  std::string host = listen.first.find(':') != std::string::npos ? "[" + listen.first + "]" : listen.first;
  std::string url = fmt::format("http://{}:{}", host, port);
  std::fprintf(stderr, "statehouse listening on %s (data in %s, %s store)\n", url.c_str(),
               c.data_dir.c_str(), s.store->Engine());
  if (boot->created) {
    std::fprintf(stderr, "created site admin '%s' with its organization '%s'\n",
                 boot->login.c_str(), boot->login.c_str());
    if (boot->generated_token) {
      std::fprintf(stderr,
                   "\n  pulumi login %s\n  export PULUMI_ACCESS_TOKEN=%s\n\n"
                   "(this token is shown only once)\n",
                   url.c_str(), boot->generated_token->c_str());
    } else {
      std::fprintf(stderr, "\n  pulumi login %s\n  (token: the value of --bootstrap-token)\n\n",
                   url.c_str());
    }
  } else {
    std::fprintf(stderr, "  pulumi login %s\n", url.c_str());
  }
  std::fflush(stderr);
  return {};
}

void App::Run() {
  impl_->server->Run();
  impl_->StopComponents();
  spdlog::info("statehouse stopped");
}

}  // namespace statehouse::app
