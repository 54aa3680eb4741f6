#include "test/integration/harness.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <random>
#include <regex>
#include <sstream>
#include <thread>

#ifndef STATEHOUSE_BINARY
#define STATEHOUSE_BINARY "build/statehouse"
#endif

namespace statehouse::testing {
namespace {

namespace json = boost::json;
using std::chrono::steady_clock;

std::string ToLower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string Trim(std::string_view text) {
  size_t begin = 0;
  size_t end = text.size();
  while (begin < end && std::isspace(static_cast<unsigned char>(text[begin]))) ++begin;
  while (end > begin && std::isspace(static_cast<unsigned char>(text[end - 1]))) --end;
  return std::string(text.substr(begin, end - begin));
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::mt19937_64& Rng() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  return rng;
}

void GlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] {
    signal(SIGPIPE, SIG_IGN);
    curl_global_init(CURL_GLOBAL_DEFAULT);
  });
}

std::string Truncated(std::string_view text, size_t max = 2000) {
  if (text.size() <= max) return std::string(text);
  return std::string(text.substr(0, max)) + "...(" + std::to_string(text.size()) + " bytes)";
}

bool WaitExited(pid_t pid, std::chrono::milliseconds timeout, int* status) {
  auto deadline = steady_clock::now() + timeout;
  while (true) {
    pid_t r = waitpid(pid, status, WNOHANG);
    if (r == pid) return true;
    if (r < 0 && errno != EINTR) return true;
    if (steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

}  // namespace

// ---------------------------------------------------------------- backend

bool BackendIsPostgres() {
  static const bool postgres = [] {
    const char* backend = std::getenv("STATEHOUSE_TEST_BACKEND");
    return backend != nullptr && std::string_view(backend) == "postgres";
  }();
  return postgres;
}

std::string BackendName() { return BackendIsPostgres() ? "postgres" : "sqlite"; }

// ---------------------------------------------------------------- HttpResponse

std::string HttpResponse::Header(std::string_view name) const {
  auto it = headers.find(ToLower(name));
  return it == headers.end() ? std::string() : it->second;
}

bool HttpResponse::HasHeader(std::string_view name) const {
  return headers.contains(ToLower(name));
}

std::ostream& operator<<(std::ostream& os, const HttpResponse& response) {
  os << "HTTP " << response.status;
  if (!response.transport_error.empty())
    os << " (transport error: " << response.transport_error << ")";
  os << " body: " << Truncated(response.body, 1000);
  return os;
}

// ---------------------------------------------------------------- ServerProcess

ServerProcess::ServerProcess(ServerConfig config) : config_(std::move(config)) {
  GlobalInit();
  std::string tmpl = (std::filesystem::temp_directory_path() / "statehouse-it-XXXXXX").string();
  if (mkdtemp(tmpl.data()) == nullptr) {
    ADD_FAILURE() << "mkdtemp failed: " << std::strerror(errno);
  }
  root_dir_ = tmpl;
  data_dir_ = root_dir_ + "/data";
  ::mkdir(data_dir_.c_str(), 0700);
  if (config_.pass_bootstrap_token && config_.bootstrap_token.empty()) {
    config_.bootstrap_token = RandomToken();
  }
  token_ = config_.bootstrap_token;
  if (config_.database_url.empty() && BackendIsPostgres()) {
    Result<std::string> url = CreateTestDatabase();
    if (url) {
      config_.database_url = *url;
      owns_database_ = true;
    } else {
      setup_error_ = "cannot create a PostgreSQL test database: " + url.error().message + " (" +
                     url.error().detail + ")";
    }
  }
}

ServerProcess::~ServerProcess() {
  if (running()) Stop();
  if (std::getenv("STATEHOUSE_IT_KEEP") != nullptr) return;
  if (!root_dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(root_dir_, ec);
  }
  if (owns_database_) {
    if (Result<void> dropped = DropTestDatabase(config_.database_url); !dropped) {
      ADD_FAILURE() << "cannot drop " << config_.database_url << ": " << dropped.error().message
                    << " (" << dropped.error().detail << ")";
    }
  }
}

std::string ServerProcess::base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }

std::string ServerProcess::Log() const {
  return log_files_.empty() ? std::string() : ReadFile(log_files_.back());
}

std::string ServerProcess::AllLogs() const {
  std::string out;
  for (size_t i = 0; i < log_files_.size(); ++i) {
    out += "--- run " + std::to_string(i + 1) + " ---\n" + ReadFile(log_files_[i]);
  }
  return out;
}

::testing::AssertionResult ServerProcess::Start() {
  if (auto spawned = Spawn(); !spawned) return spawned;
  return AwaitListening();
}

::testing::AssertionResult ServerProcess::StartTogether(
    std::initializer_list<ServerProcess*> servers) {
  for (ServerProcess* server : servers) {
    if (auto spawned = server->Spawn(); !spawned) return spawned;
  }
  ::testing::AssertionResult all = ::testing::AssertionSuccess();
  for (ServerProcess* server : servers) {
    if (auto listening = server->AwaitListening(); !listening && all) all = listening;
  }
  return all;
}

::testing::AssertionResult ServerProcess::Spawn() {
  if (running()) return ::testing::AssertionFailure() << "server already running";
  if (!setup_error_.empty()) return ::testing::AssertionFailure() << setup_error_;
  std::string log_path = root_dir_ + "/server-" + std::to_string(log_files_.size() + 1) + ".log";
  log_files_.push_back(log_path);
  int log_fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (log_fd < 0) {
    return ::testing::AssertionFailure()
           << "cannot open " << log_path << ": " << std::strerror(errno);
  }

  std::vector<std::string> args = {STATEHOUSE_BINARY, "serve",      "--listen",
                                   "127.0.0.1:0",     "--data-dir", data_dir_};
  if (config_.pass_bootstrap_token) {
    args.push_back("--bootstrap-token");
    args.push_back(config_.bootstrap_token);
  }
  if (!config_.database_url.empty()) {
    args.push_back("--database");
    args.push_back(config_.database_url);
  }
  args.insert(args.end(), config_.extra_args.begin(), config_.extra_args.end());
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid < 0) {
    ::close(log_fd);
    return ::testing::AssertionFailure() << "fork failed: " << std::strerror(errno);
  }
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(126);
    int null_fd = ::open("/dev/null", O_RDONLY);
    if (null_fd >= 0) dup2(null_fd, 0);
    dup2(log_fd, 1);
    dup2(log_fd, 2);
    for (const char* name :
         {"STATEHOUSE_LISTEN", "STATEHOUSE_DATA_DIR", "STATEHOUSE_DATABASE",
          "STATEHOUSE_BOOTSTRAP_USER", "STATEHOUSE_BOOTSTRAP_TOKEN", "STATEHOUSE_MASTER_KEY"}) {
      unsetenv(name);
    }
    for (const auto& [key, value] : config_.env) setenv(key.c_str(), value.c_str(), 1);
    signal(SIGPIPE, SIG_DFL);
    execv(argv[0], argv.data());
    std::fprintf(stderr, "exec %s failed: %s\n", argv[0], std::strerror(errno));
    _exit(127);
  }
  ::close(log_fd);
  pid_ = pid;
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult ServerProcess::AwaitListening() {
  const std::string& log_path = log_files_.back();
  static const std::regex kListening(R"(listening on http://127\.0\.0\.1:(\d+))");
  static const std::regex kToken(R"(pul-[0-9a-f]{40})");
  auto deadline = steady_clock::now() + std::chrono::seconds(15);
  std::optional<steady_clock::time_point> token_deadline;
  while (true) {
    std::string log = ReadFile(log_path);
    std::smatch m;
    if (port_ == 0 || !token_deadline) {
      if (std::regex_search(log, m, kListening)) {
        port_ = static_cast<uint16_t>(std::stoi(m[1].str()));
        if (!token_deadline) token_deadline = steady_clock::now() + std::chrono::seconds(2);
      }
    }
    if (token_deadline) {
      if (!token_.empty()) break;
      if (std::regex_search(log, m, kToken)) {
        token_ = m[0].str();
        break;
      }
      if (steady_clock::now() > *token_deadline) break;  // no token printed; tests decide
    }
    int status = 0;
    pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      pid_ = -1;
      port_ = 0;
      return ::testing::AssertionFailure()
             << "server exited during startup (status " << status << "); log:\n"
             << ReadFile(log_path);
    }
    if (steady_clock::now() > deadline) {
      Kill9();
      port_ = 0;
      return ::testing::AssertionFailure()
             << "server did not print its listening line within 15 s; log:\n"
             << ReadFile(log_path);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return ::testing::AssertionSuccess();
}

int ServerProcess::Stop(std::chrono::seconds grace) {
  if (!running()) return -1;
  int status = 0;
  ::kill(pid_, SIGTERM);
  if (!WaitExited(pid_, grace, &status)) {
    ::kill(pid_, SIGKILL);
    waitpid(pid_, &status, 0);
  }
  pid_ = -1;
  port_ = 0;
  return status;
}

void ServerProcess::Kill9() {
  if (!running()) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
  port_ = 0;
}

::testing::AssertionResult ServerProcess::Restart() {
  Stop();
  return Start();
}

// ---------------------------------------------------------------- SharedDatabase

SharedDatabase::SharedDatabase(TestDatabaseSchema schema)
    : master_key_(RandomHex(64)), bootstrap_token_(RandomToken()) {
  Result<std::string> url = CreateTestDatabase(schema);
  if (url) {
    url_ = *url;
  } else {
    error_ = "cannot create a PostgreSQL test database: " + url.error().message + " (" +
             url.error().detail + ")";
  }
}

SharedDatabase::~SharedDatabase() {
  if (url_.empty() || std::getenv("STATEHOUSE_IT_KEEP") != nullptr) return;
  if (Result<void> dropped = DropTestDatabase(url_); !dropped) {
    ADD_FAILURE() << "cannot drop " << url_ << ": " << dropped.error().message << " ("
                  << dropped.error().detail << ")";
  }
}

ServerConfig SharedDatabase::ReplicaConfig() const {
  ServerConfig config;
  config.bootstrap_token = bootstrap_token_;
  config.env = {{"STATEHOUSE_MASTER_KEY", master_key_}};
  config.database_url = url_;
  return config;
}

// ---------------------------------------------------------------- HttpClient

namespace {

size_t WriteBody(char* data, size_t size, size_t count, void* user) {
  static_cast<std::string*>(user)->append(data, size * count);
  return size * count;
}

size_t WriteHeader(char* data, size_t size, size_t count, void* user) {
  auto* headers = static_cast<std::map<std::string, std::string>*>(user);
  std::string_view line(data, size * count);
  if (line.starts_with("HTTP/")) {
    headers->clear();
  } else if (auto colon = line.find(':'); colon != std::string_view::npos) {
    std::string name = ToLower(Trim(line.substr(0, colon)));
    std::string value = Trim(line.substr(colon + 1));
    auto [it, inserted] = headers->emplace(name, value);
    if (!inserted) it->second += ", " + value;
  }
  return size * count;
}

}  // namespace

HttpClient::HttpClient(std::string base_url, std::string token)
    : base_url_(std::move(base_url)), token_(std::move(token)) {
  GlobalInit();
  curl_ = curl_easy_init();
}

HttpClient::HttpClient(const ServerProcess& server, std::string token)
    : HttpClient(server.base_url(), std::move(token)) {}

HttpClient::~HttpClient() {
  if (curl_ != nullptr) curl_easy_cleanup(static_cast<CURL*>(curl_));
}

HttpClient::HttpClient(HttpClient&& other) noexcept
    : curl_(std::exchange(other.curl_, nullptr)),
      base_url_(std::move(other.base_url_)),
      token_(std::move(other.token_)),
      gzip_body_(other.gzip_body_),
      accept_gzip_(other.accept_gzip_),
      timeout_(other.timeout_) {}

HttpClient& HttpClient::operator=(HttpClient&& other) noexcept {
  if (this != &other) {
    if (curl_ != nullptr) curl_easy_cleanup(static_cast<CURL*>(curl_));
    curl_ = std::exchange(other.curl_, nullptr);
    base_url_ = std::move(other.base_url_);
    token_ = std::move(other.token_);
    gzip_body_ = other.gzip_body_;
    accept_gzip_ = other.accept_gzip_;
    timeout_ = other.timeout_;
  }
  return *this;
}

HttpResponse HttpClient::Request(std::string_view method, std::string_view path,
                                 std::optional<std::string_view> body, const HeaderList& headers) {
  HttpResponse response;
  CURL* c = static_cast<CURL*>(curl_);
  if (c == nullptr) {
    response.transport_error = "no curl handle";
    return response;
  }
  curl_easy_reset(c);
  std::string url = base_url_ + std::string(path);
  std::string method_str(method);
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_PATH_AS_IS, 1L);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout_.count()));
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &WriteBody);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &response.body);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, &WriteHeader);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &response.headers);
  curl_easy_setopt(c, CURLOPT_USERAGENT, "pulumi-cli/1 (v3.0.0-statehouse-it; linux)");
  if (accept_gzip_) curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "gzip");

  std::string payload;
  if (body.has_value()) {
    payload = gzip_body_ ? Gzip(*body) : std::string(*body);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method_str.c_str());
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, payload.data());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(payload.size()));
  } else if (method == "GET") {
    curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
  } else if (method == "HEAD") {
    curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
  } else {
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method_str.c_str());
  }

  std::vector<std::pair<std::string, std::string>> all = {
      {"Accept", "application/vnd.pulumi+9"},
      {"Content-Type", "application/json"},
      {"Expect", ""},
  };
  if (!token_.empty()) all.emplace_back("Authorization", "token " + token_);
  if (gzip_body_ && body.has_value()) all.emplace_back("Content-Encoding", "gzip");
  for (const auto& [name, value] : headers) {
    std::erase_if(all, [&](const auto& h) { return ToLower(h.first) == ToLower(name); });
    all.emplace_back(name, value);
  }
  curl_slist* list = nullptr;
  for (const auto& [name, value] : all) {
    std::string line = value.empty() ? name + ":" : name + ": " + value;
    list = curl_slist_append(list, line.c_str());
  }
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, list);

  CURLcode rc = curl_easy_perform(c);
  long code = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
  response.status = code;
  if (rc != CURLE_OK) response.transport_error = curl_easy_strerror(rc);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, nullptr);
  curl_slist_free_all(list);
  return response;
}

