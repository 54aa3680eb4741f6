#pragma once

// Shared fixture of the storage conformance suites (*_conformance_test.cc):
// every backend must pass them unchanged. The tests use only the abstract
// interface; a backend joins by adding its StoreFactory to
// ConformanceBackends() (conformance_backends_test.cc). Test-only header.

#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <filesystem>
#include <functional>
#include <mutex>
#include <ostream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "storage/store.h"

namespace statehouse::storage {

// Opens a fresh, empty store whose files (if any) live under `scratch_dir`.
// Returns null (after reporting why) on failure.
struct StoreFactory {
  std::string name;
  std::function<StorePtr(const std::string& scratch_dir)> open;
};

inline void PrintTo(const StoreFactory& factory, std::ostream* os) { *os << factory.name; }

// Collects failures reported from many threads: counts them and keeps the
// first message. Thread-safe.
class ThreadFailures {
 public:
  void Add(const std::string& what) {
    if (count_.fetch_add(1) == 0) {
      std::lock_guard lock(mu_);
      first_ = what;
    }
  }
  int count() const { return count_.load(); }
  std::string first() const {
    std::lock_guard lock(mu_);
    return first_;
  }

 private:
  std::atomic<int> count_{0};
  mutable std::mutex mu_;
  std::string first_;
};

// Every backend the conformance suites run against.
std::vector<StoreFactory> ConformanceBackends();

inline std::string FactoryName(const ::testing::TestParamInfo<StoreFactory>& info) {
  return info.param.name;
}

template <class T>
std::string ErrorText(const Result<T>& result) {
  if (result) return "ok";
  return "code " + std::to_string(static_cast<int>(result.error().code)) + ": " +
         result.error().message + " [" + result.error().detail + "]";
}

#define SH_EXPECT_OK(expr)                                        \
  do {                                                            \
    const auto& sh_result_ = (expr);                              \
    EXPECT_TRUE(sh_result_.has_value()) << ErrorText(sh_result_); \
  } while (0)

#define SH_ASSERT_OK(expr)                                        \
  do {                                                            \
    const auto& sh_result_ = (expr);                              \
    ASSERT_TRUE(sh_result_.has_value()) << ErrorText(sh_result_); \
  } while (0)

#define SH_EXPECT_ERROR(expr, expected_code)                                              \
  do {                                                                                    \
    const auto& sh_result_ = (expr);                                                      \
    ASSERT_FALSE(sh_result_.has_value()) << "expected an error";                          \
    EXPECT_EQ(static_cast<int>(sh_result_.error().code), static_cast<int>(expected_code)) \
        << ErrorText(sh_result_);                                                         \
  } while (0)

inline constexpr int64_t kT0 = 1'700'000'000;

inline UserRecord MakeUser(const std::string& id, const std::string& login) {
  UserRecord user;
  user.id = id;
  user.login = login;
  user.name = "Name of " + login;
  user.email = login + "@example.com";
  user.created = kT0;
  return user;
}

inline OrgRecord MakeOrg(const std::string& id, const std::string& name) {
  OrgRecord org;
  org.id = id;
  org.name = name;
  org.created = kT0 + 1;
  return org;
}

inline TokenRecord MakeToken(const std::string& id, const std::string& user_id, int64_t created) {
  TokenRecord token;
  token.id = id;
  token.user_id = user_id;
  token.name = "token " + id;
  token.description = "description of " + id;
  token.created = created;
  return token;
}

inline StackRecord MakeStack(const std::string& id, const OrgRecord& org, const std::string& project,
                      const std::string& name) {
  StackRecord stack;
  stack.id = id;
  stack.org_id = org.id;
  stack.org_name = org.name;
  stack.project = project;
  stack.name = name;
  stack.created_by = "u-owner";
  stack.created = kT0 + 10;
  return stack;
}

inline std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

inline std::string Key(const StackRecord& stack) {
  return stack.org_name + "/" + stack.project + "/" + stack.name;
}

// A JSON-shaped document of at least `size` bytes with multi-byte UTF-8,
// escapes, irregular whitespace and CRLF line ends; deterministic.
inline std::string MakeDeployment(size_t size, uint32_t seed) {
  std::mt19937 rng(seed);
  std::string text = "{\r\n  \"version\": 3,\n\t\"deployment\": {\"resources\": [";
  text.reserve(size + 256);
  int n = 0;
  while (text.size() < size) {
    if (n++ > 0) text += ",";
    text += std::string(rng() % 4, ' ');
    text += "{\"urn\": \"urn:pulumi:dev::proj::aws:s3/bucket:Bucket::b" + std::to_string(rng()) +
            "\", \"note\": \"caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80 \\\"q\\\" \\n\",";
    text += "  \"n\": " + std::to_string(static_cast<int32_t>(rng())) + ".50, \"ok\": true}";
    if (rng() % 3 == 0) text += "\r\n";
  }
  text += "]}}  \n";
  return text;
}

class StoreConformanceTest : public ::testing::TestWithParam<StoreFactory> {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/statehouse-store-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
    store_ = GetParam().open(dir_);
    ASSERT_NE(store_, nullptr) << "cannot open " << GetParam().name << " store";
  }

  void TearDown() override {
    store_.reset();
    if (!dir_.empty()) {
      std::error_code ignored;
      std::filesystem::remove_all(dir_, ignored);
    }
  }

  // Creates user `login` (id "u-<login>") with personal org "<login>"
  // (id "o-<login>") and returns the org.
  OrgRecord AddUser(const std::string& login) {
    OrgRecord org = MakeOrg("o-" + login, login);
    auto created =
        store_->CreateUserWithPersonalOrg(MakeUser("u-" + login, login), org, std::nullopt, "");
    EXPECT_TRUE(created.has_value()) << ErrorText(created);
    return org;
  }

  std::vector<StackRecord> ListAll(StackQuery query) {
    std::vector<StackRecord> all;
    for (int page = 0; page < 1000; ++page) {
      auto stacks = store_->ListStacks(query);
      EXPECT_TRUE(stacks.has_value()) << ErrorText(stacks);
      if (!stacks || stacks->empty()) break;
      all.insert(all.end(), stacks->begin(), stacks->end());
      const StackRecord& last = stacks->back();
      query.after = StackQuery::Position{last.org_name, last.project, last.name};
    }
    return all;
  }

  std::string dir_;
  StorePtr store_;
};

}  // namespace statehouse::storage
