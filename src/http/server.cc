#include "http/server.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdlib>
#include <exception>
#include <limits>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_set>
#include <utility>
#include <vector>

#include "http/body_budget.h"
#include "http/error_mapping.h"
#include "http/gzip.h"

namespace statehouse::http {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);

// Largest body read (and discarded) to keep a connection alive after an
// error decided from the request head alone (404, 405, 415, ...).
constexpr uint64_t kDiscardBodyLimit = 64 * 1024;
constexpr size_t kFirstReadBytes = 8 * 1024;
constexpr size_t kRetainedBufferBytes = 64 * 1024;
// After an error that leaves request bytes unread, the connection is
// half-closed and drained for at most this long / this many bytes so that the
// client sees the response instead of a TCP reset.
constexpr std::chrono::milliseconds kLingerTimeout{1000};
constexpr size_t kLingerMaxBytes = 4 * 1024 * 1024;
constexpr size_t kMaxResponseHeaderValue = 16 * 1024;
constexpr std::string_view kUnmatchedRoute = "<unmatched>";
// While waiting for room in the body budget on an io thread, look again after
// this long (doubling up to kBudgetPollMax).
constexpr std::chrono::milliseconds kBudgetPollMin{2};
constexpr std::chrono::milliseconds kBudgetPollMax{50};
constexpr std::string_view kBusyMessage =
    "Server busy: too much request data in memory; retry later";

size_t SaturatingAdd(size_t a, size_t b) {
  return a > std::numeric_limits<size_t>::max() - b ? std::numeric_limits<size_t>::max() : a + b;
}

// 503 with Retry-After: the body budget has no room now.
Response BusyResponse() {
  Response response = ErrorResponse(ErrorCode::kUnavailable, std::string(kBusyMessage));
  response.headers.emplace_back("Retry-After", "1");
  return response;
}

// What a request holds while its handler runs: the body and one working copy
// of it (handlers parse a padded copy), at most the whole budget (a request
// that big runs alone).
size_t WithWorkingCopy(size_t body_bytes, size_t capacity) {
  const size_t both = SaturatingAdd(body_bytes, body_bytes);
  return capacity == 0 ? both : std::min(both, capacity);
}

// 413: the body cannot fit in the budget even alone.
Error OverBudget(size_t capacity) {
  return Error::PayloadTooLarge(fmt::format(
      "Request body exceeds the server's memory budget of {} bytes for request bodies",
      capacity));
}

// What happens to the connection once a response has been written.
enum class After { kKeepAlive, kClose, kLingerClose };

std::string ToLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

