// shared/spec/journaling.md §9 worked examples, each with its literal expected
// deployment(s).
#include <gtest/gtest.h>

#include "journal/test_support.h"

namespace statehouse::journal {
namespace {

using namespace testing;

constexpr std::string_view kS = "urn:pulumi:dev::proj::pulumi:pulumi:Stack::proj-dev";
constexpr std::string_view kP = "urn:pulumi:dev::proj::pulumi:providers:random::default_4_16_0";
constexpr std::string_view kPRef = "urn:pulumi:dev::proj::pulumi:providers:random::default_4_16_0::prov-1";

const std::string S = fmt::format(R"({{"urn":"{}","custom":false,"type":"pulumi:pulumi:Stack"}})", kS);
const std::string P = fmt::format(
    R"({{"urn":"{}","custom":true,"id":"prov-1","type":"pulumi:providers:random","inputs":{{"version":"4.16.0"}},"outputs":{{"version":"4.16.0"}}}})",
    kP);
const std::string kServiceSecrets =
    R"({"type":"service","state":{"url":"https://pulumi.example.com","owner":"alice","project":"proj","stack":"dev"}})";
const std::string kPassphrase = R"({"type":"passphrase","state":{"salt":"v1:abc"}})";
const std::string kOldManifest = R"({"time":"2026-01-01T00:00:00Z","magic":"","version":""})";

// A custom random resource.
std::string Random(std::string_view type, std::string_view name, std::string_view id, std::string_view extra) {
  std::string out = fmt::format(R"({{"urn":"urn:pulumi:dev::proj::random:index/{}::{}","custom":true,)", type, name);
  if (!id.empty()) out += fmt::format(R"("id":"{}",)", id);
  out += fmt::format(R"("type":"random:index/{}","parent":"{}","provider":"{}"{}}})", type, kS, kPRef, extra);
  return out;
}

std::string Base(const std::vector<std::string>& resources, std::string_view secrets) {
  std::string list;
  for (const auto& r : resources) list += (list.empty() ? "" : ",") + r;
  return fmt::format(R"({{"version":3,"deployment":{{"manifest":{},"secrets_providers":{},"resources":[{}],"metadata":{{}}}}}})",
                     kOldManifest, secrets, list);
}

std::string Doc(std::string_view secrets, const std::vector<std::string>& resources,
                const std::vector<std::string>& operations = {}) {
  std::string out = fmt::format(R"({{"version":3,"deployment":{{"manifest":$M,"secrets_providers":{})", secrets);
  auto list = [](const std::vector<std::string>& items) {
    std::string s;
    for (const auto& i : items) s += (s.empty() ? "" : ",") + i;
    return s;
  };
  if (!resources.empty()) out += fmt::format(R"(,"resources":[{}])", list(resources));
  if (!operations.empty()) out += fmt::format(R"(,"pending_operations":[{}])", list(operations));
  out += R"(,"metadata":{}}})";
  return Expected(out);
}

std::string PendingOp(std::string_view resource, std::string_view type) {
  return fmt::format(R"({{"resource":{},"type":"{}"}})", resource, type);
}

// Adds entries one request at a time and checks integrity after each.
void AddEach(Replayer& replayer, const std::vector<E>& es) {
  for (const auto& e : es) {
    auto entry = Parse(e);
    auto added = replayer.Add(std::span<const Entry>(&entry, 1));
    ASSERT_TRUE(added.has_value());
    EXPECT_EQ(IntegrityProblem(Export(replayer)), "") << "after entry " << e.seq;
  }
}

// ---------------------------------------------------------------------------
// §9.1 First `pulumi up` on an empty stack.

TEST(JournalExamples, FirstUpOnEmptyStack) {
  const std::string pet_op = fmt::format(
      R"({{"urn":"urn:pulumi:dev::proj::random:index/randomPet:RandomPet::pet","custom":true,"type":"random:index/randomPet:RandomPet","parent":"{}","provider":"{}","inputs":{{"length":2}}}})",
      kS, kPRef);
  const std::string P_op = fmt::format(R"({{"urn":"{}","custom":true,"type":"pulumi:providers:random","inputs":{{"version":"4.16.0"}}}})", kP);
  const std::string pet = Random("randomPet:RandomPet", "pet", "kind-yak",
                                 R"(,"inputs":{"length":2},"outputs":{"id":"kind-yak","length":2})");
  const std::string S_out = fmt::format(
      R"({{"urn":"{}","custom":false,"type":"pulumi:pulumi:Stack","outputs":{{"petName":"kind-yak"}}}})", kS);
  auto replayer = MakeReplayer(
      R"({"version":3,"deployment":{"manifest":{"time":"0001-01-01T00:00:00Z","magic":"","version":""},"metadata":{}}})");

  AddEach(replayer, {
                        {.kind = 6, .seq = 1, .op = 0, .extra = ",\"secretsProvider\":" + kServiceSecrets},
                        {.kind = 0, .seq = 2, .op = 1, .extra = Op(S, "creating")},
                        {.kind = 1, .seq = 3, .op = 1, .extra = State(S)},
                        {.kind = 0, .seq = 4, .op = 2, .extra = Op(P_op, "creating")},
                        {.kind = 1, .seq = 5, .op = 2, .extra = State(P)},
                        {.kind = 0, .seq = 6, .op = 3, .extra = Op(pet_op, "creating")},
                    });
  // The spec's literal export after request #4.
  EXPECT_TRUE(JsonEq(Export(replayer), Expected(fmt::format(
      R"({{"version":3,"deployment":{{"manifest":$M,
 "secrets_providers":{{"type":"service","state":{{"url":"https://pulumi.example.com","owner":"alice","project":"proj","stack":"dev"}}}},
 "resources":[
  {{"urn":"urn:pulumi:dev::proj::pulumi:pulumi:Stack::proj-dev","custom":false,"type":"pulumi:pulumi:Stack"}},
  {{"urn":"urn:pulumi:dev::proj::pulumi:providers:random::default_4_16_0","custom":true,"id":"prov-1","type":"pulumi:providers:random","inputs":{{"version":"4.16.0"}},"outputs":{{"version":"4.16.0"}}}}],
 "pending_operations":[{{"resource":{{"urn":"urn:pulumi:dev::proj::random:index/randomPet:RandomPet::pet","custom":true,"type":"random:index/randomPet:RandomPet","parent":"urn:pulumi:dev::proj::pulumi:pulumi:Stack::proj-dev","provider":"urn:pulumi:dev::proj::pulumi:providers:random::default_4_16_0::prov-1","inputs":{{"length":2}}}},"type":"creating"}}],
 "metadata":{{}}}}}})"))));

