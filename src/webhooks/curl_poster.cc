#include "webhooks/curl_poster.h"

#include <curl/curl.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstring>
#include <mutex>

namespace statehouse::webhooks {

namespace {

constexpr size_t kMaxHeaderBytes = 64 * 1024;

struct Transfer {
  const AddressPolicy* policy = nullptr;
  const std::atomic<bool>* cancel = nullptr;
  size_t max_body = 0;
  std::string refused;  // the address the policy refused, if any
  std::string headers;
  std::string body;
};

std::string SockaddrText(const sockaddr* addr) {
  std::array<uint8_t, 16> ip{};
  if (addr->sa_family == AF_INET) {
    ip[10] = ip[11] = 0xff;
    std::memcpy(ip.data() + 12, &reinterpret_cast<const sockaddr_in*>(addr)->sin_addr, 4);
  } else if (addr->sa_family == AF_INET6) {
    std::memcpy(ip.data(), &reinterpret_cast<const sockaddr_in6*>(addr)->sin6_addr, 16);
  } else {
    return fmt::format("(address family {})", addr->sa_family);
  }
  return IpToString(ip);
}

curl_socket_t OpenSocket(void* clientp, curlsocktype purpose, struct curl_sockaddr* address) {
  auto* transfer = static_cast<Transfer*>(clientp);
  if (purpose != CURLSOCKTYPE_IPCXN || !transfer->policy->AllowsSockaddr(&address->addr)) {
    if (transfer->refused.empty()) transfer->refused = SockaddrText(&address->addr);
    return CURL_SOCKET_BAD;
  }
  return ::socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
}

size_t OnHeader(char* data, size_t size, size_t count, void* userdata) {
  auto* transfer = static_cast<Transfer*>(userdata);
  const size_t n = size * count;
  std::string_view line(data, n);
  if (line.starts_with("HTTP/")) {  // a new response (after 1xx): start over
    transfer->headers.clear();
    return n;
  }
  while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) line.remove_suffix(1);
  if (line.empty() || transfer->headers.size() + line.size() + 2 > kMaxHeaderBytes) return n;
  transfer->headers.append(line);
  transfer->headers.append("\r\n");
  return n;
}

size_t OnBody(char* data, size_t size, size_t count, void* userdata) {
  auto* transfer = static_cast<Transfer*>(userdata);
  const size_t n = size * count;
  if (transfer->body.size() < transfer->max_body) {
    transfer->body.append(data, std::min(n, transfer->max_body - transfer->body.size()));
  }
  return n;
}

int OnProgress(void* clientp, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  auto* transfer = static_cast<Transfer*>(clientp);
  return transfer->cancel != nullptr && transfer->cancel->load() ? 1 : 0;
}

void GlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// Length in bytes of the valid UTF-8 sequence at the start of `s`, or 0.
size_t Utf8SequenceLength(std::string_view s) {
  const auto b = [&](size_t i) { return static_cast<unsigned char>(s[i]); };
  const unsigned char c = b(0);
  if (c < 0x80) return 1;
  auto cont = [&](size_t i) { return i < s.size() && (b(i) & 0xC0) == 0x80; };
  if (c >= 0xC2 && c <= 0xDF) return cont(1) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    if (!cont(1) || !cont(2)) return 0;
    if (c == 0xE0 && b(1) < 0xA0) return 0;  // overlong
    if (c == 0xED && b(1) > 0x9F) return 0;  // surrogates
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (!cont(1) || !cont(2) || !cont(3)) return 0;
    if (c == 0xF0 && b(1) < 0x90) return 0;  // overlong
    if (c == 0xF4 && b(1) > 0x8F) return 0;  // above U+10FFFF
    return 4;
  }
  return 0;
}

}  // namespace

std::string ToValidUtf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  while (!text.empty()) {
    const size_t n = Utf8SequenceLength(text);
    if (n == 0) {
      out.append("\xEF\xBF\xBD");
      text.remove_prefix(1);
    } else {
      out.append(text.substr(0, n));
      text.remove_prefix(n);
    }
  }
  return out;
}

CurlPoster::CurlPoster(AddressPolicy policy, size_t max_response_bytes)
    : policy_(std::move(policy)), max_response_bytes_(max_response_bytes) {
  GlobalInit();
}

CurlPoster::~CurlPoster() {
  for (void* handle : idle_) curl_easy_cleanup(static_cast<CURL*>(handle));
}

void* CurlPoster::AcquireHandle() {
  {
    std::lock_guard lock(mu_);
    if (!idle_.empty()) {
      void* handle = idle_.back();
      idle_.pop_back();
      curl_easy_reset(static_cast<CURL*>(handle));
      return handle;
    }
  }
  return curl_easy_init();
}

void CurlPoster::ReleaseHandle(void* handle) {
  std::lock_guard lock(mu_);
  idle_.push_back(handle);
}

PostResult CurlPoster::Post(const PostRequest& request) {
  PostResult result;
  CURL* curl = static_cast<CURL*>(AcquireHandle());
  if (curl == nullptr) {
    result.error = "cannot create an HTTP client handle";
    return result;
  }
  Transfer transfer;
  transfer.policy = &policy_;
  transfer.cancel = request.cancel;
  transfer.max_body = max_response_bytes_;

  curl_slist* headers = nullptr;
  for (const auto& [name, value] : request.headers) {
    headers = curl_slist_append(headers, fmt::format("{}: {}", name, value).c_str());
  }
  headers = curl_slist_append(headers, "Expect:");

  char error_buffer[CURL_ERROR_SIZE] = {};
  const long timeout_ms = static_cast<long>(std::max<int64_t>(1, request.timeout.count()));
  curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(curl, CURLOPT_PROXY, "");
  curl_easy_setopt(curl, CURLOPT_NOPROXY, "*");
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, timeout_ms);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
  curl_easy_setopt(curl, CURLOPT_POST, 1L);
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.data());
  curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_OPENSOCKETFUNCTION, &OpenSocket);
  curl_easy_setopt(curl, CURLOPT_OPENSOCKETDATA, &transfer);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, &OnHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &transfer);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &OnBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &transfer);
  curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, &OnProgress);
  curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &transfer);
  curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_buffer);

  const auto start = std::chrono::steady_clock::now();
  const CURLcode rc = curl_easy_perform(curl);
  result.duration_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                           std::chrono::steady_clock::now() - start)
                           .count();
  if (rc == CURLE_OK) {
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    result.status = static_cast<int>(status);
  } else if (!transfer.refused.empty()) {
    result.error = fmt::format(
        "refused to connect to {}: the address is not allowed for webhook deliveries "
        "(loopback, private, link-local and other internal ranges are refused unless "
        "--webhook-allow-cidr allows them)",
        transfer.refused);
  } else if (rc == CURLE_ABORTED_BY_CALLBACK) {
    result.cancelled = true;
    result.error = "delivery abandoned: the server is shutting down";
  } else {
    result.error = error_buffer[0] != '\0'
                       ? fmt::format("{}: {}", curl_easy_strerror(rc), error_buffer)
                       : std::string(curl_easy_strerror(rc));
  }
  result.headers = ToValidUtf8(transfer.headers);
  result.body = ToValidUtf8(transfer.body);

  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, nullptr);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, nullptr);
  curl_slist_free_all(headers);
  ReleaseHandle(curl);
  return result;
}

}  // namespace statehouse::webhooks