template <class F>
void ForEachToken(std::string_view list, F&& f) {
  while (!list.empty()) {
    size_t comma = list.find(',');
    f(Trim(list.substr(0, comma)));
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
}

bool IEquals(std::string_view a, std::string_view b) { return ToLower(a) == ToLower(b); }

template <class F>
void ForEachField(const bhttp::fields& fields, bhttp::field name, F&& f) {
  auto [begin, end] = fields.equal_range(name);
  for (auto it = begin; it != end; ++it) f(it->value());
}

std::string NewRequestId() {
  thread_local uint64_t state = [] {
    std::random_device rd;
    return (static_cast<uint64_t>(rd()) << 32) ^ rd() ^
           static_cast<uint64_t>(Clock::now().time_since_epoch().count());
  }();
  state += 0x9e3779b97f4a7c15ULL;
  uint64_t z = state;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  z ^= z >> 31;
  return fmt::format("{:016x}", z);
}

// Whether an Accept-Encoding value admits gzip ("gzip", "x-gzip" or "*",
// unless given q=0).
bool AcceptsGzip(std::string_view accept_encoding) {
  double gzip_q = -1;
  double star_q = -1;
  ForEachToken(accept_encoding, [&](std::string_view token) {
    size_t semi = token.find(';');
    std::string coding = ToLower(Trim(token.substr(0, semi)));
    double q = 1;
    while (semi != std::string_view::npos) {
      token.remove_prefix(semi + 1);
      semi = token.find(';');
      std::string_view param = Trim(token.substr(0, semi));
      if (param.size() >= 2 && (param[0] == 'q' || param[0] == 'Q') && param[1] == '=') {
        std::string value(Trim(param.substr(2)));
        char* end = nullptr;
        q = std::strtod(value.c_str(), &end);
        if (end == value.c_str()) q = 0;
      }
    }
    if (coding == "gzip" || coding == "x-gzip") {
      gzip_q = std::max(gzip_q, q);
    } else if (coding == "*") {
      star_q = std::max(star_q, q);
    }
  });
  return gzip_q >= 0 ? gzip_q > 0 : star_q > 0;
}

enum class BodyEncoding { kIdentity, kGzip, kUnsupported };

BodyEncoding ParseContentEncoding(const bhttp::fields& fields) {
  int gzip = 0;
  bool other = false;
  ForEachField(fields, bhttp::field::content_encoding, [&](std::string_view value) {
    ForEachToken(value, [&](std::string_view token) {
      std::string coding = ToLower(token);
      if (coding.empty() || coding == "identity") return;
      if (coding == "gzip" || coding == "x-gzip") {
        ++gzip;
      } else {
        other = true;
      }
    });
  });
  if (other || gzip > 1) return BodyEncoding::kUnsupported;
  return gzip == 1 ? BodyEncoding::kGzip : BodyEncoding::kIdentity;
}

bool IsTokenChar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool ValidResponseHeader(std::string_view name, std::string_view value) {
  if (name.empty() || !std::all_of(name.begin(), name.end(), IsTokenChar)) return false;
  if (value.size() > kMaxResponseHeaderValue) return false;
  return std::none_of(value.begin(), value.end(),
                      [](char c) { return c == '\r' || c == '\n' || c == '\0'; });
}

bool StatusHasNoBody(int status) { return status < 200 || status == 204 || status == 304; }

// Facts about the request being served that the response needs.
struct Exchange {
  std::string request_id;
  std::string method;  // as sent; empty when the head did not parse
  std::string_view metrics_method = "OTHER";
  std::string_view route = kUnmatchedRoute;
  unsigned version = 11;
  bool head = false;
  bool keep_alive = false;
  bool accept_gzip = false;
  Clock::time_point started = Clock::now();
};

// A response ready for the wire: headers validated, body possibly gzipped.
struct Prepared {
  Response response;
  bool gzipped = false;
};

Prepared Prepare(Response response, const Exchange& exchange, size_t gzip_min_bytes) {
  Prepared out;
  if (response.status < 100 || response.status > 599) {
    spdlog::error("request {}: handler returned invalid status {}", exchange.request_id,
                  response.status);
    response = ErrorResponse(Error::Internal("invalid status"));
  }
  bool handler_encoded = false;
  std::erase_if(response.headers, [&](const auto& header) {
    if (!ValidResponseHeader(header.first, header.second)) return true;
    std::string lower = ToLower(header.first);
    if (lower == "content-length" || lower == "transfer-encoding" || lower == "connection") {
      return true;
    }
    if (lower == "content-encoding") {
      // The Pulumi CLI rejects every coding but gzip.
      if (ToLower(Trim(header.second)) != "gzip") return true;
      handler_encoded = true;
    }
    return false;
  });
  if (StatusHasNoBody(response.status)) response.body.clear();
  if (!handler_encoded && !exchange.head && exchange.accept_gzip &&
      !StatusHasNoBody(response.status) && !response.body.empty() &&
      response.body.size() >= gzip_min_bytes) {
    std::string compressed = GzipDeflate(response.body, 1);
    if (!compressed.empty()) {
      response.body = std::move(compressed);
      out.gzipped = true;
    }
  }
  out.response = std::move(response);
  return out;
}

Response RunHandler(const Handler& handler, Request& request) {
  try {
    return handler(request);
  } catch (const std::exception& e) {
    spdlog::error("request {}: handler threw: {}", request.request_id, e.what());
    return ErrorResponse(Error::Internal(e.what()));
  } catch (...) {
    spdlog::error("request {}: handler threw a non-std exception", request.request_id);
    return ErrorResponse(Error::Internal("unknown exception"));
  }
}

// Runs on the worker pool: inflates a gzip body (capped at `max_body_bytes`
// and options.max_gzip_ratio, its buffer reserved in `reservation` beside the
// compressed bytes it already holds, then the inflated body with a working
// copy, waiting up to options.body_memory_wait for room each time), calls the
// handler and prepares (possibly compresses) its response.
asio::awaitable<Prepared> RunOnWorker(const Handler* handler, Request* request,
                                      const Exchange* exchange, bool gzip_body,
                                      size_t max_body_bytes, const ServerOptions* options,
                                      BodyBudget::Reservation* reservation,
                                      std::atomic<uint64_t>* rejections) {
  const size_t gzip_min_bytes = options->gzip_min_response_bytes;
  if (gzip_body && !request->body.empty()) {
    const size_t compressed_bytes = reservation->bytes();
    const size_t capacity = options->max_body_memory_bytes;
    InflateLimits limits;
    limits.max_output_bytes = max_body_bytes;
    limits.max_ratio = options->max_gzip_ratio;
    limits.ratio_slack_bytes = options->gzip_ratio_slack_bytes;
    limits.reserve = [&](size_t bytes) -> Result<void> {
      const size_t total = SaturatingAdd(compressed_bytes, bytes);
      if (capacity != 0 && total > capacity) {
        return Fail(OverBudget(capacity));
      }
      if (!reservation->ResizeWaiting(total, options->body_memory_wait)) {
        return Fail(Error::Unavailable(std::string(kBusyMessage)));
      }
      return {};
    };
    auto inflated = GzipInflate(request->body, limits);
    if (!inflated) {
      request->body = std::string();
      reservation->Release();
      if (inflated.error().code == ErrorCode::kUnavailable) {
        rejections->fetch_add(1, std::memory_order_relaxed);
        co_return Prepare(BusyResponse(), *exchange, gzip_min_bytes);
      }
      co_return Prepare(ErrorResponse(inflated.error()), *exchange, gzip_min_bytes);
    }
    request->body = std::move(*inflated);
    reservation->Resize(request->body.capacity());
    if (!reservation->ResizeWaiting(WithWorkingCopy(request->body.capacity(), capacity),
                                    options->body_memory_wait)) {
      request->body = std::string();
      reservation->Release();
      rejections->fetch_add(1, std::memory_order_relaxed);
      co_return Prepare(BusyResponse(), *exchange, gzip_min_bytes);
    }
  }
  co_return Prepare(RunHandler(*handler, *request), *exchange, gzip_min_bytes);
}

void LogUncaught(const char* what, std::exception_ptr e) {
  if (!e) return;
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& ex) {
    spdlog::error("http {} failed: {}", what, ex.what());
  } catch (...) {
    spdlog::error("http {} failed with a non-std exception", what);
  }
}

