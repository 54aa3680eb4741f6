#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <mutex>

namespace statehouse::http {

// A global budget for the request bodies the server holds in memory at once
// (bytes as received, compressed or not, plus bytes inflated from gzip).
// Each request holds one Reservation that grows as its body is read and
// inflated and is released when the request is done (RAII, exception-safe).
//
// Capacity 0 means unlimited (every reservation succeeds, usage is still
// counted). A reservation may never exceed the capacity, so a body larger
// than the capacity can never be held.
//
// Thread-safety: all members are thread-safe; one Reservation is used by one
// thread at a time.
class BodyBudget {
 public:
  explicit BodyBudget(size_t capacity_bytes) : capacity_(capacity_bytes) {}
  BodyBudget(const BodyBudget&) = delete;
  BodyBudget& operator=(const BodyBudget&) = delete;

  size_t capacity() const { return capacity_; }
  // Bytes reserved now / the most ever reserved at once.
  size_t in_use() const;
  size_t peak() const;

  class Reservation {
   public:
    Reservation() = default;  // holds nothing, belongs to no budget
    explicit Reservation(BodyBudget& budget) : budget_(&budget) {}
    ~Reservation() { Release(); }
    Reservation(Reservation&& other) noexcept;
    Reservation& operator=(Reservation&& other) noexcept;
    Reservation(const Reservation&) = delete;
    Reservation& operator=(const Reservation&) = delete;

    // Sets the bytes held to `bytes`. Shrinking always succeeds. Growing
    // succeeds when the budget has room for the difference; otherwise nothing
    // changes and it returns false. Without a budget it always succeeds.
    bool Resize(size_t bytes);
    // Resize, waiting (blocking this thread, so never on an io thread) up to
    // `wait` for other reservations to shrink. False when there was no room
    // in time or `bytes` exceeds the capacity (then it does not wait).
    bool ResizeWaiting(size_t bytes, std::chrono::milliseconds wait);
    // Releases everything held (Resize(0)).
    void Release();
    size_t bytes() const { return bytes_; }

   private:
    BodyBudget* budget_ = nullptr;
    size_t bytes_ = 0;
  };

 private:
  bool TryAdd(size_t delta);  // under mu_
  void Subtract(size_t delta);

  const size_t capacity_;
  mutable std::mutex mu_;
  std::condition_variable released_;
  size_t in_use_ = 0;  // guarded by mu_
  size_t peak_ = 0;    // guarded by mu_
};

}  // namespace statehouse::http
