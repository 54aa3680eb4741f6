#include "storage/postgres/pg_connection.h"

#include <arpa/inet.h>

#include <cstring>
#include <deque>
#include <random>
#include <thread>
#include <vector>

namespace statehouse::storage::pg {
namespace {

// Type oids of the built-in types Rows::Int decodes.
constexpr Oid kBoolOid = 16;
constexpr Oid kInt8Oid = 20;
constexpr Oid kInt2Oid = 21;
constexpr Oid kInt4Oid = 23;
constexpr Oid kTextOid = 25;
constexpr Oid kVarcharOid = 1043;

int64_t BigEndian(const char* data, int length) {
  uint64_t value = 0;
  for (int i = 0; i < length; ++i) value = (value << 8) | static_cast<unsigned char>(data[i]);
  // Sign-extend values narrower than 64 bits.
  if (length < 8 && length > 0) {
    const int shift = 64 - 8 * length;
    return static_cast<int64_t>(value << shift) >> shift;
  }
  return static_cast<int64_t>(value);
}

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

void IgnoreNotice(void*, const char*) {}

// libpq's arrays for `params`: texts as they are (NUL-terminated), integers
// as decimal text, booleans "t"/"f", bytes binary. Valid while `params` and
// this object live.
struct LibpqParams {
  explicit LibpqParams(const Params& params) {
    for (const Params::Value& value : params.values()) {
      const bool binary = value.type == Params::Type::kBytes;
      switch (value.type) {
        case Params::Type::kNull:
          values.push_back(nullptr);
          break;
        case Params::Type::kText:
          values.push_back(value.bytes.data());
          break;
        case Params::Type::kBytes:
          values.push_back(value.bytes.data() != nullptr ? value.bytes.data() : "");
          break;
        case Params::Type::kInt:
          values.push_back(numbers.emplace_back(std::to_string(value.number)).c_str());
          break;
        case Params::Type::kBool:
          values.push_back(value.number != 0 ? "t" : "f");
          break;
      }
      lengths.push_back(binary ? static_cast<int>(value.bytes.size()) : 0);
      formats.push_back(binary ? 1 : 0);
    }
  }
  int size() const { return static_cast<int>(values.size()); }