struct Connection {
  explicit Connection(tcp::socket socket) : stream(std::move(socket)) {}
  beast::tcp_stream stream;
  beast::flat_buffer buffer;
  std::string remote_address;  // peer IP address, set once accepted
  // True while no complete request head has arrived (waiting for its first
  // byte or reading the head); such a connection has nothing in flight and is
  // closed at once when draining. Touched only on the connection's strand.
  bool reading_head = false;
};

}  // namespace

struct Server::Impl {
  Impl(ServerOptions opts, const Router& r, Metrics& m)
      : options(std::move(opts)),
        router(r),
        metrics(m),
        budget(std::make_shared<BodyBudget>(options.max_body_memory_bytes)),
        pool(static_cast<size_t>(std::max(1, options.worker_threads))),
        ioc(std::max(1, options.io_threads)),
        acceptor(asio::make_strand(ioc)) {}

  ~Impl() {
    pool.stop();
    pool.join();
    // Connections whose session never ran must die while the io_context lives.
    std::lock_guard lock(mu);
    connections.clear();
  }

  void RequestStop() {
    {
      std::lock_guard lock(mu);
      stop_requested = true;
    }
    cv.notify_all();
  }

  void BeginDrain();
  asio::awaitable<void> AcceptLoop();
  asio::awaitable<void> Session(std::shared_ptr<Connection> conn);
  asio::awaitable<After> ServeOne(Connection& conn, bool first);
  asio::awaitable<After> Respond(Connection& conn, Exchange& exchange, Prepared prepared,
                                 After after);
  asio::awaitable<After> RespondError(Connection& conn, Exchange& exchange, Response response,
                                      After after) {
    return Respond(conn, exchange,
                   Prepare(std::move(response), exchange, options.gzip_min_response_bytes), after);
  }
  asio::awaitable<void> LingerClose(Connection& conn);
  // Grows `reservation` to `bytes`, waiting up to options.body_memory_wait
  // (polling on the io thread, never blocking it) for room in the budget.
  asio::awaitable<bool> Reserve(BodyBudget::Reservation& reservation, size_t bytes);

  const ServerOptions options;
  const Router& router;
  Metrics& metrics;
  // Shared with the metrics source, which may outlive the server.
  std::shared_ptr<BodyBudget> budget;
  std::shared_ptr<std::atomic<uint64_t>> budget_rejections =
      std::make_shared<std::atomic<uint64_t>>(0);
  RateLimiter token_limiter{options.rate_limit_per_token};
  RateLimiter address_limiter{options.rate_limit_per_address};
  // Refusals by token, by address; shared with the metrics source.
  std::shared_ptr<std::array<std::atomic<uint64_t>, 2>> rate_limited =
      std::make_shared<std::array<std::atomic<uint64_t>, 2>>();
  // 429 when `head` is over a rate limit (see ServerOptions), else nullopt.
  std::optional<Response> RateLimited(std::string_view authorization,
                                      const std::string& address);