HttpResponse HttpClient::Get(std::string_view path, const HeaderList& headers) {
  return Request("GET", path, std::nullopt, headers);
}

HttpResponse HttpClient::Head(std::string_view path, const HeaderList& headers) {
  return Request("HEAD", path, std::nullopt, headers);
}

HttpResponse HttpClient::Delete(std::string_view path, const HeaderList& headers) {
  return Request("DELETE", path, std::nullopt, headers);
}

HttpResponse HttpClient::Post(std::string_view path, std::string_view body,
                              const HeaderList& headers) {
  return Request("POST", path, body, headers);
}

HttpResponse HttpClient::Patch(std::string_view path, std::string_view body,
                               const HeaderList& headers) {
  return Request("PATCH", path, body, headers);
}

HttpResponse HttpClient::Put(std::string_view path, std::string_view body,
                             const HeaderList& headers) {
  return Request("PUT", path, body, headers);
}

// ---------------------------------------------------------------- raw sockets

int RawReply::StatusCode() const {
  static const std::regex kStatus(R"(^HTTP/1\.[01] (\d{3}))");
  std::smatch m;
  if (std::regex_search(data, m, kStatus)) return std::stoi(m[1].str());
  return 0;
}

std::string RawReply::Body() const {
  size_t end = data.find("\r\n\r\n");
  if (end == std::string::npos) return {};
  std::string head = ToLower(data.substr(0, end));
  static const std::regex kLength(R"(\r\ncontent-length:\s*(\d+))");
  std::smatch m;
  if (std::regex_search(head, m, kLength)) return data.substr(end + 4, std::stoull(m[1].str()));
  return data.substr(end + 4);
}