  std::vector<const char*> values;
  std::vector<int> lengths, formats;
  std::deque<std::string> numbers;
};

}  // namespace

int64_t Rows::Int(int col) const {
  if (IsNull(col)) return 0;
  const char* data = PQgetvalue(res_.get(), row_, col);
  const int length = PQgetlength(res_.get(), row_, col);
  switch (PQftype(res_.get(), col)) {
    case kBoolOid:
      return length > 0 && data[0] != 0 ? 1 : 0;
    case kInt2Oid:
    case kInt4Oid:
    case kInt8Oid:
      return BigEndian(data, length);
    case kTextOid:
    case kVarcharOid:
      return std::strtoll(std::string(data, static_cast<size_t>(length)).c_str(), nullptr, 10);
    default:
      return length <= 8 ? BigEndian(data, length) : 0;
  }
}

// ---------------------------------------------------------------------------
// Connection

Result<std::unique_ptr<Connection>> Connection::Open(const std::string& conninfo,
                                                     int lock_timeout_ms) {
  const std::string connect_timeout = std::to_string(std::max(2, lock_timeout_ms / 1000));
  const char* keywords[] = {"connect_timeout", "fallback_application_name", "dbname", nullptr};
  const char* values[] = {connect_timeout.c_str(), "statehouse", conninfo.c_str(), nullptr};
  PGconn* raw = PQconnectdbParams(keywords, values, /*expand_dbname=*/1);
  if (raw == nullptr) return Fail(Error::Internal("postgres: out of memory opening a connection"));
  std::unique_ptr<Connection> conn(new Connection(raw, lock_timeout_ms));
  if (PQstatus(raw) != CONNECTION_OK) {
    std::string message = PQerrorMessage(raw);
    while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
    return Fail(Error{ErrorCode::kUnavailable, kStorageUnavailableMessage,
                      fmt::format("postgres connect: {}", message)});
  }
  SH_TRY(conn->Configure());
  return conn;
}

Connection::~Connection() { PQfinish(conn_); }

Result<void> Connection::Configure() {
  PQsetNoticeProcessor(conn_, &IgnoreNotice, nullptr);
  const std::string settings =
      // Named statements are short OLTP queries over indexes: plan each once
      // per connection (the access query joins eight tables, and planning it
      // costs several times its execution).
      fmt::format("SET lock_timeout = {}; SET TIME ZONE 'UTC'; SET plan_cache_mode = force_generic_plan",
                  lock_timeout_ms_);
  PGresult* res = PQexec(conn_, settings.c_str());
  SH_TRY(Check(res, "configure"));
  return {};
}

Result<void> Connection::Reset() {
  PQreset(conn_);
  cache_.clear();
  broken_ = false;
  retryable_ = false;
  if (PQstatus(conn_) != CONNECTION_OK) {
    broken_ = true;
    std::string message = PQerrorMessage(conn_);
    while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
    return Fail(Error{ErrorCode::kUnavailable, kStorageUnavailableMessage,
                      fmt::format("postgres reconnect: {}", message)});
  }
  return Configure();
}

Error Connection::Failure(const PGresult* res, std::string_view sql) {
  const char* state = res != nullptr ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
  const std::string_view sqlstate = state != nullptr ? state : "";
  std::string message = res != nullptr ? PQresultErrorMessage(res) : "";
  if (message.empty()) message = PQerrorMessage(conn_);
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
  std::string detail = fmt::format("postgres [{:.160}]: {} (SQLSTATE {})", sql, message,
                                   sqlstate.empty() ? "none" : sqlstate);
  if (PQstatus(conn_) == CONNECTION_BAD || StartsWith(sqlstate, "08") || sqlstate == "57P01" ||
      sqlstate == "57P02" || sqlstate == "57P03") {
    broken_ = true;
    return Error{ErrorCode::kUnavailable, kStorageUnavailableMessage, std::move(detail)};
  }
  if (sqlstate == "23505") return Error{ErrorCode::kAlreadyExists, "already exists", std::move(detail)};
  if (sqlstate == "40001" || sqlstate == "40P01") {
    retryable_ = true;
    return Error{ErrorCode::kUnavailable, kStorageBusyMessage, std::move(detail)};
  }
  if (sqlstate == "55P03" || sqlstate == "57014" || StartsWith(sqlstate, "53")) {
    return Error{ErrorCode::kUnavailable, kStorageBusyMessage, std::move(detail)};
  }
  return Error::Internal(std::move(detail));
}

Result<Rows> Connection::Check(PGresult* res, std::string_view sql) {
  Rows rows(res);
  const ExecStatusType status = res != nullptr ? PQresultStatus(res) : PGRES_FATAL_ERROR;
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK || status == PGRES_EMPTY_QUERY) {
    return rows;
  }
  return Fail(Failure(res, sql));
}

Result<const std::string*> Connection::Prepare(const char* sql) {
  auto it = cache_.find(sql);
  if (it == cache_.end()) {
    std::string name = fmt::format("sh{}", next_statement_++);
    SH_TRY(Check(PQprepare(conn_, name.c_str(), sql, 0, nullptr), sql));
    it = cache_.emplace(sql, std::move(name)).first;
  }
  return &it->second;
}

Result<Rows> Connection::Exec(const char* sql, const Params& params) {
  SH_ASSIGN_OR_RETURN(const std::string* name, Prepare(sql));
  const LibpqParams p(params);
  return Check(PQexecPrepared(conn_, name->c_str(), p.size(), p.values.data(), p.lengths.data(),
                              p.formats.data(), /*resultFormat=*/1),
               sql);
}

Result<Rows> Connection::ExecDynamic(const std::string& sql, const Params& params) {
  const LibpqParams p(params);
  return Check(PQexecParams(conn_, sql.c_str(), p.size(), nullptr, p.values.data(),
                            p.lengths.data(), p.formats.data(), /*resultFormat=*/1),
               sql);
}

Result<void> Connection::ExecScript(const char* sql) {
  SH_TRY(Check(PQexec(conn_, sql), sql));
  return {};
}

void BackoffBeforeRetry(int attempt) {
  thread_local std::mt19937 rng(std::random_device{}());
  std::uniform_int_distribution<int> ms(1, 5 * attempt);
  std::this_thread::sleep_for(std::chrono::milliseconds(ms(rng)));
}

}  // namespace statehouse::storage::pg