  std::mutex mu;
  std::condition_variable cv;
  bool stop_requested = false;                                  // guarded by mu
  bool accept_loop_done = false;                                // guarded by mu
  std::unordered_set<std::shared_ptr<Connection>> connections;  // guarded by mu
  std::atomic<bool> draining{false};

  // Declaration order matters for destruction: the io_context (and with it
  // any suspended session frames) goes before the pool and the registry.
  asio::thread_pool pool;
  asio::io_context ioc;
  tcp::acceptor acceptor;
};

void Server::Impl::BeginDrain() {
  draining.store(true);
  asio::post(acceptor.get_executor(), [this] {
    beast::error_code ec;
    acceptor.close(ec);
  });
  std::lock_guard lock(mu);
  for (const auto& conn : connections) {
    asio::post(conn->stream.get_executor(), [conn] {
      // Closing (not just cancelling) also fails a read that a composed
      // header read starts after this handler.
      if (conn->reading_head) conn->stream.close();
    });
  }
}

asio::awaitable<void> Server::Impl::AcceptLoop() {
  while (true) {
    auto [ec, socket] = co_await acceptor.async_accept(asio::make_strand(ioc), kUseTuple);
    if (ec) {
      if (ec == asio::error::operation_aborted || draining.load() || !acceptor.is_open()) {
        co_return;
      }
      spdlog::warn("http accept failed: {}", ec.message());
      asio::steady_timer backoff(acceptor.get_executor(), std::chrono::milliseconds(50));
      co_await backoff.async_wait(kUseTuple);
      continue;
    }
    auto conn = std::make_shared<Connection>(tcp::socket(std::move(socket)));
    {
      std::lock_guard lock(mu);
      if (draining.load()) {
        beast::error_code ignored;
        conn->stream.socket().close(ignored);
        continue;
      }
      connections.insert(conn);
    }
    asio::co_spawn(conn->stream.get_executor(), Session(conn),
                   [](std::exception_ptr e) { LogUncaught("session", e); });
  }
}

asio::awaitable<void> Server::Impl::Session(std::shared_ptr<Connection> conn) {
  struct Unregister {
    Impl* impl;
    std::shared_ptr<Connection> conn;
    ~Unregister() {
      {
        std::lock_guard lock(impl->mu);
        impl->connections.erase(conn);
      }
      impl->cv.notify_all();
    }
  } unregister{this, conn};

  beast::error_code ec;
  conn->stream.socket().set_option(tcp::no_delay(true), ec);
  {
    auto peer = conn->stream.socket().remote_endpoint(ec);
    if (!ec) {
      auto address = peer.address();
      if (address.is_v6() && address.to_v6().is_v4_mapped()) {
        address = boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, address.to_v6());
      }
      conn->remote_address = address.to_string();
    }
    ec = {};
  }

  After after = After::kKeepAlive;
  bool first = true;
  while (after == After::kKeepAlive && !draining.load()) {
    after = co_await ServeOne(*conn, first);
    first = false;
    if (conn->buffer.size() == 0 && conn->buffer.capacity() > kRetainedBufferBytes) {
      conn->buffer.shrink_to_fit();
    }
  }
  if (after == After::kLingerClose) {
    co_await LingerClose(*conn);
    co_return;
  }
  conn->stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  conn->stream.close();
}

asio::awaitable<void> Server::Impl::LingerClose(Connection& conn) {
  beast::error_code ec;
  conn.stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  conn.stream.expires_after(kLingerTimeout);
  std::array<char, 16 * 1024> scratch;
  size_t discarded = 0;
  while (discarded < kLingerMaxBytes) {
    auto [read_ec, n] = co_await conn.stream.async_read_some(asio::buffer(scratch), kUseTuple);
    if (read_ec) break;
    discarded += n;
  }
  conn.stream.close();
}

asio::awaitable<bool> Server::Impl::Reserve(BodyBudget::Reservation& reservation, size_t bytes) {
  if (reservation.Resize(bytes)) co_return true;
  const auto deadline = Clock::now() + options.body_memory_wait;
  asio::steady_timer timer(co_await asio::this_coro::executor);
  auto delay = kBudgetPollMin;
  while (Clock::now() < deadline && !draining.load()) {
    timer.expires_after(std::min<Clock::duration>(delay, deadline - Clock::now()));
    co_await timer.async_wait(kUseTuple);
    if (reservation.Resize(bytes)) co_return true;
    delay = std::min(delay * 2, kBudgetPollMax);
  }
  budget_rejections->fetch_add(1, std::memory_order_relaxed);
  co_return false;
}