namespace {

bool CompleteResponse(const std::string& data) {
  size_t end = data.find("\r\n\r\n");
  if (end == std::string::npos) return false;
  std::string head = ToLower(data.substr(0, end));
  static const std::regex kLength(R"(\r\ncontent-length:\s*(\d+))");
  std::smatch m;
  if (std::regex_search(head, m, kLength)) {
    return data.size() >= end + 4 + std::stoull(m[1].str());
  }
  return head.find("transfer-encoding") == std::string::npos &&
         (head.find(" 204 ") != std::string::npos || head.find(" 304 ") != std::string::npos);
}

}  // namespace

RawReply RawExchange(uint16_t port, std::string_view bytes, std::chrono::milliseconds timeout,
                     bool until_close) {
  GlobalInit();
  RawReply reply;
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return reply;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    ::close(fd);
    return reply;
  }
  reply.connected = true;
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  size_t sent = 0;
  bool can_send = true;
  auto deadline = steady_clock::now() + timeout;
  char buf[65536];
  while (true) {
    auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - steady_clock::now());
    if (left.count() <= 0) {
      reply.timed_out = true;
      break;
    }
    pollfd p{fd, static_cast<short>(POLLIN | (can_send && sent < bytes.size() ? POLLOUT : 0)), 0};
    int r = ::poll(&p, 1, static_cast<int>(left.count()));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) continue;
    if (p.revents & POLLOUT) {
      ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
      if (n > 0) {
        sent += static_cast<size_t>(n);
      } else if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
        can_send = false;
      }
    }
    if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
      ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
      if (n > 0) {
        reply.data.append(buf, static_cast<size_t>(n));
        if (!until_close && CompleteResponse(reply.data)) break;
      } else if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
        reply.closed = true;
        break;
      }
    }
  }
  ::close(fd);
  return reply;
}

