#include "storage/engine/engine.h"

#include <fmt/format.h>

namespace statehouse::storage {
namespace {

// The transaction a thread opened with Engine::RunInTransaction.
struct AmbientTransaction {
  const Engine* engine = nullptr;
  void* connection = nullptr;
  std::vector<std::function<void()>> after_commit;
};
thread_local AmbientTransaction* tls_ambient = nullptr;

std::vector<const NamedQuery*>& Registry() {
  static std::vector<const NamedQuery*> queries;
  return queries;
}

}  // namespace

const std::vector<const NamedQuery*>& AllNamedQueries() { return Registry(); }

NamedQueryRegistration::NamedQueryRegistration(const NamedQuery& query) {
  Registry().push_back(&query);
}

void* Engine::AmbientConnection() const {
  return tls_ambient != nullptr && tls_ambient->engine == this ? tls_ambient->connection : nullptr;
}

Result<void> Engine::RunInTransaction(const std::function<Result<void>()>& body) {
  if (AmbientConnection() != nullptr) return body();
  AmbientTransaction ambient;
  ambient.engine = this;
  Result<void> result = RunOutermost([&](void* connection) -> Result<void> {
    ambient.connection = connection;
    struct Restore {
      AmbientTransaction* outer;
      ~Restore() { tls_ambient = outer; }
    } restore{std::exchange(tls_ambient, &ambient)};
    return body();
  });
  if (result) {
    for (auto& fn : ambient.after_commit) fn();
  }
  return result;
}

void Engine::AfterCommit(std::function<void()> fn) {
  if (tls_ambient != nullptr && tls_ambient->engine == this) {
    tls_ambient->after_commit.push_back(std::move(fn));
    return;
  }
  fn();
}

Result<void> Engine::RunJoined(Mode mode, Session& session, const SessionFn& fn,
                               const std::function<Result<void>(const char* sql)>& exec) {
  if (mode != Mode::kWrite) return fn(session);
  SH_TRY(exec(kSavepointSql));
  Result<void> result = fn(session);
  if (!result) {
    (void)exec(kRollbackToSavepointSql);
    (void)exec(kReleaseSavepointSql);
    return result;
  }
  SH_TRY(exec(kReleaseSavepointSql));
  return result;
}

std::string Placeholders(int first, size_t count) {
  std::string out;
  for (size_t i = 0; i < count; ++i) {
    out += fmt::format("{}${}", i == 0 ? "" : ", ", first + static_cast<int>(i));
  }
  return out;
}

}  // namespace statehouse::storage
