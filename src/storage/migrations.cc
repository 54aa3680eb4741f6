#include "storage/migrations.h"

#include <fmt/format.h>

#include <array>

namespace statehouse::storage {
namespace sqlite {
extern const char kInitialSchemaSql[];
extern const char kTeamsSchemaSql[];
extern const char kServicesSchemaSql[];
extern const char kUpdatesSchemaSql[];
extern const char kSecretsSchemaSql[];
extern const char kEngineEventsSchemaSql[];
extern const char kAuditSchemaSql[];
extern const char kWebhooksSchemaSql[];
extern const char kChangeAnnouncementsSql[];
extern const char kJournalSchemaSql[];
extern const char kConsoleSessionsSql[];
}  // namespace sqlite
namespace pg {
extern const char kInitialSchemaSql[];
extern const char kTeamsSchemaSql[];
extern const char kServicesSchemaSql[];
extern const char kUpdatesSchemaSql[];
extern const char kSecretsSchemaSql[];
extern const char kEngineEventsSchemaSql[];
extern const char kAuditSchemaSql[];
extern const char kWebhooksSchemaSql[];
extern const char kChangeAnnouncementsSql[];
extern const char kJournalSchemaSql[];
extern const char kConsoleSessionsSql[];
}  // namespace pg
namespace {

constexpr std::array kMigrations = {
    Migration{1, "initial_schema", sqlite::kInitialSchemaSql, pg::kInitialSchemaSql},
    Migration{2, "teams", sqlite::kTeamsSchemaSql, pg::kTeamsSchemaSql},
    Migration{3, "services", sqlite::kServicesSchemaSql, pg::kServicesSchemaSql},
    Migration{4, "updates", sqlite::kUpdatesSchemaSql, pg::kUpdatesSchemaSql},
    Migration{5, "secrets", sqlite::kSecretsSchemaSql, pg::kSecretsSchemaSql},
    Migration{6, "engine_events", sqlite::kEngineEventsSchemaSql, pg::kEngineEventsSchemaSql},
    Migration{7, "audit", sqlite::kAuditSchemaSql, pg::kAuditSchemaSql},
    Migration{8, "webhooks", sqlite::kWebhooksSchemaSql, pg::kWebhooksSchemaSql},
    Migration{9, "change_announcements", sqlite::kChangeAnnouncementsSql,
              pg::kChangeAnnouncementsSql},
    Migration{10, "journal", sqlite::kJournalSchemaSql, pg::kJournalSchemaSql},
    Migration{11, "console_sessions", sqlite::kConsoleSessionsSql, pg::kConsoleSessionsSql},
};

}  // namespace

std::span<const Migration> AllMigrations() { return kMigrations; }

int LatestSchemaVersion() { return kMigrations.back().version; }

Error SchemaVersionError(int64_t version, bool newer, std::string database) {
  return Error{ErrorCode::kInternal,
               newer ? fmt::format("database schema version {} is newer than this binary "
                                   "supports ({})",
                                   version, LatestSchemaVersion())
                     : fmt::format("database schema version {} is older than this binary needs "
                                   "({}); run `statehouse migrate`",
                                   version, LatestSchemaVersion()),
               std::move(database)};
}

}  // namespace statehouse::storage
