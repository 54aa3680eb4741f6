#pragma once

// The journal entries of shared/spec/journaling.md §9.1 ("First `pulumi up`
// on an empty stack") as the CLI sends them, with the deployments the spec
// gives for them, for tests of the journaling wiring (header-only).

#include <boost/json.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace statehouse::testing::journal_example {

inline const std::string kS = "urn:pulumi:dev::proj::pulumi:pulumi:Stack::proj-dev";
inline const std::string kP = "urn:pulumi:dev::proj::pulumi:providers:random::default_4_16_0";
inline const std::string kPRef = kP + "::prov-1";
inline const std::string kPetUrn = "urn:pulumi:dev::proj::random:index/randomPet:RandomPet::pet";

inline const std::string kSecrets =
    R"({"type":"service","state":{"url":"https://pulumi.example.com","owner":"alice","project":"proj","stack":"dev"}})";
inline const std::string kStack =
    R"({"urn":")" + kS + R"(","custom":false,"type":"pulumi:pulumi:Stack"})";
inline const std::string kStackOut =
    R"({"urn":")" + kS +
    R"(","custom":false,"type":"pulumi:pulumi:Stack","outputs":{"petName":"kind-yak"}})";
inline const std::string kProviderOp =
    R"({"urn":")" + kP + R"(","custom":true,"type":"pulumi:providers:random","inputs":{"version":"4.16.0"}})";
inline const std::string kProvider =
    R"({"urn":")" + kP +
    R"(","custom":true,"id":"prov-1","type":"pulumi:providers:random","inputs":{"version":"4.16.0"},"outputs":{"version":"4.16.0"}})";
inline const std::string kPetOp = R"({"urn":")" + kPetUrn +
                                  R"(","custom":true,"type":"random:index/randomPet:RandomPet","parent":")" +
                                  kS + R"(","provider":")" + kPRef + R"(","inputs":{"length":2}})";
inline const std::string kPet =
    R"({"urn":")" + kPetUrn +
    R"(","custom":true,"id":"kind-yak","type":"random:index/randomPet:RandomPet","parent":")" + kS +
    R"(","provider":")" + kPRef + R"(","inputs":{"length":2},"outputs":{"id":"kind-yak","length":2}})";

inline std::string Entry(int kind, int seq, int op, std::string_view remove_new,
                         std::string_view extra) {
  return R"({"version":1,"kind":)" + std::to_string(kind) + R"(,"sequenceID":)" +
         std::to_string(seq) + R"(,"operationID":)" + std::to_string(op) +
         R"(,"removeOld":null,"removeNew":)" + std::string(remove_new) + std::string(extra) + "}";
}

// Entries 1..8 (index i holds sequenceID i+1).
inline std::vector<std::string> Entries() {
  return {
      Entry(6, 1, 0, "null", R"(,"secretsProvider":)" + kSecrets),
      Entry(0, 2, 1, "null", R"(,"operation":{"resource":)" + kStack + R"(,"type":"creating"})"),
      Entry(1, 3, 1, "null", R"(,"state":)" + kStack),
      Entry(0, 4, 2, "null", R"(,"operation":{"resource":)" + kProviderOp + R"(,"type":"creating"})"),
      Entry(1, 5, 2, "null", R"(,"state":)" + kProvider),
      Entry(0, 6, 3, "null", R"(,"operation":{"resource":)" + kPetOp + R"(,"type":"creating"})"),
      Entry(1, 7, 3, "null", R"(,"state":)" + kPet),
      Entry(4, 8, 4, "1", R"(,"state":)" + kStackOut),
  };
}

// A request body holding the entries with these sequence IDs.
inline std::string Batch(std::initializer_list<int> sequence_ids) {
  const auto all = Entries();
  std::string body = R"({"entries":[)";
  bool first = true;
  for (int seq : sequence_ids) {
    if (!first) body += ",";
    first = false;
    body += all.at(static_cast<size_t>(seq - 1));
  }
  return body + "]}";
}

// The `deployment` object after entries 1–6 and after all of them, without
// its manifest.
inline std::string MidDeployment() {
  return R"({"secrets_providers":)" + kSecrets + R"(,"resources":[)" + kStack + "," + kProvider +
         R"(],"pending_operations":[{"resource":)" + kPetOp + R"(,"type":"creating"}],"metadata":{}})";
}
inline std::string FinalDeployment() {
  return R"({"secrets_providers":)" + kSecrets + R"(,"resources":[)" + kStackOut + "," + kProvider +
         "," + kPet + R"(],"metadata":{}})";
}

// Empty when `untyped` (an UntypedDeployment text) is version 3 without
// features, its manifest has a time and a magic, and its deployment minus the
// manifest equals `expected_deployment`; else what differs.
inline std::string Mismatch(std::string_view untyped, std::string_view expected_deployment) {
  boost::system::error_code ec;
  boost::json::value doc = boost::json::parse(untyped, ec);
  if (ec || !doc.is_object()) return "not a JSON object: " + std::string(untyped);
  const auto& o = doc.as_object();
  if (o.if_contains("features") != nullptr) return "unexpected features";
  if (const auto* v = o.if_contains("version"); v == nullptr || !v->is_int64() || v->as_int64() != 3) {
    return "version is not 3";
  }
  const auto* dep = o.if_contains("deployment");
  if (dep == nullptr || !dep->is_object()) return "no deployment";
  boost::json::object d = dep->as_object();
  const auto* manifest = d.if_contains("manifest");
  if (manifest == nullptr || !manifest->is_object() ||
      manifest->as_object().if_contains("time") == nullptr ||
      manifest->as_object().if_contains("magic") == nullptr) {
    return "bad manifest";
  }
  d.erase("manifest");
  boost::json::value expected = boost::json::parse(expected_deployment);
  if (boost::json::value(d) != expected) {
    return "deployment differs:\n  got      " + boost::json::serialize(d) + "\n  expected " +
           boost::json::serialize(expected);
  }
  return "";
}

}  // namespace statehouse::testing::journal_example