  AddEach(replayer, {
                        {.kind = 1, .seq = 7, .op = 3, .extra = State(pet)},
                        {.kind = 4, .seq = 8, .op = 4, .remove_new = 1, .extra = State(S_out)},
                    });
  auto final_doc = replayer.Materialize(kManifest);
  ASSERT_TRUE(final_doc.has_value());
  EXPECT_TRUE(JsonEq(final_doc->untyped, Doc(kServiceSecrets, {S_out, P, pet})));
  EXPECT_EQ(final_doc->resource_count, 3);
  EXPECT_EQ(final_doc->version, 3);
  EXPECT_TRUE(final_doc->features.empty());
  EXPECT_TRUE(JsonEq(final_doc->deployment(),
                     boost::json::serialize(boost::json::parse(final_doc->untyped).at("deployment"))));
  EXPECT_TRUE(replayer.warnings().empty());
}

// ---------------------------------------------------------------------------
// §9.2 Same, replace (create-before-delete), update, delete; out-of-order arrival.

struct Example92 {
  const std::string S_old = fmt::format(
      R"({{"urn":"{}","custom":false,"type":"pulumi:pulumi:Stack","outputs":{{"b":"old"}}}})", kS);
  const std::string S_new = fmt::format(
      R"({{"urn":"{}","custom":false,"type":"pulumi:pulumi:Stack","outputs":{{"b":"new"}}}})", kS);
  const std::string A_urn = "urn:pulumi:dev::proj::random:index/randomString:RandomString::a";
  const std::string A = Random("randomString:RandomString", "a", "a-1", R"(,"inputs":{"length":1})");
  const std::string A_deleted = Random("randomString:RandomString", "a", "a-1", R"(,"inputs":{"length":1},"delete":true)");
  const std::string A2_op = Random("randomString:RandomString", "a", "", R"(,"inputs":{"length":2})");
  const std::string A2 = Random("randomString:RandomString", "a", "a-2", R"(,"inputs":{"length":2})");
  const std::string B = Random("randomPet:RandomPet", "b", "b-1",
                               fmt::format(R"(,"inputs":{{"prefix":"x"}},"dependencies":["{}"])", A_urn));
  const std::string B2 = Random("randomPet:RandomPet", "b", "b-1",
                                fmt::format(R"(,"inputs":{{"prefix":"y"}},"dependencies":["{}"])", A_urn));
  const std::string C = Random("randomId:RandomId", "c", "c-1", R"(,"inputs":{"byteLength":4})");