// ---------------------------------------------------------------- gzip

namespace {

std::string DeflateChunks(size_t total, std::string_view data, bool zeros) {
  z_stream zs{};
  deflateInit2(&zs, Z_BEST_COMPRESSION, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY);
  std::string out;
  std::string chunk_zero(zeros ? 1 << 20 : 0, '\0');
  char buf[65536];
  size_t fed = 0;
  while (true) {
    size_t n;
    const char* src;
    if (zeros) {
      n = std::min(chunk_zero.size(), total - fed);
      src = chunk_zero.data();
    } else {
      n = std::min<size_t>(1 << 20, data.size() - fed);
      src = data.data() + fed;
    }
    fed += n;
    bool last = fed >= (zeros ? total : data.size());
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(src));
    zs.avail_in = static_cast<uInt>(n);
    int flush = last ? Z_FINISH : Z_NO_FLUSH;
    int rc;
    do {
      zs.next_out = reinterpret_cast<Bytef*>(buf);
      zs.avail_out = sizeof(buf);
      rc = deflate(&zs, flush);
      out.append(buf, sizeof(buf) - zs.avail_out);
    } while (zs.avail_out == 0 || (last && rc != Z_STREAM_END));
    if (last) break;
  }
  deflateEnd(&zs);
  return out;
}

}  // namespace

