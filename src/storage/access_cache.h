#pragma once

// A bounded cache of the authorizer's reads (AccessContext), valid for one
// change generation of the engine (Engine::AwaitChangeGeneration): an entry
// is served only while the generation it was read under is still current
// and it is younger than the time-to-live (a second line of defence, should
// a change ever go unannounced). Thread-safe.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "storage/access_store.h"

namespace statehouse::storage {

class AccessCache {
 public:
  using Clock = std::function<std::chrono::steady_clock::time_point()>;
  static constexpr size_t kDefaultMaxEntries = 4096;
  static constexpr std::chrono::seconds kDefaultTimeToLive{30};

  explicit AccessCache(size_t max_entries = kDefaultMaxEntries,
                       std::chrono::steady_clock::duration time_to_live = kDefaultTimeToLive,
                       Clock clock = [] { return std::chrono::steady_clock::now(); });

  // The key of `query` (every field; names as given, so "Dev" and "dev" are
  // two entries with the same content).
  static std::string Key(const AccessQuery& query);

  // The entry of `key` read under `generation`, unless it expired.
  std::optional<AccessContext> Find(const std::string& key, uint64_t generation);
  // Stores `context`, read under `generation` (the value taken before the
  // read began). When full, every entry is dropped first.
  void Insert(std::string key, uint64_t generation, const AccessContext& context);

  size_t size() const;

 private:
  struct Entry {
    uint64_t generation;
    std::chrono::steady_clock::time_point expires;
    AccessContext context;
  };

  const size_t max_entries_;
  const std::chrono::steady_clock::duration time_to_live_;
  const Clock clock_;
  mutable std::mutex mu_;
  uint64_t generation_ = 0;  // the newest generation seen; older entries are dropped
  std::unordered_map<std::string, Entry> entries_;
};

}  // namespace statehouse::storage