  std::string base() const { return Base({S_old, P, A, B, C}, kServiceSecrets); }

  std::vector<E> entries() const {
    return {
        {.kind = 6, .seq = 1, .op = 0, .extra = ",\"secretsProvider\":" + kServiceSecrets},
        {.kind = 0, .seq = 2, .op = 1},
        {.kind = 1, .seq = 3, .op = 1, .remove_old = 0, .extra = State(S_old)},
        {.kind = 0, .seq = 4, .op = 2},
        {.kind = 1, .seq = 5, .op = 2, .remove_old = 1, .extra = State(P)},
        {.kind = 0, .seq = 6, .op = 3, .extra = Op(A2_op, "creating")},
        {.kind = 1, .seq = 7, .op = 3, .extra = ",\"deleteOld\":2" + State(A2)},
        {.kind = 0, .seq = 8, .op = 5, .extra = Op(B2, "updating")},
        {.kind = 1, .seq = 9, .op = 5, .remove_old = 3, .extra = State(B2)},
        {.kind = 4, .seq = 10, .op = 6, .remove_new = 1, .extra = State(S_new)},
        {.kind = 0, .seq = 11, .op = 7, .extra = Op(C, "deleting")},
        {.kind = 0, .seq = 12, .op = 8, .extra = Op(A_deleted, "deleting")},
        {.kind = 1, .seq = 13, .op = 8, .remove_old = 2},
        {.kind = 1, .seq = 14, .op = 7, .remove_old = 4},
    };
  }
  std::string after7() const { return Doc(kServiceSecrets, {S_old, P, A2, A_deleted, B, C}); }
  std::string after12() const {
    return Doc(kServiceSecrets, {S_new, P, A2, B2, A_deleted, C},
               {PendingOp(C, "deleting"), PendingOp(A_deleted, "deleting")});
  }
  std::string final_doc() const { return Doc(kServiceSecrets, {S_new, P, A2, B2}); }
};

TEST(JournalExamples, ReplaceUpdateDeleteInOrder) {
  Example92 ex;
  auto replayer = MakeReplayer(ex.base());
  auto entries = ex.entries();
  AddEach(replayer, std::vector<E>(entries.begin(), entries.begin() + 7));
  EXPECT_TRUE(JsonEq(Export(replayer), ex.after7()));
  AddEach(replayer, std::vector<E>(entries.begin() + 7, entries.begin() + 12));
  EXPECT_TRUE(JsonEq(Export(replayer), ex.after12()));
  AddEach(replayer, std::vector<E>(entries.begin() + 12, entries.end()));
  EXPECT_TRUE(JsonEq(Export(replayer), ex.final_doc()));
  EXPECT_TRUE(replayer.warnings().empty());
}

TEST(JournalExamples, ReplaceUpdateDeleteConcurrentDeletesArriveSwapped) {
  Example92 ex;
  auto replayer = MakeReplayer(ex.base());
  auto all = ParseAll(ex.entries());
  // …, #k [12, 11], #k+1 [14, 13]
  std::vector<Entry> first(all.begin(), all.begin() + 10);
  std::vector<Entry> k{all[11], all[10]};
  std::vector<Entry> k1{all[13], all[12]};
  ASSERT_TRUE(replayer.Add(first).has_value());
  ASSERT_TRUE(replayer.Add(k).has_value());
  EXPECT_TRUE(JsonEq(Export(replayer), ex.after12()));
  ASSERT_TRUE(replayer.Add(k1).has_value());
  EXPECT_TRUE(JsonEq(Export(replayer), ex.final_doc()));
}

// ---------------------------------------------------------------------------
// §9.3 Delete-before-replace, then crash or failure.

struct Example93 {
  const std::string D = Random("randomInteger:RandomInteger", "d", "d-1", R"(,"inputs":{"max":10})");
  const std::string D_pending =
      Random("randomInteger:RandomInteger", "d", "d-1", R"(,"inputs":{"max":10},"pendingReplacement":true)");
  const std::string D2_op = Random("randomInteger:RandomInteger", "d", "", R"(,"inputs":{"max":20})");
  const std::string D2 = Random("randomInteger:RandomInteger", "d", "d-2", R"(,"inputs":{"max":20})");