std::string Gzip(std::string_view data) { return DeflateChunks(0, data, false); }

std::string GzipZeros(size_t count) {
  constexpr size_t kChunk = 1 << 20;
  if (count < 4 * kChunk) return DeflateChunks(count, {}, true);
  // After Z_FULL_FLUSH the compressor starts from scratch, so every 1 MiB
  // block of zeros compresses to the same bytes: compress one, repeat it.
  auto raw_deflate = [](std::string_view input, int flush) {
    z_stream zs{};
    deflateInit2(&zs, Z_BEST_COMPRESSION, Z_DEFLATED, -15, 9, Z_DEFAULT_STRATEGY);
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(input.data()));
    zs.avail_in = static_cast<uInt>(input.size());
    std::string out(deflateBound(&zs, static_cast<uLong>(input.size())) + 64, '\0');
    zs.next_out = reinterpret_cast<Bytef*>(out.data());
    zs.avail_out = static_cast<uInt>(out.size());
    deflate(&zs, flush);
    out.resize(out.size() - zs.avail_out);
    deflateEnd(&zs);
    return out;
  };
  const std::string zeros(kChunk, '\0');
  const std::string block = raw_deflate(zeros, Z_FULL_FLUSH);
  const std::string tail = raw_deflate(std::string_view(zeros.data(), count % kChunk), Z_FINISH);
  uLong crc_block = crc32(0L, reinterpret_cast<const Bytef*>(zeros.data()), kChunk);
  uLong crc = crc32(0L, Z_NULL, 0);
  for (size_t i = 0; i < count / kChunk; ++i) crc = crc32_combine(crc, crc_block, kChunk);
  crc = crc32_combine(
      crc,
      crc32(0L, reinterpret_cast<const Bytef*>(zeros.data()), static_cast<uInt>(count % kChunk)),
      static_cast<z_off_t>(count % kChunk));
  std::string out("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03", 10);
  out.reserve(10 + block.size() * (count / kChunk) + tail.size() + 8);
  for (size_t i = 0; i < count / kChunk; ++i) out += block;
  out += tail;
  auto put32 = [&out](uint32_t v) {
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  };
  put32(static_cast<uint32_t>(crc));
  put32(static_cast<uint32_t>(count & 0xffffffffu));
  return out;
}