asio::awaitable<After> Server::Impl::ServeOne(Connection& conn, bool first) {
  beast::tcp_stream& stream = conn.stream;
  if (draining.load()) co_return After::kClose;
  conn.reading_head = true;
  if (conn.buffer.size() == 0) {
    stream.expires_after(first ? options.header_timeout : options.idle_timeout);
    auto [ec, n] = co_await stream.async_read_some(conn.buffer.prepare(kFirstReadBytes), kUseTuple);
    if (ec) {
      conn.reading_head = false;
      co_return After::kClose;
    }
    conn.buffer.commit(n);
  }

  Exchange exchange;
  exchange.request_id = NewRequestId();

  bhttp::request_parser<bhttp::string_body> parser;
  parser.header_limit(static_cast<std::uint32_t>(
      std::min<size_t>(options.max_header_bytes, std::numeric_limits<std::uint32_t>::max())));
  // The route's limit is applied once the head is known.
  parser.body_limit(boost::none);
  stream.expires_after(options.header_timeout);
  auto [header_ec, header_bytes] =
      co_await bhttp::async_read_header(stream, conn.buffer, parser, kUseTuple);
  conn.reading_head = false;
  exchange.started = Clock::now();
  if (header_ec) {
    if (header_ec == bhttp::error::header_limit) {
      co_return co_await RespondError(
          conn, exchange, ErrorResponseForStatus(431, "Request header fields too large"),
          After::kLingerClose);
    }
    if (header_ec.category() == bhttp::make_error_code(bhttp::error::bad_target).category() &&
        header_ec != bhttp::error::end_of_stream && header_ec != bhttp::error::partial_message &&
        header_ec != bhttp::error::short_read) {
      co_return co_await RespondError(
          conn, exchange, ErrorResponse(ErrorCode::kInvalidArgument, "Malformed HTTP request"),
          After::kLingerClose);
    }
    co_return After::kClose;
  }

  const auto& head = parser.get();
  exchange.method = std::string(head.method_string());
  if (head.method() != bhttp::verb::unknown) exchange.metrics_method = head.method_string();
  exchange.version = head.version() == 10 ? 10 : 11;
  exchange.head = head.method() == bhttp::verb::head;
  exchange.keep_alive = head.keep_alive();
  ForEachField(head, bhttp::field::accept_encoding, [&](std::string_view value) {
    exchange.accept_gzip = exchange.accept_gzip || AcceptsGzip(value);
  });
  bool expect_continue = false;
  ForEachField(head, bhttp::field::expect, [&](std::string_view value) {
    expect_continue = expect_continue || IEquals(Trim(value), "100-continue");
  });

  std::string_view target = head.target();
  const size_t query_at = target.find('?');
  std::string path(target.substr(0, query_at));
  std::string query(query_at == std::string_view::npos ? std::string_view()
                                                       : target.substr(query_at + 1));

  Router::Match match = router.Find(exchange.method, path);
  std::optional<Response> early;
  switch (match.outcome) {
    case Router::Outcome::kFound:
      exchange.route = match.route;
      break;
    case Router::Outcome::kNotFound:
      early = ErrorResponse(ErrorCode::kNotFound, "Not Found: " + path);
      break;
    case Router::Outcome::kMethodNotAllowed:
      early = ErrorResponse(ErrorCode::kMethodNotAllowed, "Method Not Allowed");
      early->headers.emplace_back("Allow", match.allow);
      break;
    case Router::Outcome::kBadPath:
      early = ErrorResponse(ErrorCode::kInvalidArgument, "Malformed request path");
      break;
  }
  if (!early && (token_limiter.enabled() || address_limiter.enabled())) {
    std::string_view authorization;
    if (auto it = head.find(bhttp::field::authorization); it != head.end()) {
      authorization = it->value();
    }
    early = RateLimited(authorization, conn.remote_address);
  }
  BodyEncoding encoding = BodyEncoding::kIdentity;
  if (!early) {
    encoding = ParseContentEncoding(head);
    if (encoding == BodyEncoding::kUnsupported) {
      early = ErrorResponse(ErrorCode::kUnsupportedMediaType, "Unsupported Content-Encoding");
    }
  }

  const bool has_body = !parser.is_done();
  const boost::optional<uint64_t> content_length = parser.content_length();
  if (early) {
    After after = After::kKeepAlive;
    if (has_body) {
      if (expect_continue || !content_length || *content_length > kDiscardBodyLimit) {
        after = After::kLingerClose;
      } else {
        parser.body_limit(kDiscardBodyLimit);
        stream.expires_after(options.body_timeout);
        auto [body_ec, body_bytes] =
            co_await bhttp::async_read(stream, conn.buffer, parser, kUseTuple);
        if (body_ec) after = After::kLingerClose;
      }
    }
    co_return co_await RespondError(conn, exchange, std::move(*early), after);
  }

  const size_t limit = match.options->max_body_bytes;
  // The bytes of this request's body in memory (received, then inflated),
  // counted against the server-wide budget until the handler has returned.
  BodyBudget::Reservation reservation(*budget);
  if (has_body) {
    const Response too_large =
        ErrorResponse(ErrorCode::kPayloadTooLarge,
                      fmt::format("Request body exceeds the limit of {} bytes", limit));
    if (content_length && *content_length > limit) {
      co_return co_await RespondError(conn, exchange, too_large, After::kLingerClose);
    }
    const size_t capacity = budget->capacity();
    if (content_length && capacity != 0 && *content_length > capacity) {
      co_return co_await RespondError(conn, exchange, ErrorResponse(OverBudget(capacity)),
                                      After::kLingerClose);
    }
    // A known length is reserved whole before any of it is read (the parser
    // allocates it at once); a chunked body as it grows.
    if (content_length && !co_await Reserve(reservation, static_cast<size_t>(*content_length))) {
      co_return co_await RespondError(conn, exchange, BusyResponse(), After::kLingerClose);
    }
    parser.body_limit(limit);
    if (expect_continue && exchange.version == 11) {
      bhttp::response<bhttp::empty_body> interim{bhttp::status::continue_, exchange.version};
      stream.expires_after(options.write_timeout);
      auto [write_ec, written] = co_await bhttp::async_write(stream, interim, kUseTuple);
      if (write_ec) co_return After::kClose;
    }
    stream.expires_after(options.body_timeout);
    parser.eager(true);
    beast::error_code body_ec;
    while (!parser.is_done()) {
      auto [read_ec, n] =
          co_await bhttp::async_read_some(stream, conn.buffer, parser, kUseTuple);
      if (read_ec) {
        body_ec = read_ec;
        break;
      }
      const size_t held = parser.get().body().size();
      if (held > reservation.bytes()) {
        if (capacity != 0 && held > capacity) {
          co_return co_await RespondError(conn, exchange, ErrorResponse(OverBudget(capacity)),
                                          After::kLingerClose);
        }
        if (!co_await Reserve(reservation, held)) {
          co_return co_await RespondError(conn, exchange, BusyResponse(), After::kLingerClose);
        }
      }
    }
    if (body_ec == bhttp::error::body_limit) {
      co_return co_await RespondError(conn, exchange, too_large, After::kLingerClose);
    }
    if (body_ec) {
      if (body_ec.category() == bhttp::make_error_code(bhttp::error::bad_chunk).category() &&
          body_ec != bhttp::error::end_of_stream && body_ec != bhttp::error::partial_message &&
          body_ec != bhttp::error::short_read) {
        co_return co_await RespondError(
            conn, exchange,
            ErrorResponse(ErrorCode::kInvalidArgument, "Malformed HTTP request body"),
            After::kLingerClose);
      }
      co_return After::kClose;
    }
  }

  Request request;
  request.method = exchange.method;
  request.path = std::move(path);
  request.query_string = std::move(query);
  for (const auto& field : parser.get()) {
    request.headers.emplace_back(ToLower(field.name_string()), std::string(field.value()));
  }
  request.body = std::move(parser.get().body());
  if (has_body && encoding != BodyEncoding::kGzip &&
      !co_await Reserve(reservation,
                        std::max(reservation.bytes(),
                                 WithWorkingCopy(request.body.size(), budget->capacity())))) {
    co_return co_await RespondError(conn, exchange, BusyResponse(), After::kKeepAlive);
  }
  request.path_params = std::move(match.params);
  request.route = std::string(match.route);
  request.request_id = exchange.request_id;
  request.remote_address = conn.remote_address;

  struct InFlight {
    Metrics& metrics;
    explicit InFlight(Metrics& m) : metrics(m) { metrics.RequestStarted(); }
    ~InFlight() { metrics.RequestFinished(); }
  };
  std::optional<InFlight> in_flight(std::in_place, metrics);
  Prepared prepared = co_await asio::co_spawn(
      pool.get_executor(),
      RunOnWorker(match.handler, &request, &exchange, encoding == BodyEncoding::kGzip, limit,
                  &options, &reservation, budget_rejections.get()),
      asio::use_awaitable);
  in_flight.reset();
  // The request is done with its body: give the memory back before a slow
  // client reads the response.
  request.body = std::string();
  reservation.Release();
  co_return co_await Respond(conn, exchange, std::move(prepared), After::kKeepAlive);
}