  std::vector<E> entries() const {
    return {
        {.kind = 6, .seq = 1, .op = 0, .extra = ",\"secretsProvider\":" + kPassphrase},
        {.kind = 0, .seq = 2, .op = 1},
        {.kind = 1, .seq = 3, .op = 1, .remove_old = 0, .extra = State(S)},
        {.kind = 0, .seq = 4, .op = 2},
        {.kind = 1, .seq = 5, .op = 2, .remove_old = 1, .extra = State(P)},
        {.kind = 0, .seq = 6, .op = 3, .extra = Op(D, "deleting")},
        {.kind = 1, .seq = 7, .op = 3, .extra = ",\"pendingReplacementOld\":2"},
        {.kind = 0, .seq = 8, .op = 5, .extra = Op(D2_op, "creating")},
    };
  }
};

TEST(JournalExamples, DeleteBeforeReplaceThenCrashSuccessOrFailure) {
  Example93 ex;
  auto replayer = MakeReplayer(Base({S, P, ex.D}, kPassphrase));
  auto entries = ex.entries();
  AddEach(replayer, std::vector<E>(entries.begin(), entries.begin() + 6));
  EXPECT_TRUE(JsonEq(Export(replayer), Doc(kPassphrase, {S, P, ex.D}, {PendingOp(ex.D, "deleting")})));
  AddEach(replayer, {entries[6]});
  EXPECT_TRUE(JsonEq(Export(replayer), Doc(kPassphrase, {S, P, ex.D_pending})));
  AddEach(replayer, {entries[7]});
  const std::string crashed = Doc(kPassphrase, {S, P, ex.D_pending}, {PendingOp(ex.D2_op, "creating")});
  EXPECT_TRUE(JsonEq(Export(replayer), crashed));

  Replayer succeeded = replayer;
  AddEach(succeeded, {{.kind = 1, .seq = 9, .op = 5, .remove_old = 2, .extra = State(ex.D2)}});
  EXPECT_TRUE(JsonEq(Export(succeeded), Doc(kPassphrase, {S, P, ex.D2})));

  Replayer failed = replayer;
  AddEach(failed, {{.kind = 2, .seq = 9, .op = 5, .extra = State(ex.D2)}});
  EXPECT_TRUE(JsonEq(Export(failed), Doc(kPassphrase, {S, P, ex.D_pending})));

  // The copies are independent of the original.
  EXPECT_TRUE(JsonEq(Export(replayer), crashed));
}

// ---------------------------------------------------------------------------
// §9.4 `pulumi up --refresh`: resource deleted out of band, index rebasing.

TEST(JournalExamples, RefreshThenUpdateRebasesIndices) {
  const std::string X_urn = "urn:pulumi:dev::proj::random:index/randomString:RandomString::x";
  const std::string X = Random("randomString:RandomString", "x", "x-1", R"(,"inputs":{"length":3})");
  const std::string deps = fmt::format(R"(,"dependencies":["{0}"],"propertyDependencies":{{"prefix":["{0}"]}})", X_urn);
  const std::string Y = Random("randomPet:RandomPet", "y", "y-1", R"(,"inputs":{"prefix":"p"})" + deps);
  const std::string Y_refreshed =
      Random("randomPet:RandomPet", "y", "y-1", R"(,"inputs":{"prefix":"p"},"outputs":{"id":"y-1"})" + deps);
  const std::string Y_pruned =
      Random("randomPet:RandomPet", "y", "y-1", R"(,"inputs":{"prefix":"p"},"outputs":{"id":"y-1"})");
  const std::string X2 = Random("randomString:RandomString", "x", "x-2", R"(,"inputs":{"length":3})");
  const std::string X2_op = Random("randomString:RandomString", "x", "", R"(,"inputs":{"length":3})");
  const std::string Y2 = Random("randomPet:RandomPet", "y", "y-2", R"(,"inputs":{"prefix":"q"})" + deps);
  const std::string Y2_op = Random("randomPet:RandomPet", "y", "y-1", R"(,"inputs":{"prefix":"q"})" + deps);

  auto replayer = MakeReplayer(Base({S, P, X, Y}, kServiceSecrets));
  AddEach(replayer, {
                        {.kind = 6, .seq = 1, .op = 0, .extra = ",\"secretsProvider\":" + kServiceSecrets},
                        {.kind = 0, .seq = 2, .op = 1},
                        {.kind = 0, .seq = 3, .op = 2},
                        {.kind = 0, .seq = 4, .op = 3},
                        {.kind = 0, .seq = 5, .op = 4},
                        {.kind = 3, .seq = 6, .op = 1, .remove_old = 0, .extra = State(S) + ",\"isRefresh\":true"},
                        {.kind = 3, .seq = 7, .op = 2, .remove_old = 1, .extra = State(P) + ",\"isRefresh\":true"},
                        {.kind = 3, .seq = 8, .op = 3, .remove_old = 2, .extra = ",\"isRefresh\":true"},
                        {.kind = 3, .seq = 9, .op = 4, .remove_old = 3, .extra = State(Y_refreshed) + ",\"isRefresh\":true"},
                        {.kind = 7, .seq = 10, .op = 0},
                    });
  EXPECT_TRUE(JsonEq(Export(replayer), Doc(kServiceSecrets, {S, P, Y_pruned})));
  AddEach(replayer, {
                        {.kind = 0, .seq = 11, .op = 5},
                        {.kind = 1, .seq = 12, .op = 5, .remove_old = 0, .extra = State(S)},
                        {.kind = 0, .seq = 13, .op = 6},
                        {.kind = 1, .seq = 14, .op = 6, .remove_old = 1, .extra = State(P)},
                        {.kind = 0, .seq = 15, .op = 7, .extra = Op(X2_op, "creating")},
                        {.kind = 1, .seq = 16, .op = 7, .extra = State(X2)},
                        {.kind = 0, .seq = 17, .op = 8, .extra = Op(Y2_op, "updating")},
                        {.kind = 1, .seq = 18, .op = 8, .remove_old = 2, .extra = State(Y2)},
                    });
  EXPECT_TRUE(JsonEq(Export(replayer), Doc(kServiceSecrets, {S, P, X2, Y2})));
  EXPECT_TRUE(replayer.warnings().empty());
}

// ---------------------------------------------------------------------------
// §9.5 The CLI's "vexing deployment" ordering.

TEST(JournalExamples, VexingDeploymentMergeOrder) {
  auto urn = [](std::string_view n) { return fmt::format("urn:pulumi:test::test::pkgA:m:typA::{}", n); };
  auto res = [&](std::string_view n, std::vector<std::string_view> deps, std::string_view extra = "") {
    std::string list;
    for (auto d : deps) list += fmt::format(R"({}"{}")", list.empty() ? "" : ",", urn(d));
    std::string out = fmt::format(R"({{"urn":"{}","custom":true,"id":"id-{}","type":"pkgA:m:typA")", urn(n), n);
    if (!deps.empty()) out += fmt::format(R"(,"dependencies":[{}])", list);
    return out + std::string(extra) + "}";
  };
  const std::string a = res("a", {}), b = res("b", {"a"}), c = res("c", {"a", "b"}), d = res("d", {"c"}),
                    e = res("e", {"c"});
  const std::string b2 = res("b", {}), c2 = res("c", {"b"}), d2 = res("d", {"c"});
  const std::string c_deleted = res("c", {"a", "b"}, R"(,"delete":true)");
  auto replayer = MakeReplayer(fmt::format(R"({{"version":3,"deployment":{{"manifest":{},"resources":[{},{},{},{},{}]}}}})",
                                           kOldManifest, a, b, c, d, e));
  AddEach(replayer, {
                        {.kind = 0, .seq = 1, .op = 1},
                        {.kind = 1, .seq = 2, .op = 1, .remove_old = 1, .extra = State(b2)},
                        {.kind = 0, .seq = 3, .op = 2, .extra = Op(c2, "creating")},
                        {.kind = 1, .seq = 4, .op = 2, .extra = ",\"deleteOld\":2" + State(c2)},
                        {.kind = 0, .seq = 5, .op = 4, .extra = Op(d2, "updating")},
                        {.kind = 1, .seq = 6, .op = 4, .remove_old = 3, .extra = State(d2)},
                    });
  EXPECT_TRUE(JsonEq(Export(replayer),
                     Expected(fmt::format(R"({{"version":3,"deployment":{{"manifest":$M,"resources":[{},{},{},{},{},{}],"metadata":{{}}}}}})",
                                          b2, c2, d2, a, c_deleted, e))));
}

// ---------------------------------------------------------------------------
// §9.6 Alias normalisation mid-update.

TEST(JournalExamples, AliasNormalisationRewritesBaseChildren) {
  const std::string C = fmt::format(R"({{"urn":"urn:pulumi:dev::proj::my:comp:Old::c","custom":false,"type":"my:comp:Old","parent":"{}"}})", kS);
  const std::string K = fmt::format(
      R"({{"urn":"urn:pulumi:dev::proj::my:comp:Old$random:index/randomPet:RandomPet::k","custom":true,"id":"k-1","type":"random:index/randomPet:RandomPet","parent":"urn:pulumi:dev::proj::my:comp:Old::c","provider":"{}"}})",
      kPRef);
  const std::string C2 = fmt::format(
      R"({{"urn":"urn:pulumi:dev::proj::my:comp:New::c","custom":false,"type":"my:comp:New","parent":"{}","aliases":["urn:pulumi:dev::proj::my:comp:Old::c"]}})",
      kS);
  const std::string C2_out = fmt::format(
      R"({{"urn":"urn:pulumi:dev::proj::my:comp:New::c","custom":false,"type":"my:comp:New","parent":"{}"}})", kS);
  const std::string K_out = fmt::format(
      R"({{"urn":"urn:pulumi:dev::proj::my:comp:New$random:index/randomPet:RandomPet::k","custom":true,"id":"k-1","type":"random:index/randomPet:RandomPet","parent":"urn:pulumi:dev::proj::my:comp:New::c","provider":"{}"}})",
      kPRef);
  auto replayer = MakeReplayer(Base({S, P, C, K}, kServiceSecrets));
  AddEach(replayer, {
                        {.kind = 6, .seq = 1, .op = 0, .extra = ",\"secretsProvider\":" + kServiceSecrets},
                        {.kind = 0, .seq = 2, .op = 1},
                        {.kind = 1, .seq = 3, .op = 1, .remove_old = 0, .extra = State(S)},
                        {.kind = 0, .seq = 4, .op = 2},
                        {.kind = 1, .seq = 5, .op = 2, .remove_old = 1, .extra = State(P)},
                        {.kind = 0, .seq = 6, .op = 3},
                        {.kind = 1, .seq = 7, .op = 3, .remove_old = 2, .extra = State(C2)},
                    });
  EXPECT_TRUE(JsonEq(Export(replayer), Doc(kServiceSecrets, {S, P, C2_out, K_out})));
}

// ---------------------------------------------------------------------------
// §9.7 Write entry (old stack migrated to first-class providers).

TEST(JournalExamples, WriteEntryReplacesTheBase) {
  const std::string pet_old = fmt::format(
      R"({{"urn":"urn:pulumi:dev::proj::random:index/randomPet:RandomPet::pet","custom":true,"id":"pet-1","type":"random:index/randomPet:RandomPet","parent":"{}"}})",
      kS);
  const std::string P0 = R"({"urn":"urn:pulumi:dev::proj::pulumi:providers:random::default","custom":true,"id":"prov-0","type":"pulumi:providers:random"})";
  const std::string pet = fmt::format(
      R"({{"urn":"urn:pulumi:dev::proj::random:index/randomPet:RandomPet::pet","custom":true,"id":"pet-1","type":"random:index/randomPet:RandomPet","parent":"{}","provider":"urn:pulumi:dev::proj::pulumi:providers:random::default::prov-0"}})",
      kS);
  auto replayer = MakeReplayer(Base({S, pet_old}, kPassphrase));
  AddEach(replayer,
          {
              {.kind = 6, .seq = 1, .op = 0, .extra = ",\"secretsProvider\":" + kPassphrase},
              {.kind = 5, .seq = 2, .op = 0,
               .extra = fmt::format(R"(,"newSnapshot":{{"manifest":{{"time":"2019-01-01T00:00:00Z","magic":"","version":""}},"secrets_providers":{},"resources":[{},{},{}],"metadata":{{}}}})",
                                    kPassphrase, P0, S, pet)},
              {.kind = 0, .seq = 3, .op = 1},
              {.kind = 1, .seq = 4, .op = 1, .remove_old = 1, .extra = State(S)},
          });
  EXPECT_TRUE(JsonEq(Export(replayer), Doc(kPassphrase, {S, P0, pet})));
}

// ---------------------------------------------------------------------------
// §9.8 Small cases.

TEST(JournalExamples, DestroyLeavesNoResourcesKey) {
  const std::string A = Random("randomString:RandomString", "a", "a-1", "");
  auto replayer = MakeReplayer(Base({S, P, A}, kServiceSecrets));
  AddEach(replayer, {
                        {.kind = 6, .seq = 1, .op = 0, .extra = ",\"secretsProvider\":" + kServiceSecrets},
                        {.kind = 0, .seq = 2, .op = 1, .extra = Op(A, "deleting")},
                        {.kind = 1, .seq = 3, .op = 1, .remove_old = 2},
                        {.kind = 0, .seq = 4, .op = 2, .extra = Op(P, "deleting")},
                        {.kind = 1, .seq = 5, .op = 2, .remove_old = 1},
                        {.kind = 0, .seq = 6, .op = 3, .extra = Op(S, "deleting")},
                        {.kind = 1, .seq = 7, .op = 3, .remove_old = 0},
                    });
  auto m = replayer.Materialize(kManifest);
  ASSERT_TRUE(m.has_value());
  EXPECT_TRUE(JsonEq(m->untyped, Expected(R"({"version":3,"deployment":{"manifest":$M,"secrets_providers":)" +
                                          kServiceSecrets + R"(,"metadata":{}}})")));
  EXPECT_EQ(m->resource_count, 0);
}

TEST(JournalExamples, RefreshOnlyOnEmptyStack) {
  auto replayer = MakeReplayer(R"({"version":3,"deployment":{"manifest":{"time":"0001-01-01T00:00:00Z","magic":"","version":""},"metadata":{}}})");
  AddEach(replayer, {
                        {.kind = 6, .seq = 1, .op = 0, .extra = ",\"secretsProvider\":" + kServiceSecrets},
                        {.kind = 7, .seq = 2, .op = 0},
                    });
  EXPECT_TRUE(JsonEq(Export(replayer), Expected(R"({"version":3,"deployment":{"manifest":$M,"secrets_providers":)" +
                                                kServiceSecrets + R"(,"metadata":{}}})")));
}

TEST(JournalExamples, ExtensionsFromBaseEntriesAndClashes) {
  const std::string base = R"({"version":3,"deployment":{"manifest":{"time":"2026-01-01T00:00:00Z","magic":"","version":""},"metadata":{},"extensions":{"base-ref":{"name":"base-ext","version":"1.0.0","value":"YmFzZWxpbmU="}}}})";
  {
    auto replayer = MakeReplayer(base);
    EXPECT_TRUE(JsonEq(Export(replayer), Expected(R"({"version":3,"deployment":{"manifest":$M,"metadata":{},"extensions":{"base-ref":{"name":"base-ext","version":"1.0.0","value":"YmFzZWxpbmU="}}}})")));
  }
  {
    auto replayer = MakeReplayer(base);
    AddEach(replayer, {
                          {.kind = 8, .seq = 1, .op = 4, .extra = R"(,"extensionRef":"ref-1","extension":{"name":"myext","version":"1.0.0","value":"SGVsbG8="})"},
                          {.kind = 8, .seq = 2, .op = 5, .extra = R"(,"extensionRef":"base-ref","extension":{"name":"other","version":"2.0.0","value":"eA=="})"},
                      });
    EXPECT_TRUE(JsonEq(Export(replayer), Expected(R"({"version":3,"deployment":{"manifest":$M,"metadata":{},"extensions":{"base-ref":{"name":"base-ext","version":"1.0.0","value":"YmFzZWxpbmU="},"ref-1":{"name":"myext","version":"1.0.0","value":"SGVsbG8="}}}})")));
  }
}

TEST(JournalExamples, RequiresByteStringGivesVersion4) {
  const std::string A = Random("randomString:RandomString", "a", "a-1",
                               R"(,"outputs":{"s":{"4dabf18193072939515e22adb298388d":"1b47061264138c4ac30d75fd1eb44270","ciphertext":"djE6eHl6"}})");
  auto replayer = MakeReplayer(Base({S, P}, kServiceSecrets));
  AddEach(replayer, {
                        {.kind = 0, .seq = 1, .op = 1},
                        {.kind = 1, .seq = 2, .op = 1, .remove_old = 0, .extra = State(S)},
                        {.kind = 0, .seq = 3, .op = 2},
                        {.kind = 1, .seq = 4, .op = 2, .remove_old = 1, .extra = State(P)},
                        {.kind = 0, .seq = 5, .op = 3, .extra = Op(A, "creating")},
                        {.kind = 1, .seq = 6, .op = 3, .extra = State(A) + ",\"requiresByteString\":true"},
                    });
  auto m = replayer.Materialize(kManifest);
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->version, 4);
  EXPECT_EQ(m->features, std::vector<std::string>{"byteString"});
  std::string expected = Doc(kServiceSecrets, {S, P, A});
  expected.replace(expected.find(R"("version":3)"), 11, R"("version":4,"features":["byteString"])");
  EXPECT_TRUE(JsonEq(m->untyped, expected));
}

