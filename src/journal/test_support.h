#pragma once

// Helpers for the journal unit tests (header-only, included by *_test.cc).

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "crypto/crypto.h"
#include "journal/entry.h"
#include "journal/replayer.h"

// Entries are written with designated initializers that leave most members
// at their defaults.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace statehouse::journal::testing {

inline const ManifestInfo kManifest{"2026-12-03T00:00:00Z", "v3.260.0"};

// The manifest object every materialisation in these tests carries.
inline std::string ManifestJson() {
  return R"({"time":"2026-12-03T00:00:00Z","magic":"7dff0d166258e7f1d265e8e044021ea087795d58a0c6415ab6fe8b7c790e447f","version":"v3.260.0"})";
}

// One journal entry as the CLI writes it (keys in the CLI's order).
struct E {
  int64_t kind = 0;
  int64_t seq = 0;
  int64_t op = 0;
  std::optional<int64_t> remove_old;
  std::optional<int64_t> remove_new;
  std::string extra;  // further members, each starting with ','
};

inline std::string Json(const E& e) {
  auto opt = [](const std::optional<int64_t>& v) { return v ? std::to_string(*v) : std::string("null"); };
  return fmt::format(R"({{"version":1,"kind":{},"sequenceID":{},"operationID":{},"removeOld":{},"removeNew":{}{}}})",
                     e.kind, e.seq, e.op, opt(e.remove_old), opt(e.remove_new), e.extra);
}

inline std::string State(std::string_view resource) { return fmt::format(R"(,"state":{})", resource); }
inline std::string Op(std::string_view resource, std::string_view type) {
  return fmt::format(R"(,"operation":{{"resource":{},"type":"{}"}})", resource, type);
}

inline Entry Parse(const E& e) {
  auto entry = ParseEntry(Json(e));
  EXPECT_TRUE(entry.has_value()) << Json(e) << ": " << (entry ? "" : entry.error().message);
  return entry ? std::move(*entry) : Entry{};
}

inline std::vector<Entry> ParseAll(const std::vector<E>& es) {
  std::vector<Entry> out;
  for (const auto& e : es) out.push_back(Parse(e));
  return out;
}

inline Replayer MakeReplayer(std::string_view base_untyped, Replayer::Options options = {}) {
  auto replayer = Replayer::Create(base_untyped, options);
  EXPECT_TRUE(replayer.has_value()) << (replayer ? "" : replayer.error().message);
  return replayer ? std::move(*replayer) : Replayer(nullptr);
}

inline std::string Export(const Replayer& replayer) {
  auto m = replayer.Materialize(kManifest);
  EXPECT_TRUE(m.has_value()) << (m ? "" : m.error().message);
  return m ? m->untyped : std::string();
}

// Replaces "$M" with the test manifest.
inline std::string Expected(std::string text) {
  for (size_t pos; (pos = text.find("$M")) != std::string::npos;) text.replace(pos, 2, ManifestJson());
  return text;
}

inline ::testing::AssertionResult JsonEq(std::string_view actual, std::string_view expected) {
  boost::system::error_code ec;
  auto a = boost::json::parse(actual, ec);
  if (ec) return ::testing::AssertionFailure() << "actual is not JSON: " << actual;
  auto e = boost::json::parse(expected, ec);
  if (ec) return ::testing::AssertionFailure() << "expected is not JSON: " << expected;
  if (a == e) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "\nactual:   " << boost::json::serialize(a)
                                       << "\nexpected: " << boost::json::serialize(e);
}

// The CLI's integrity checks (§5.11) over an UntypedDeployment; "" when valid.
inline std::string IntegrityProblem(std::string_view untyped) {
  boost::system::error_code ec;
  auto doc = boost::json::parse(untyped, ec);
  if (ec || !doc.is_object()) return "not a JSON object";
  const auto* dep = doc.as_object().if_contains("deployment");
  if (!dep || !dep->is_object()) return "no deployment";
  const auto& d = dep->as_object();
  const auto& manifest = d.at("manifest").as_object();
  std::string version(manifest.at("version").as_string());
  std::string magic(manifest.at("magic").as_string());
  if (magic != (version.empty() ? std::string() : crypto::Sha256Hex(version))) return "magic cookie mismatch";
  const auto* resources = d.if_contains("resources");
  if (!resources) return "";
  std::set<std::string> seen;
  std::map<std::string, int> live;
  for (const auto& rv : resources->as_array()) {
    const auto& r = rv.as_object();
    auto str = [&](std::string_view key) -> std::string {
      const auto* v = r.if_contains(key);
      return v && v->is_string() ? std::string(v->as_string()) : std::string();
    };
    auto flag = [&](std::string_view key) {
      const auto* v = r.if_contains(key);
      return v && v->is_bool() && v->as_bool();
    };
    const std::string urn = str("urn");
    if (urn.empty() || str("type").empty()) return "resource without urn or type";
    if (const auto* custom = r.if_contains("custom"); custom && custom->is_bool() && !custom->as_bool() &&
                                                       !str("id").empty()) {
      return "component " + urn + " has an id";
    }
    auto must_precede = [&](const std::string& ref, std::string_view what) -> std::string {
      if (!ref.empty() && !seen.contains(ref)) return fmt::format("{} of {} refers to missing {}", what, urn, ref);
      return "";
    };
    if (auto p = must_precede(str("parent"), "parent"); !p.empty()) return p;
    if (auto p = must_precede(str("deletedWith"), "deletedWith"); !p.empty()) return p;
    if (const auto* deps = r.if_contains("dependencies")) {
      for (const auto& dv : deps->as_array()) {
        if (auto p = must_precede(std::string(dv.as_string()), "dependency"); !p.empty()) return p;
      }
    }
    if (const auto* pdeps = r.if_contains("propertyDependencies")) {
      for (const auto& [key, list] : pdeps->as_object()) {
        for (const auto& dv : list.as_array()) {
          if (auto p = must_precede(std::string(dv.as_string()), "property dependency"); !p.empty()) return p;
        }
      }
    }
    if (std::string provider = str("provider"); !provider.empty() && !flag("pendingReplacement")) {
      auto sep = provider.rfind("::");
      if (auto p = must_precede(provider.substr(0, sep), "provider"); !p.empty()) return p;
    }
    if (!flag("delete") && ++live[urn] > 1) return "duplicate resource " + urn + " not marked for deletion";
    seen.insert(urn);
  }
  return "";
}

}  // namespace statehouse::journal::testing