std::optional<std::string> Gunzip(std::string_view data) {
  z_stream zs{};
  if (inflateInit2(&zs, 15 + 32) != Z_OK) return std::nullopt;
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  std::string out;
  char buf[65536];
  int rc;
  do {
    zs.next_out = reinterpret_cast<Bytef*>(buf);
    zs.avail_out = sizeof(buf);
    rc = inflate(&zs, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) {
      inflateEnd(&zs);
      return std::nullopt;
    }
    out.append(buf, sizeof(buf) - zs.avail_out);
  } while (rc != Z_STREAM_END);
  inflateEnd(&zs);
  return out;
}

// ---------------------------------------------------------------- misc

std::string RandomHex(size_t digits) {
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(digits);
  for (size_t i = 0; i < digits; ++i) out.push_back(kHex[Rng()() % 16]);
  return out;
}

std::string RandomToken() { return "pul-" + RandomHex(40); }

bool IsTokenValue(std::string_view value) {
  static const std::regex kToken(R"(^pul-[0-9a-f]{40}$)");
  return std::regex_match(value.begin(), value.end(), kToken);
}

std::optional<json::value> TryParseJson(std::string_view text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec) return std::nullopt;
  return v;
}

json::value ParseJson(std::string_view text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec) ADD_FAILURE() << "invalid JSON (" << ec.message() << "): " << Truncated(text);
  return v;
}

std::string Json(const json::value& value) { return json::serialize(value); }

const json::object* FindObject(const json::value& value, std::string_view key) {
  if (!value.is_object()) return nullptr;
  const json::value* v = value.as_object().if_contains(key);
  return v != nullptr && v->is_object() ? &v->as_object() : nullptr;
}

std::string GetString(const json::value& value, std::string_view key) {
  if (!value.is_object()) return {};
  const json::value* v = value.as_object().if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
}

std::optional<int64_t> GetInt(const json::value& value, std::string_view key) {
  if (!value.is_object()) return std::nullopt;
  const json::value* v = value.as_object().if_contains(key);
  if (v == nullptr) return std::nullopt;
  if (v->is_int64()) return v->as_int64();
  if (v->is_uint64()) return static_cast<int64_t>(v->as_uint64());
  return std::nullopt;
}

std::string UrlEncode(std::string_view text) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

::testing::AssertionResult IsJsonError(const HttpResponse& response, long status) {
  return IsJsonErrorIn(response, {status});
}

::testing::AssertionResult IsJsonErrorIn(const HttpResponse& response,
                                         const std::vector<long>& statuses) {
  std::ostringstream want;
  for (long s : statuses) want << s << " ";
  if (std::find(statuses.begin(), statuses.end(), response.status) == statuses.end()) {
    return ::testing::AssertionFailure()
           << "expected status in { " << want.str() << "}, got " << response;
  }
  auto parsed = TryParseJson(response.body);
  if (!parsed || !parsed->is_object()) {
    return ::testing::AssertionFailure() << "error body is not a JSON object: " << response;
  }
  auto code = GetInt(*parsed, "code");
  if (!code || *code != response.status) {
    return ::testing::AssertionFailure()
           << "error body `code` must be the integer " << response.status << ": " << response;
  }
  const json::value* message = parsed->as_object().if_contains("message");
  if (message == nullptr || !message->is_string() || message->as_string().empty()) {
    return ::testing::AssertionFailure()
           << "error body needs a non-empty string `message`: " << response;
  }
  return ::testing::AssertionSuccess();
}

void ExpectJsonError(const HttpResponse& response, long status, std::source_location where) {
  if (auto r = IsJsonError(response, status); !r) {
    ADD_FAILURE_AT(where.file_name(), static_cast<int>(where.line())) << r.message();
  }
}

