#pragma once

// A tiny HTTP/1.1 server on 127.0.0.1 (port 0 = a free port) that records
// every request and answers with what its handler says: the webhook
// receiver of the integration tests and of the delivery benchmark.
// Plain sockets, one thread per connection, keep-alive; Content-Length
// bodies only (what webhook senders use). Header-only so bench/ can use it
// too. Thread-safe.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace statehouse::testing {

struct ReceivedRequest {
  std::string method;
  std::string target;                          // path and query
  std::map<std::string, std::string> headers;  // names in lower case
  std::string body;
  int status_sent = 0;  // what the receiver answered

  std::string Header(std::string_view name) const {
    auto it = headers.find(std::string(name));
    return it == headers.end() ? std::string() : it->second;
  }
};

struct ReceiverReply {
  ReceiverReply() = default;
  ReceiverReply(int status_in, std::string body_in,
                std::vector<std::pair<std::string, std::string>> headers_in = {})
      : status(status_in), body(std::move(body_in)), headers(std::move(headers_in)) {}

  int status = 200;
  std::string body = "ok";
  std::vector<std::pair<std::string, std::string>> headers;
};

class WebhookReceiver {
 public:
  // `index` counts requests from 0 in arrival order.
  using Handler = std::function<ReceiverReply(const ReceivedRequest&, int index)>;

  // Listens on 127.0.0.1:`port` (0 = any free port). `ok()` tells whether
  // it could.
  explicit WebhookReceiver(uint16_t port = 0, bool record = true) : record_(record) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
        ::listen(listen_fd_, 128) != 0) {
      ::close(listen_fd_);
      listen_fd_ = -1;
      return;
    }
    socklen_t len = sizeof(addr);
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    accept_thread_ = std::thread([this] { AcceptLoop(); });
  }

  ~WebhookReceiver() { Stop(); }
  WebhookReceiver(const WebhookReceiver&) = delete;
  WebhookReceiver& operator=(const WebhookReceiver&) = delete;

  bool ok() const { return listen_fd_ >= 0; }
  uint16_t port() const { return port_; }
  std::string Url(std::string_view path = "/hook") const {
    return "http://127.0.0.1:" + std::to_string(port_) + std::string(path);
  }

  void SetHandler(Handler handler) {
    std::lock_guard lock(mu_);
    handler_ = std::move(handler);
  }

  std::vector<ReceivedRequest> Requests() const {
    std::lock_guard lock(mu_);
    return requests_;
  }
  size_t Count() const {
    std::lock_guard lock(mu_);
    return count_;
  }

  // Waits until `predicate(requests)` holds or `timeout` passes; returns
  // whether it held.
  bool WaitUntil(const std::function<bool(const std::vector<ReceivedRequest>&)>& predicate,
                 std::chrono::milliseconds timeout) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return predicate(requests_); });
  }
  bool WaitForCount(size_t n, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return count_ >= n; });
  }

  // Closes the listener and every connection, and joins the threads.
  void Stop() {
    if (stopping_.exchange(true)) return;
    if (accept_thread_.joinable()) accept_thread_.join();
    if (listen_fd_ >= 0) ::close(listen_fd_);
    std::vector<std::thread> threads;
    {
      std::lock_guard lock(mu_);
      threads.swap(connection_threads_);
    }
    for (auto& t : threads) t.join();
  }

 private:
  void AcceptLoop() {
    while (!stopping_) {
      pollfd pfd{listen_fd_, POLLIN, 0};
      if (::poll(&pfd, 1, 20) <= 0) continue;
      int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) continue;
      int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
      std::lock_guard lock(mu_);
      connection_threads_.emplace_back([this, fd] { Serve(fd); });
    }
  }

  // Reads into `buffer` until it holds `want` bytes; false on EOF, error or stop.
  bool ReadAtLeast(int fd, std::string& buffer, size_t want) {
    char chunk[16384];
    while (buffer.size() < want) {
      if (!Readable(fd)) return false;
      ssize_t n = ::recv(fd, chunk, sizeof(chunk), 0);
      if (n <= 0) return false;
      buffer.append(chunk, static_cast<size_t>(n));
    }
    return true;
  }

  bool Readable(int fd) {
    while (!stopping_) {
      pollfd pfd{fd, POLLIN, 0};
      int r = ::poll(&pfd, 1, 20);
      if (r > 0) return true;
      if (r < 0) return false;
    }
    return false;
  }

  void Serve(int fd) {
    std::string buffer;
    while (!stopping_) {
      size_t end;
      while ((end = buffer.find("\r\n\r\n")) == std::string::npos) {
        if (!ReadAtLeast(fd, buffer, buffer.size() + 1)) {
          ::close(fd);
          return;
        }
      }
      ReceivedRequest request;
      std::string_view head(buffer.data(), end);
      size_t line_end = head.find("\r\n");
      std::string_view request_line = head.substr(0, line_end);
      size_t sp1 = request_line.find(' ');
      size_t sp2 = request_line.rfind(' ');
      request.method = std::string(request_line.substr(0, sp1));
      request.target = std::string(request_line.substr(sp1 + 1, sp2 - sp1 - 1));
      size_t pos = line_end == std::string_view::npos ? head.size() : line_end + 2;
      while (pos < head.size()) {
        size_t next = head.find("\r\n", pos);
        if (next == std::string_view::npos) next = head.size();
        std::string_view line = head.substr(pos, next - pos);
        size_t colon = line.find(':');
        if (colon != std::string_view::npos) {
          std::string name(line.substr(0, colon));
          std::transform(name.begin(), name.end(), name.begin(),
                         [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
          std::string_view value = line.substr(colon + 1);
          while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
          request.headers[name] = std::string(value);
        }
        pos = next + 2;
      }
      const size_t length = std::strtoul(request.Header("content-length").c_str(), nullptr, 10);
      if (!ReadAtLeast(fd, buffer, end + 4 + length)) {
        ::close(fd);
        return;
      }
      request.body = buffer.substr(end + 4, length);
      buffer.erase(0, end + 4 + length);

      ReceiverReply reply;
      {
        std::unique_lock lock(mu_);
        const int index = next_index_++;
        Handler handler = handler_;
        lock.unlock();
        if (handler) reply = handler(request, index);
        lock.lock();
        request.status_sent = reply.status;
        ++count_;
        if (record_) requests_.push_back(request);
      }
      cv_.notify_all();

      std::string out = "HTTP/1.1 " + std::to_string(reply.status) + " Status\r\n";
      for (const auto& [name, value] : reply.headers) out += name + ": " + value + "\r\n";
      out += "Content-Length: " + std::to_string(reply.body.size()) + "\r\n\r\n" + reply.body;
      size_t sent = 0;
      while (sent < out.size()) {
        ssize_t n = ::send(fd, out.data() + sent, out.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) {
          ::close(fd);
          return;
        }
        sent += static_cast<size_t>(n);
      }
    }
    ::close(fd);
  }

  const bool record_;
  int listen_fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread accept_thread_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  Handler handler_;
  std::vector<ReceivedRequest> requests_;
  size_t count_ = 0;
  int next_index_ = 0;
  std::vector<std::thread> connection_threads_;
};

}  // namespace statehouse::testing