TEST(JournalExamples, TargetedRefreshPrunesDanglingReplaceWith) {
  auto urn = [](std::string_view n) { return fmt::format("urn:pulumi:test::test::pkgA:m:typA::{}", n); };
  auto res = [&](std::string_view n, std::string_view extra = "") {
    return fmt::format(R"({{"urn":"{}","custom":true,"id":"id-{}","type":"pkgA:m:typA"{}}})", urn(n), n, extra);
  };
  const std::string a = res("a"), b = res("b"), unrelated = res("unrelated");
  const std::string dependent = res("dependent", fmt::format(R"(,"replaceWith":["{}","{}"])", urn("a"), urn("b")));
  const std::string dependent_out = res("dependent", fmt::format(R"(,"replaceWith":["{}"])", urn("a")));
  auto replayer = MakeReplayer(fmt::format(R"({{"version":4,"features":["replaceWith"],"deployment":{{"manifest":{},"resources":[{},{},{},{}],"metadata":{{}}}}}})",
                                           kOldManifest, a, b, unrelated, dependent));
  AddEach(replayer, {{.kind = 3, .seq = 1, .op = 1, .remove_old = 1}});
  EXPECT_TRUE(JsonEq(Export(replayer),
                     Expected(fmt::format(R"({{"version":4,"features":["replaceWith"],"deployment":{{"manifest":$M,"resources":[{},{},{}],"metadata":{{}}}}}})",
                                          a, unrelated, dependent_out))));
}

}  // namespace
}  // namespace statehouse::journal