asio::awaitable<After> Server::Impl::Respond(Connection& conn, Exchange& exchange,
                                             Prepared prepared, After after) {
  Response& response = prepared.response;
  const bool keep_alive = after == After::kKeepAlive && exchange.keep_alive && !draining.load();

  bhttp::response<bhttp::string_body> res;
  res.version(exchange.version);
  res.result(static_cast<unsigned>(response.status));
  if (!response.content_type.empty()) res.set(bhttp::field::content_type, response.content_type);
  res.set("X-Request-ID", exchange.request_id);
  res.set("X-Pulumi-Request-ID", exchange.request_id);
  for (const auto& [name, value] : response.headers) res.insert(name, value);
  if (prepared.gzipped) {
    res.set(bhttp::field::content_encoding, "gzip");
    res.set(bhttp::field::vary, "Accept-Encoding");
  }
  const size_t body_bytes = response.body.size();
  if (!StatusHasNoBody(response.status)) res.content_length(body_bytes);
  if (!exchange.head) res.body() = std::move(response.body);
  res.keep_alive(keep_alive);

  conn.stream.expires_after(options.write_timeout);
  auto [ec, written] = co_await bhttp::async_write(conn.stream, res, kUseTuple);

  const uint64_t sent = exchange.head ? 0 : body_bytes;
  const uint64_t micros = static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - exchange.started)
          .count());
  metrics.ObserveRequest(exchange.metrics_method, exchange.route, response.status, sent, micros);
  if (options.access_log) {
    spdlog::info(
        "{} {} {} {} {} {}", exchange.request_id,
        exchange.method.empty() ? std::string_view("-") : std::string_view(exchange.method),
        exchange.route, response.status, sent, micros);
  }

  if (ec) co_return After::kClose;
  if (keep_alive) co_return After::kKeepAlive;
  co_return after == After::kLingerClose ? After::kLingerClose : After::kClose;
}

