#include "http/body_budget.h"

#include <algorithm>
#include <utility>

namespace statehouse::http {

size_t BodyBudget::in_use() const {
  std::lock_guard lock(mu_);
  return in_use_;
}

size_t BodyBudget::peak() const {
  std::lock_guard lock(mu_);
  return peak_;
}

bool BodyBudget::TryAdd(size_t delta) {
  if (capacity_ != 0 && (delta > capacity_ || in_use_ > capacity_ - delta)) return false;
  in_use_ += delta;
  peak_ = std::max(peak_, in_use_);
  return true;
}

void BodyBudget::Subtract(size_t delta) {
  if (delta == 0) return;
  {
    std::lock_guard lock(mu_);
    in_use_ -= std::min(delta, in_use_);
  }
  released_.notify_all();
}

BodyBudget::Reservation::Reservation(Reservation&& other) noexcept
    : budget_(std::exchange(other.budget_, nullptr)), bytes_(std::exchange(other.bytes_, 0)) {}

BodyBudget::Reservation& BodyBudget::Reservation::operator=(Reservation&& other) noexcept {
  if (this != &other) {
    Release();
    budget_ = std::exchange(other.budget_, nullptr);
    bytes_ = std::exchange(other.bytes_, 0);
  }
  return *this;
}

bool BodyBudget::Reservation::Resize(size_t bytes) {
  return ResizeWaiting(bytes, std::chrono::milliseconds(0));
}

bool BodyBudget::Reservation::ResizeWaiting(size_t bytes, std::chrono::milliseconds wait) {
  if (budget_ == nullptr) {
    bytes_ = bytes;
    return true;
  }
  if (bytes <= bytes_) {
    budget_->Subtract(bytes_ - bytes);
    bytes_ = bytes;
    return true;
  }
  const size_t delta = bytes - bytes_;
  std::unique_lock lock(budget_->mu_);
  bool added = budget_->TryAdd(delta);
  if (!added && wait.count() > 0 &&
      (budget_->capacity_ == 0 || bytes <= budget_->capacity_)) {
    added = budget_->released_.wait_for(lock, wait, [&] { return budget_->TryAdd(delta); });
  }
  if (!added) return false;
  bytes_ = bytes;
  return true;
}

void BodyBudget::Reservation::Release() {
  if (budget_ != nullptr) budget_->Subtract(bytes_);
  bytes_ = 0;
}

}  // namespace statehouse::http
