#include "storage/access_cache.h"

#include <utility>

namespace statehouse::storage {

AccessCache::AccessCache(size_t max_entries, std::chrono::steady_clock::duration time_to_live,
                         Clock clock)
    : max_entries_(max_entries), time_to_live_(time_to_live), clock_(std::move(clock)) {}

std::string AccessCache::Key(const AccessQuery& query) {
  std::string key;
  key.reserve(query.token_hash.size() + query.user_id.size() + query.org_name.size() +
              query.project.size() + query.stack_name.size() + 5);
  // NUL cannot occur in a header value or a path parameter: the parts stay
  // apart.
  key.append(query.token_hash.empty() ? "u" : "t");
  for (const std::string* part :
       {&query.token_hash, &query.user_id, &query.org_name, &query.project, &query.stack_name}) {
    key.append(*part);
    key.push_back('\0');
  }
  return key;
}

std::optional<AccessContext> AccessCache::Find(const std::string& key, uint64_t generation) {
  std::lock_guard lock(mu_);
  if (generation != generation_) {
    // A newer generation makes every entry stale; an older one (a reader
    // that raced an announcement) finds nothing.
    if (generation > generation_) {
      entries_.clear();
      generation_ = generation;
    }
    return std::nullopt;
  }
  auto found = entries_.find(key);
  if (found == entries_.end()) return std::nullopt;
  if (found->second.generation != generation || clock_() >= found->second.expires) {
    entries_.erase(found);
    return std::nullopt;
  }
  return found->second.context;
}

void AccessCache::Insert(std::string key, uint64_t generation, const AccessContext& context) {
  std::lock_guard lock(mu_);
  if (generation < generation_) return;  // read before a change was heard of
  if (generation > generation_) {
    entries_.clear();
    generation_ = generation;
  }
  if (entries_.size() >= max_entries_) entries_.clear();
  entries_.insert_or_assign(std::move(key), Entry{generation, clock_() + time_to_live_, context});
}

size_t AccessCache::size() const {
  std::lock_guard lock(mu_);
  return entries_.size();
}

}  // namespace statehouse::storage