std::optional<Response> Server::Impl::RateLimited(std::string_view authorization,
                                                  const std::string& address) {
  if (authorization.starts_with("update-token ")) return std::nullopt;
  const auto now = std::chrono::steady_clock::now();
  RateLimiter::Decision decision = address_limiter.Take(address, now);
  size_t counter = 1;
  if (decision.allowed && !authorization.empty()) {
    decision = token_limiter.Take(authorization, now);
    counter = 0;
  }
  if (decision.allowed) return std::nullopt;
  (*rate_limited)[counter].fetch_add(1, std::memory_order_relaxed);
  Response response = ErrorResponse(
      ErrorCode::kTooManyRequests,
      fmt::format("Too many requests from this {}; retry in {} s",
                  counter == 0 ? "access token" : "address", decision.retry_after_seconds));
  response.headers.emplace_back("Retry-After", std::to_string(decision.retry_after_seconds));
  response.headers.emplace_back("RateLimit-Limit", std::to_string(decision.limit));
  response.headers.emplace_back("RateLimit-Remaining", std::to_string(decision.remaining));
  response.headers.emplace_back("RateLimit-Reset", std::to_string(decision.reset_seconds));
  return response;
}

Server::Server(ServerOptions options, const Router& router, Metrics& metrics)
    : impl_(std::make_unique<Impl>(std::move(options), router, metrics)) {
  metrics.AddExternalSource([limited = impl_->rate_limited] {
    return fmt::format(
        "# HELP statehouse_http_rate_limited_total Requests answered 429 by a rate limit.\n"
        "# TYPE statehouse_http_rate_limited_total counter\n"
        "statehouse_http_rate_limited_total{{key=\"token\"}} {}\n"
        "statehouse_http_rate_limited_total{{key=\"address\"}} {}\n",
        (*limited)[0].load(std::memory_order_relaxed),
        (*limited)[1].load(std::memory_order_relaxed));
  });
  metrics.AddExternalSource([budget = impl_->budget, rejections = impl_->budget_rejections] {
    return fmt::format(
        "# HELP statehouse_http_body_memory_bytes Request body bytes held in memory (in_use, "
        "peak) and their budget (0 = unlimited).\n"
        "# TYPE statehouse_http_body_memory_bytes gauge\n"
        "statehouse_http_body_memory_bytes{{kind=\"in_use\"}} {}\n"
        "statehouse_http_body_memory_bytes{{kind=\"peak\"}} {}\n"
        "statehouse_http_body_memory_bytes{{kind=\"budget\"}} {}\n"
        "# HELP statehouse_http_body_memory_rejections_total Requests answered 503 because the "
        "body budget had no room.\n"
        "# TYPE statehouse_http_body_memory_rejections_total counter\n"
        "statehouse_http_body_memory_rejections_total {}\n",
        budget->in_use(), budget->peak(), budget->capacity(),
        rejections->load(std::memory_order_relaxed));
  });
}