void ExpectJsonErrorIn(const HttpResponse& response, const std::vector<long>& statuses,
                       std::source_location where) {
  if (auto r = IsJsonErrorIn(response, statuses); !r) {
    ADD_FAILURE_AT(where.file_name(), static_cast<int>(where.line())) << r.message();
  }
}

std::string ErrorMessage(const HttpResponse& response) {
  auto parsed = TryParseJson(response.body);
  return parsed ? GetString(*parsed, "message") : std::string();
}

std::string UniqueName(std::string_view prefix) {
  static std::atomic<int> counter{0};
  return std::string(prefix) + "-" + std::to_string(++counter);
}

json::value DeploymentWithOneResource(std::string_view project, std::string_view stack) {
  std::string urn = "urn:pulumi:" + std::string(stack) + "::" + std::string(project) +
                    "::pulumi:pulumi:Stack::" + std::string(project) + "-" + std::string(stack);
  return json::value{
      {"version", 3},
      {"deployment",
       {{"manifest", {{"time", "2024-01-01T00:00:00Z"}, {"magic", ""}, {"version", ""}}},
        {"resources", json::array{json::object{
                          {"urn", urn}, {"type", "pulumi:pulumi:Stack"}, {"custom", false}}}}}}};
}

CommandResult RunBinary(const std::string& args) {
  CommandResult result;
  const std::string command = std::string(STATEHOUSE_BINARY) + " " + args + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return result;
  std::array<char, 4096> buffer;
  size_t n = 0;
  while ((n = fread(buffer.data(), 1, buffer.size(), pipe)) > 0) result.output.append(buffer.data(), n);
  const int status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

std::string ShellQuote(const std::string& s) { return "'" + s + "'"; }

// ---------------------------------------------------------------- IntegrationTest

ServerProcess* IntegrationTest::server_ = nullptr;
std::string IntegrationTest::startup_failure_;

void IntegrationTest::SetUpTestSuite() {
  startup_failure_.clear();
  server_ = new ServerProcess();
  if (auto started = server_->Start(); !started) startup_failure_ = started.message();
}

void IntegrationTest::TearDownTestSuite() {
  delete server_;
  server_ = nullptr;
}

void IntegrationTest::SetUp() {
  ASSERT_NE(server_, nullptr);
  ASSERT_TRUE(startup_failure_.empty()) << startup_failure_;
  ASSERT_TRUE(server_->running()) << "shared server is not running; log:\n" << server_->Log();
}

HttpClient IntegrationTest::Client(std::string token) const {
  return HttpClient(server_->base_url(), std::move(token));
}

std::string CreateUser(HttpClient& admin, std::string_view login) {
  json::object body{{"login", login},
                    {"name", std::string(login) + " Example"},
                    {"email", std::string(login) + "@example.com"}};
  HttpResponse r = admin.Post("/api/admin/users", Json(body));
  EXPECT_EQ(r.status, 201) << "create user " << login << ": " << r;
  auto parsed = TryParseJson(r.body);
  if (!parsed) return {};
  return GetString(*parsed, "token");
}

void CreateOrg(HttpClient& admin, std::string_view name, std::string_view org_admin) {
  json::object body{{"name", name}, {"admin", org_admin}};
  HttpResponse r = admin.Post("/api/admin/orgs", Json(body));
  EXPECT_EQ(r.status, 201) << "create org " << name << ": " << r;
}

void AddMember(HttpClient& org_admin, std::string_view org, std::string_view login) {
  HttpResponse r = org_admin.Post(
      "/api/orgs/" + std::string(org) + "/members/" + std::string(login), R"({"role":"member"})");
  EXPECT_EQ(r.status, 200) << "add member " << login << " to " << org << ": " << r;
}

HttpResponse CreateStack(HttpClient& client, std::string_view org, std::string_view project,
                         std::string_view stack, const json::object& extra) {
  json::object body{{"stackName", stack},
                    {"tags", {{"pulumi:project", project}, {"pulumi:runtime", "nodejs"}}}};
  for (const auto& [key, value] : extra) body[key] = value;
  return client.Post("/api/stacks/" + std::string(org) + "/" + std::string(project), Json(body));
}

std::string StackPath(std::string_view org, std::string_view project, std::string_view stack) {
  return "/api/stacks/" + std::string(org) + "/" + std::string(project) + "/" + std::string(stack);
}

}  // namespace statehouse::testing