Server::~Server() = default;

Result<uint16_t> Server::Listen() {
  Impl& s = *impl_;
  if (s.acceptor.is_open()) {
    return Fail(Error{ErrorCode::kInternal, "Server is already listening", {}});
  }
  const std::string where = fmt::format("{}:{}", s.options.host, s.options.port);
  beast::error_code ec;
  tcp::endpoint endpoint;
  asio::ip::address address = asio::ip::make_address(s.options.host, ec);
  if (!ec) {
    endpoint = tcp::endpoint(address, s.options.port);
  } else {
    tcp::resolver resolver(s.ioc);
    auto results = resolver.resolve(s.options.host, std::to_string(s.options.port),
                                    tcp::resolver::passive, ec);
    if (ec || results.empty()) {
      return Fail(
          Error{ErrorCode::kUnavailable, fmt::format("Cannot resolve {}", where), ec.message()});
    }
    endpoint = results.begin()->endpoint();
  }
  auto fail = [&](std::string_view step) {
    beast::error_code ignored;
    s.acceptor.close(ignored);
    return Fail(Error{ErrorCode::kUnavailable,
                      fmt::format("Cannot listen on {}: {}: {}", where, step, ec.message()),
                      {}});
  };
  s.acceptor.open(endpoint.protocol(), ec);
  if (ec) return fail("open");
  s.acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (ec) return fail("SO_REUSEADDR");
  s.acceptor.bind(endpoint, ec);
  if (ec) return fail("bind");
  s.acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return fail("listen");
  if (spdlog::should_log(spdlog::level::debug)) {
    s.router.ForEachRoute(
        [](std::string_view method, std::string_view path, const RouteOptions& route) {
          spdlog::debug("route {} {} max_body_bytes={}", method, path, route.max_body_bytes);
        });
  }
  tcp::endpoint bound = s.acceptor.local_endpoint(ec);
  if (ec) return fail("local_endpoint");
  return bound.port();
}

void Server::Run() {
  Impl& s = *impl_;
  if (!s.acceptor.is_open()) {
    auto listening = Listen();
    if (!listening) {
      spdlog::error("http server: {}", listening.error().message);
      return;
    }
  }

  asio::signal_set signals(s.ioc, SIGINT, SIGTERM);
  signals.async_wait([&s](const beast::error_code& ec, int signal_number) {
    if (ec) return;
    spdlog::info("http server: signal {} received, draining", signal_number);
    s.RequestStop();
  });
  asio::co_spawn(s.acceptor.get_executor(), s.AcceptLoop(), [&s](std::exception_ptr e) {
    LogUncaught("accept loop", e);
    {
      std::lock_guard lock(s.mu);
      s.accept_loop_done = true;
    }
    s.cv.notify_all();
  });

  auto work = asio::make_work_guard(s.ioc);
  std::vector<std::thread> threads;
  const int io_threads = std::max(1, s.options.io_threads);
  threads.reserve(static_cast<size_t>(io_threads));
  for (int i = 0; i < io_threads; ++i) {
    threads.emplace_back([&s] {
      while (true) {
        try {
          s.ioc.run();
          return;
        } catch (const std::exception& e) {
          spdlog::error("http io thread: uncaught exception: {}", e.what());
        } catch (...) {
          spdlog::error("http io thread: uncaught non-std exception");
        }
      }
    });
  }

  {
    std::unique_lock lock(s.mu);
    s.cv.wait(lock, [&s] { return s.stop_requested; });
  }
  s.BeginDrain();
  {
    std::unique_lock lock(s.mu);
    const auto deadline = Clock::now() + s.options.drain_timeout;
    // The accept loop must finish too: an accepted socket may still be on its
    // way to the registry.
    if (!s.cv.wait_until(lock, deadline,
                         [&s] { return s.accept_loop_done && s.connections.empty(); })) {
      spdlog::warn("http server: drain timeout, {} connections still open", s.connections.size());
    }
  }

  work.reset();
  s.ioc.stop();
  for (auto& thread : threads) thread.join();
  {
    std::lock_guard lock(s.mu);
    for (const auto& conn : s.connections) {
      beast::error_code ignored;
      conn->stream.socket().close(ignored);
    }
  }
  s.pool.stop();
  s.pool.join();
}

void Server::Stop() { impl_->RequestStop(); }

}  // namespace statehouse::http
