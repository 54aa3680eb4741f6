// The CLI's own replayer cases (shared/spec/journaling.md §10), robustness
// (§5.10), ordering and rebuild-equals-incremental.
#include "journal/replayer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "journal/test_support.h"

namespace statehouse::journal {
namespace {

using namespace testing;

std::string Urn(std::string_view name) { return fmt::format("urn:pulumi:test::test::pkgA:m:typA::{}", name); }

// A custom resource `name` with optional extra members.
std::string Res(std::string_view name, std::string_view extra = "") {
  return fmt::format(R"({{"urn":"{}","custom":true,"id":"id-{}","type":"pkgA:m:typA"{}}})", Urn(name), name, extra);
}

std::string BaseOf(const std::vector<std::string>& resources, std::string_view extra = "") {
  std::string list;
  for (const auto& r : resources) list += (list.empty() ? "" : ",") + r;
  return fmt::format(
      R"({{"version":3,"deployment":{{"manifest":{{"time":"2026-01-01T00:00:00Z","magic":"","version":""}},"resources":[{}],"metadata":{{}}{}}}}})",
      list, extra);
}

std::string DocOf(const std::vector<std::string>& resources, const std::vector<std::string>& operations = {}) {
  std::string out = R"({"version":3,"deployment":{"manifest":$M)";
  auto list = [](const std::vector<std::string>& items) {
    std::string s;
    for (const auto& i : items) s += (s.empty() ? "" : ",") + i;
    return s;
  };
  if (!resources.empty()) out += fmt::format(R"(,"resources":[{}])", list(resources));
  if (!operations.empty()) out += fmt::format(R"(,"pending_operations":[{}])", list(operations));
  return Expected(out + R"(,"metadata":{}}})");
}

std::string Pending(std::string_view resource, std::string_view type) {
  return fmt::format(R"({{"resource":{},"type":"{}"}})", resource, type);
}

std::string Replay(std::string_view base, const std::vector<E>& es, bool check_integrity = true) {
  auto replayer = MakeReplayer(base);
  auto entries = ParseAll(es);
  auto added = replayer.Add(entries);
  EXPECT_TRUE(added.has_value());
  std::string out = Export(replayer);
  if (check_integrity) {
    EXPECT_EQ(IntegrityProblem(out), "") << out;
  }
  return out;
}

// --- §10 journaler snapshot manager cases ----------------------------------

TEST(JournalReplayer, SamesWithChangedAndReorderedDependencies) {
  // B no longer depends on A, A now depends on B: result [B, A].
  const std::string a = Res("a"), b = Res("b", fmt::format(R"(,"dependencies":["{}"])", Urn("a")));
  const std::string b2 = Res("b"), a2 = Res("a", fmt::format(R"(,"dependencies":["{}"])", Urn("b")));
  EXPECT_TRUE(JsonEq(Replay(BaseOf({a, b}), {{.kind = 0, .seq = 1, .op = 1},
                                             {.kind = 1, .seq = 2, .op = 1, .remove_old = 1, .extra = State(b2)},
                                             {.kind = 0, .seq = 3, .op = 2},
                                             {.kind = 1, .seq = 4, .op = 2, .remove_old = 0, .extra = State(a2)}}),
                     DocOf({b2, a2})));
}

TEST(JournalReplayer, IdenticalSamesReproduceTheBase) {
  const std::string a = Res("a"), b = Res("b", R"(,"inputs":{"list":[]},"dependencies":[])");
  EXPECT_TRUE(JsonEq(Replay(BaseOf({a, b}), {{.kind = 0, .seq = 1, .op = 1},
                                             {.kind = 1, .seq = 2, .op = 1, .remove_old = 0, .extra = State(a)},
                                             {.kind = 0, .seq = 3, .op = 2},
                                             {.kind = 1, .seq = 4, .op = 2, .remove_old = 1, .extra = State(b)}}),
                     DocOf({a, b})));
}

TEST(JournalReplayer, CreateBeginSuccessFailure) {
  const std::string a = Res("a"), a_op = R"({"urn":"urn:pulumi:test::test::pkgA:m:typA::a","custom":true,"type":"pkgA:m:typA"})";
  const std::string base = BaseOf({});
  std::vector<E> begin{{.kind = 0, .seq = 1, .op = 1, .extra = Op(a_op, "creating")}};
  EXPECT_TRUE(JsonEq(Replay(base, begin), DocOf({}, {Pending(a_op, "creating")})));
  auto success = begin;
  success.push_back({.kind = 1, .seq = 2, .op = 1, .extra = State(a)});
  EXPECT_TRUE(JsonEq(Replay(base, success), DocOf({a})));
  auto failure = begin;
  failure.push_back({.kind = 2, .seq = 2, .op = 1, .extra = State(a)});
  EXPECT_TRUE(JsonEq(Replay(base, failure), DocOf({})));
}

TEST(JournalReplayer, UpdateBeginSuccessFailure) {
  const std::string a = Res("a", R"(,"inputs":{"v":1})"), a2 = Res("a", R"(,"inputs":{"v":2})");
  const std::string base = BaseOf({a});
  std::vector<E> begin{{.kind = 0, .seq = 1, .op = 1, .extra = Op(a2, "updating")}};
  EXPECT_TRUE(JsonEq(Replay(base, begin), DocOf({a}, {Pending(a2, "updating")})));
  auto success = begin;
  success.push_back({.kind = 1, .seq = 2, .op = 1, .remove_old = 0, .extra = State(a2)});
  EXPECT_TRUE(JsonEq(Replay(base, success), DocOf({a2})));
  // Failure entries carry state and removeOld: both ignored.
  auto failure = begin;
  failure.push_back({.kind = 2, .seq = 2, .op = 1, .remove_old = 0, .extra = State(a2)});
  EXPECT_TRUE(JsonEq(Replay(base, failure), DocOf({a})));
}

TEST(JournalReplayer, DeleteBeginSuccessFailure) {
  const std::string a = Res("a"), b = Res("b");
  const std::string base = BaseOf({a, b});
  std::vector<E> begin{{.kind = 0, .seq = 1, .op = 1, .extra = Op(b, "deleting")}};
  EXPECT_TRUE(JsonEq(Replay(base, begin), DocOf({a, b}, {Pending(b, "deleting")})));
  auto success = begin;
  success.push_back({.kind = 1, .seq = 2, .op = 1, .remove_old = 1});
  EXPECT_TRUE(JsonEq(Replay(base, success), DocOf({a})));
  auto failure = begin;
  failure.push_back({.kind = 2, .seq = 2, .op = 1});
  EXPECT_TRUE(JsonEq(Replay(base, failure), DocOf({a, b})));
}

TEST(JournalReplayer, ReadWithAndWithoutPreviousResource) {
  const std::string ext = Res("ext", R"(,"external":true,"outputs":{"v":1})");
  const std::string ext2 = Res("ext", R"(,"external":true,"outputs":{"v":2})");
  // Without a previous resource.
  EXPECT_TRUE(JsonEq(Replay(BaseOf({}), {{.kind = 0, .seq = 1, .op = 1, .extra = Op(ext, "reading")},
                                         {.kind = 1, .seq = 2, .op = 1, .extra = State(ext)}}),
                     DocOf({ext})));
  // With one: replaced.
  EXPECT_TRUE(JsonEq(Replay(BaseOf({ext}), {{.kind = 0, .seq = 1, .op = 1, .extra = Op(ext2, "reading")},
                                            {.kind = 1, .seq = 2, .op = 1, .remove_old = 0, .extra = State(ext2)}}),
                     DocOf({ext2})));
  // Failed read keeps the old one.
  EXPECT_TRUE(JsonEq(Replay(BaseOf({ext}), {{.kind = 0, .seq = 1, .op = 1, .extra = Op(ext2, "reading")},
                                            {.kind = 2, .seq = 2, .op = 1, .remove_old = 0, .extra = State(ext2)}}),
                     DocOf({ext})));
}

TEST(JournalReplayer, RegisterOutputsReplaceInPlace) {
  const std::string s = Res("s"), s2 = Res("s", R"(,"outputs":{"o":2})"), a = Res("a");
  // On a base resource (removeOld): same position.
  EXPECT_TRUE(JsonEq(Replay(BaseOf({s, a}), {{.kind = 4, .seq = 1, .op = 1, .remove_old = 0, .extra = State(s2)}}),
                     DocOf({s2, a})));
  // On a resource of this update (removeNew).
  EXPECT_TRUE(JsonEq(Replay(BaseOf({s, a}), {{.kind = 0, .seq = 1, .op = 1},
                                             {.kind = 1, .seq = 2, .op = 1, .remove_old = 0, .extra = State(s)},
                                             {.kind = 4, .seq = 3, .op = 2, .remove_new = 1, .extra = State(s2)}}),
                     DocOf({s2, a})));
  // Without state: nothing.
  EXPECT_TRUE(JsonEq(Replay(BaseOf({s, a}), {{.kind = 4, .seq = 1, .op = 1, .remove_old = 0}}), DocOf({s, a})));
}

TEST(JournalReplayer, FailedSameKeepsTheResource) {
  const std::string a = Res("a");
  EXPECT_TRUE(JsonEq(Replay(BaseOf({a}), {{.kind = 0, .seq = 1, .op = 1},
                                          {.kind = 2, .seq = 2, .op = 1, .remove_old = 0, .extra = State(a)}}),
                     DocOf({a})));
}

TEST(JournalReplayer, ReplacementOfANewResourceMarksIt) {
  // A resource created in this update, then replaced create-before-delete
  // (deleteNew), and one marked pendingReplacement (pendingReplacementNew).
  const std::string a = Res("a"), a2 = Res("a", R"(,"inputs":{"v":2})");
  const std::string a_deleted = Res("a", R"(,"delete":true)");
  const std::string b = Res("b"), b_pending = Res("b", R"(,"pendingReplacement":true)");
  EXPECT_TRUE(JsonEq(Replay(BaseOf({}), {{.kind = 1, .seq = 1, .op = 1, .extra = State(a)},
                                         {.kind = 1, .seq = 2, .op = 2, .extra = State(b)},
                                         {.kind = 1, .seq = 3, .op = 3, .extra = ",\"deleteNew\":1" + State(a2)},
                                         {.kind = 1, .seq = 4, .op = 4, .extra = ",\"pendingReplacementNew\":2"}}),
                     DocOf({a_deleted, b_pending, a2})));
  // A refresh replacing the marked resource loses the mark (the reference
  // replaces the object it marked; the engine never does this, so the result
  // is not integrity-checked).
  const std::string a_refreshed = Res("a", R"(,"outputs":{"r":1})");
  EXPECT_TRUE(JsonEq(Replay(BaseOf({}), {{.kind = 1, .seq = 1, .op = 1, .extra = State(a)},
                                         {.kind = 1, .seq = 2, .op = 3, .extra = ",\"deleteNew\":1" + State(a2)},
                                         {.kind = 3, .seq = 3, .op = 4, .remove_new = 1, .extra = State(a_refreshed)}},
                            /*check_integrity=*/false),
                     DocOf({a_refreshed, a2})));
}

TEST(JournalReplayer, BasePendingOperations) {
  // Only `creating` base operations survive; camelCase pendingOperations is ignored.
  const std::string a = Res("a"), b = Res("b"), c = Res("c");
  std::string base = BaseOf({a}, fmt::format(R"(,"pending_operations":[{},{}],"pendingOperations":[{}])",
                                             Pending(b, "creating"), Pending(c, "updating"), Pending(c, "creating")));
  EXPECT_TRUE(JsonEq(Replay(base, {}), DocOf({a}, {Pending(b, "creating")})));
  // Unfinished begins come first, ordered by sequence ID.
  EXPECT_TRUE(JsonEq(Replay(base, {{.kind = 0, .seq = 2, .op = 9, .extra = Op(c, "importing")},
                                   {.kind = 0, .seq = 1, .op = 3, .extra = Op(a, "deleting")}}),
                     DocOf({a}, {Pending(a, "deleting"), Pending(c, "importing"), Pending(b, "creating")})));
}

TEST(JournalReplayer, SecretsMetadataSnippetsAndFeatures) {
  std::string base = fmt::format(
      R"({{"version":3,"deployment":{{"manifest":{{"time":"t","magic":"","version":""}},"secrets_providers":{{"type":"passphrase","state":{{"salt":"old"}}}},"resources":[{}],"metadata":{{"integrity_error":{{"version":"3","command":"x","error":"y"}}}},"futureKey":1}}}})",
      Res("a"));
  const std::string snippet = R"([{"uuid":"u1","name":"logs","type":"t","code":"c","descriptor":{"name":"aws"},"references":{"vpc":"urn:x"}}])";
  const std::string tainted = Res("t", R"(,"taint":true,"refreshBeforeUpdate":true,"resourceHooks":{"beforeCreate":["h"]},"viewOf":")" +
                                            Urn("a") + R"(","extensionRef":"r","snippetID":"s")");
  auto out = Replay(base, {{.kind = 6, .seq = 1, .op = 0, .extra = R"(,"secretsProvider":{"type":"passphrase","state":{"salt":"new"}})"},
                           {.kind = 9, .seq = 2, .op = 0, .extra = ",\"snippets\":" + snippet},
                           {.kind = 0, .seq = 3, .op = 1, .extra = Op(tainted, "creating")}});
  EXPECT_TRUE(JsonEq(out, Expected(fmt::format(
      R"({{"version":4,"features":["extensionParameterization","hooks","refreshBeforeUpdate","snippets-prototype","taint","views"],
          "deployment":{{"manifest":$M,"secrets_providers":{{"type":"passphrase","state":{{"salt":"new"}}}},"resources":[{}],
          "pending_operations":[{}],"metadata":{{"integrity_error":{{"version":"3","command":"x","error":"y"}}}},"snippets":{}}}}})",
      Res("a"), Pending(tainted, "creating"), snippet))));
  // A later snippets entry without snippets clears them.
  out = Replay(base, {{.kind = 9, .seq = 1, .op = 0, .extra = ",\"snippets\":" + snippet}, {.kind = 9, .seq = 2, .op = 0}});
  EXPECT_EQ(out.find("snippets"), std::string::npos) << out;
}

TEST(JournalReplayer, ByteStringDeclaredByTheBaseIsKeptWhileBaseResourcesSurvive) {
  std::string base = fmt::format(
      R"({{"version":4,"features":["byteString"],"deployment":{{"manifest":{{"time":"t","magic":"","version":""}},"resources":[{},{}]}}}})",
      Res("a"), Res("b"));
  auto replayer = MakeReplayer(base);
  auto m = replayer.Materialize(kManifest);
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->features, std::vector<std::string>{"byteString"});
  auto all_replaced = ParseAll({{.kind = 1, .seq = 1, .op = 1, .remove_old = 0, .extra = State(Res("a"))},
                                {.kind = 1, .seq = 2, .op = 2, .remove_old = 1, .extra = State(Res("b"))}});
  ASSERT_TRUE(replayer.Add(all_replaced).has_value());
  m = replayer.Materialize(kManifest);
  ASSERT_TRUE(m.has_value());
  EXPECT_TRUE(m->features.empty());
  EXPECT_EQ(m->version, 3);
}

TEST(JournalReplayer, RefreshPrunesDependenciesAndUndanglesParents) {
  const std::string a = Res("a");
  const std::string b = Res("b", fmt::format(R"(,"parent":"{0}","dependencies":["{0}"],"propertyDependencies":{{"p":["{0}"],"q":["{1}"]}},"deletedWith":"{0}")",
                                             Urn("a"), Urn("c")));
  const std::string c = Res("c");
  const std::string d = Res("d", fmt::format(R"(,"dependencies":["{}"],"propertyDependencies":{{"p":["{}"]}})", Urn("c"), Urn("c")));
  // Refresh finds `a` gone; b keeps only references to earlier, existing resources.
  auto out = Replay(BaseOf({a, b, c, d}), {{.kind = 3, .seq = 1, .op = 1, .remove_old = 0, .extra = ",\"isRefresh\":true"}});
  // "q":[c] refers to c, which comes after b: pruned as well; propertyDependencies then empty.
  EXPECT_TRUE(JsonEq(out, DocOf({Res("b"), c, d})));
}

TEST(JournalReplayer, AliasConflictKeepsResourcesAndRecordsIntegrityError) {
  const std::string a = Res("a", R"(,"aliases":["urn:old"])"), b = Res("b", R"(,"aliases":["urn:old"])");
  auto out = Replay(BaseOf({a, b}), {});
  auto doc = boost::json::parse(out);
  const auto& d = doc.at("deployment").as_object();
  EXPECT_EQ(d.at("resources").as_array().size(), 2u);
  EXPECT_TRUE(d.at("resources").as_array()[0].as_object().contains("aliases"));
  std::string error(d.at("metadata").at("integrity_error").at("error").as_string());
  EXPECT_NE(error.find("aliased to the same"), std::string::npos) << error;
  EXPECT_EQ(std::string(d.at("metadata").at("integrity_error").at("command").as_string()), "statehouse journal replay");
}

TEST(JournalReplayer, NormalisationRewritesEveryReferenceKind) {
  const std::string old_p = "urn:pulumi:dev::proj::pulumi:providers:aws::old";
  const std::string new_p = "urn:pulumi:dev::proj::pulumi:providers:aws::new";
  const std::string prov = fmt::format(R"({{"urn":"{}","custom":true,"id":"p1","type":"pulumi:providers:aws","aliases":["{}"]}})", new_p, old_p);
  const std::string prov_out = fmt::format(R"({{"urn":"{}","custom":true,"id":"p1","type":"pulumi:providers:aws"}})", new_p);
  const std::string user = Res("u", fmt::format(R"(,"provider":"{0}::p1","dependencies":["{0}"],"propertyDependencies":{{"x":["{0}"]}},"deletedWith":"{0}","viewOf":"{0}","replaceWith":["{0}"])", old_p));
  const std::string user_out = Res("u", fmt::format(R"(,"provider":"{0}::p1","dependencies":["{0}"],"propertyDependencies":{{"x":["{0}"]}},"deletedWith":"{0}","viewOf":"{0}","replaceWith":["{1}"])", new_p, old_p));
  auto out = Replay(BaseOf({prov, user}), {});
  EXPECT_TRUE(JsonEq(out, Expected(fmt::format(R"({{"version":4,"features":["replaceWith","views"],"deployment":{{"manifest":$M,"resources":[{},{}],"metadata":{{}}}}}})",
                                               prov_out, user_out))));
}

// --- §5.10 robustness ------------------------------------------------------

TEST(JournalReplayer, UnknownReferencesAreIgnoredWithWarnings) {
  const std::string a = Res("a"), b = Res("b");
  auto replayer = MakeReplayer(BaseOf({a}));
  auto entries = ParseAll({
      {.kind = 1, .seq = 1, .op = 1, .extra = State(b)},
      {.kind = 1, .seq = 2, .op = 2, .remove_new = 42},                       // would drop b in the reference
      {.kind = 1, .seq = 3, .op = 3, .extra = ",\"deleteNew\":42"},           // would mark b
      {.kind = 1, .seq = 4, .op = 4, .extra = ",\"pendingReplacementNew\":42"},
      {.kind = 3, .seq = 5, .op = 5, .remove_new = 42, .extra = State(a)},   // would overwrite b
      {.kind = 4, .seq = 6, .op = 6, .remove_new = 42, .extra = State(a)},
      {.kind = 1, .seq = 7, .op = 7, .remove_old = 5},                        // outside the base
      {.kind = 1, .seq = 8, .op = 8, .remove_old = -1},
      {.kind = 1, .seq = 9, .op = 9, .extra = ",\"deleteOld\":1"},
      {.kind = 3, .seq = 10, .op = 10, .remove_old = 1, .extra = State(b)},
      {.kind = 5, .seq = 11, .op = 0},                                        // no newSnapshot
      {.kind = 6, .seq = 12, .op = 0},                                        // no secretsProvider
      {.kind = 8, .seq = 13, .op = 0, .extra = R"(,"extensionRef":"r")"},     // no extension
      {.kind = 42, .seq = 14, .op = 0},                                       // unknown kind
  });
  auto added = replayer.Add(entries);
  ASSERT_TRUE(added.has_value());
  EXPECT_EQ(added->folded, 14);
  EXPECT_TRUE(JsonEq(Export(replayer), DocOf({b, a})));
  EXPECT_EQ(replayer.warnings().size(), 13u);
}

TEST(JournalReplayer, RebuiltBaseStateWithNewResourcesNotLastIsAWarning) {
  const std::string a = Res("a"), b = Res("b"), c = Res("c");
  auto replayer = MakeReplayer(BaseOf({a}));
  auto entries = ParseAll({
      {.kind = 1, .seq = 1, .op = 1, .extra = State(b)},
      {.kind = 7, .seq = 2, .op = 0},
      {.kind = 1, .seq = 3, .op = 2, .extra = State(c)},
      {.kind = 4, .seq = 4, .op = 3, .remove_new = 2, .extra = State(Res("c", R"(,"outputs":{"x":1})"))},
  });
  ASSERT_TRUE(replayer.Add(entries).has_value());
  // Appends restart at 0 after the rebuild, so operation 2 still names c.
  EXPECT_TRUE(JsonEq(Export(replayer), DocOf({Res("c", R"(,"outputs":{"x":1})"), b, a})));
  ASSERT_EQ(replayer.warnings().size(), 1u);
  EXPECT_NE(replayer.warnings()[0].find("rebuilt-base-state"), std::string::npos);
}

TEST(JournalReplayer, DuplicatesAreIdempotentFirstWriteWins) {
  const std::string a = Res("a"), a_other = Res("a", R"(,"outputs":{"second":true})");
  auto replayer = MakeReplayer(BaseOf({}));
  auto batch = ParseAll({{.kind = 0, .seq = 1, .op = 1}, {.kind = 1, .seq = 2, .op = 1, .extra = State(a)}});
  auto first = replayer.Add(batch);
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->folded, 2);
  const std::string before = Export(replayer);
  // The same batch re-sent, and a different body under a used sequence ID.
  auto again = replayer.Add(batch);
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->duplicates, 2);
  EXPECT_EQ(again->folded, 0);
  auto other = ParseAll({{.kind = 1, .seq = 2, .op = 1, .extra = State(a_other)}});
  ASSERT_TRUE(replayer.Add(other).has_value());
  EXPECT_EQ(Export(replayer), before);
  // Duplicates inside one batch and among buffered entries.
  auto dup = ParseAll({{.kind = 1, .seq = 5, .op = 5, .extra = State(Res("x"))},
                       {.kind = 1, .seq = 5, .op = 5, .extra = State(Res("y"))}});
  auto r = replayer.Add(dup);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->duplicates, 1);
  EXPECT_EQ(r->buffered, 1);
  EXPECT_TRUE(JsonEq(Export(replayer), DocOf({a, Res("x")})));
}

// --- ordering and rebuild ----------------------------------------------------

// A journal exercising every kind on a 6-resource base.
struct Journal {
  std::string base;
  std::vector<Entry> entries;
};

Journal MixedJournal() {
  const std::string s = Res("s"), p = Res("p"), a = Res("a"), b = Res("b", fmt::format(R"(,"dependencies":["{}"])", Urn("a")));
  const std::string c = Res("c"), d = Res("d");
  Journal j;
  j.base = BaseOf({s, p, a, b, c, d});
  j.entries = ParseAll({
      {.kind = 6, .seq = 1, .op = 0, .extra = R"(,"secretsProvider":{"type":"passphrase","state":{"salt":"x"}})"},
      {.kind = 0, .seq = 2, .op = 1},
      {.kind = 3, .seq = 3, .op = 1, .remove_old = 5, .extra = ",\"isRefresh\":true"},  // d gone
      {.kind = 7, .seq = 4, .op = 0},
      {.kind = 0, .seq = 5, .op = 2},
      {.kind = 1, .seq = 6, .op = 2, .remove_old = 0, .extra = State(s)},
      {.kind = 0, .seq = 7, .op = 3, .extra = Op(Res("a", R"(,"inputs":{"v":2})"), "creating")},
      {.kind = 1, .seq = 8, .op = 3, .extra = ",\"deleteOld\":2" + State(fmt::format(R"({{"urn":"{}","custom":true,"id":"a-2","type":"pkgA:m:typA"}})", Urn("a")))},
      {.kind = 0, .seq = 9, .op = 4, .extra = Op(c, "deleting")},
      {.kind = 1, .seq = 10, .op = 4, .remove_old = 4},
      {.kind = 8, .seq = 11, .op = 5, .extra = R"(,"extensionRef":"e","extension":{"name":"n","version":"1","value":""})"},
      {.kind = 0, .seq = 12, .op = 6, .extra = Op(Res("n"), "creating")},
      {.kind = 1, .seq = 13, .op = 6, .extra = State(Res("n"))},
      {.kind = 4, .seq = 14, .op = 7, .remove_new = 2, .extra = State(Res("s", R"(,"outputs":{"o":1})"))},
      {.kind = 9, .seq = 15, .op = 0, .extra = R"(,"snippets":[{"uuid":"1"}])"},
      {.kind = 0, .seq = 16, .op = 8, .extra = Op(Res("a", R"(,"delete":true)"), "deleting")},
      {.kind = 1, .seq = 17, .op = 8, .remove_old = 2},
      {.kind = 0, .seq = 18, .op = 9, .extra = Op(p, "updating")},
      {.kind = 1, .seq = 19, .op = 9, .remove_old = 1, .extra = State(Res("p", R"(,"inputs":{"v":3})")) + ",\"requiresByteString\":true"},
      {.kind = 0, .seq = 20, .op = 10, .extra = Op(Res("z"), "creating")},
  });
  return j;
}

TEST(JournalReplayer, AnyArrivalOrderAndBatchingGivesTheSortedReplay) {
  Journal j = MixedJournal();
  auto base = ParseUntypedDeployment(j.base);
  ASSERT_TRUE(base.has_value());
  const std::string expected = Export(Replayer::Rebuild(*base, j.entries));
  EXPECT_EQ(IntegrityProblem(expected), "");
  std::mt19937 rng(12345);
  for (int round = 0; round < 200; ++round) {
    std::vector<Entry> shuffled = j.entries;
    // Permute locally (as a CLI does) or globally.
    if (round % 2 == 0) {
      std::shuffle(shuffled.begin(), shuffled.end(), rng);
    } else {
      for (size_t i = 0; i + 1 < shuffled.size(); ++i) {
        if (rng() % 3 == 0) std::swap(shuffled[i], shuffled[i + 1]);
      }
    }
    Replayer replayer(*base);
    size_t pos = 0;
    while (pos < shuffled.size()) {
      size_t n = 1 + rng() % 4;
      n = std::min(n, shuffled.size() - pos);
      std::span<const Entry> batch(shuffled.data() + pos, n);
      ASSERT_TRUE(replayer.Add(batch).has_value());
      // Re-sent batches change nothing.
      if (rng() % 4 == 0) {
        ASSERT_TRUE(replayer.Add(batch).has_value());
      }
      // Mid-update exports equal the sorted replay of what has arrived.
      std::vector<Entry> so_far(shuffled.begin(), shuffled.begin() + pos + n);
      Replayer::Options skip_all;
      skip_all.max_buffered = 0;
      ASSERT_EQ(Export(replayer), Export(Replayer::Rebuild(*base, so_far, skip_all))) << "round " << round;
      pos += n;
    }
    EXPECT_EQ(replayer.buffered(), 0u);
    EXPECT_EQ(replayer.folded_through(), 20);
    ASSERT_EQ(Export(replayer), expected) << "round " << round;
  }
}

TEST(JournalReplayer, PrefixesOfTheMixedJournalAreIntegrityValid) {
  Journal j = MixedJournal();
  auto replayer = MakeReplayer(j.base);
  for (const auto& e : j.entries) {
    ASSERT_TRUE(replayer.Add(std::span<const Entry>(&e, 1)).has_value());
    const std::string out = Export(replayer);
    EXPECT_EQ(IntegrityProblem(out), "") << "after " << e.sequence_id << ": " << out;
  }
  auto m = replayer.Materialize(kManifest);
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->features, (std::vector<std::string>{"byteString", "snippets-prototype"}));
  EXPECT_TRUE(replayer.warnings().empty());
}

TEST(JournalReplayer, LostBatchIsSkippedAndALateArrivalAsksForARebuild) {
  Journal j = MixedJournal();
  auto base = ParseUntypedDeployment(j.base);
  ASSERT_TRUE(base.has_value());
  Replayer::Options options;
  options.max_buffered = 3;
  Replayer replayer(*base, options);
  // 1-5 arrive, 6-7 are "lost", 8-10 wait, then 11 pushes the buffer over the limit.
  ASSERT_TRUE(replayer.Add(std::span<const Entry>(j.entries.data(), 5)).has_value());
  auto r = replayer.Add(std::span<const Entry>(j.entries.data() + 7, 3));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->buffered, 3);
  EXPECT_EQ(replayer.folded_through(), 5);
  r = replayer.Add(std::span<const Entry>(j.entries.data() + 10, 1));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->folded, 4);
  EXPECT_EQ(replayer.folded_through(), 11);
  EXPECT_EQ(replayer.buffered(), 0u);
  // What a server without entries 6-7 must show.
  std::vector<Entry> without;
  for (const auto& e : j.entries) {
    if (e.sequence_id <= 11 && e.sequence_id != 6 && e.sequence_id != 7) without.push_back(e);
  }
  EXPECT_EQ(Export(replayer), Export(Replayer::Rebuild(*base, without)));
  ASSERT_FALSE(replayer.warnings().empty());
  EXPECT_NE(replayer.warnings().back().find("6-7"), std::string::npos);

  // Entry 7 arrives after all.
  r = replayer.Add(std::span<const Entry>(j.entries.data() + 6, 1));
  ASSERT_TRUE(r.has_value());
  EXPECT_TRUE(r->rebuild_required);
  EXPECT_TRUE(replayer.needs_rebuild());
  EXPECT_FALSE(replayer.Materialize(kManifest).has_value());
  EXPECT_FALSE(replayer.Add(std::span<const Entry>(j.entries.data(), 1)).has_value());
  // The owner rebuilds from everything stored.
  std::vector<Entry> stored(j.entries.begin(), j.entries.begin() + 11);
  stored.erase(stored.begin() + 5);  // 6 still missing
  Replayer rebuilt = Replayer::Rebuild(*base, stored, options);
  EXPECT_EQ(rebuilt.folded_through(), 11);
  EXPECT_EQ(Export(rebuilt), Export(Replayer::Rebuild(*base, stored, Replayer::Options{.max_buffered = 0})));
}

TEST(JournalReplayer, RebuildAfterRestartThenContinueEqualsIncremental) {
  Journal j = MixedJournal();
  auto base = ParseUntypedDeployment(j.base);
  ASSERT_TRUE(base.has_value());
  Replayer incremental(*base);
  for (const auto& e : j.entries) ASSERT_TRUE(incremental.Add(std::span<const Entry>(&e, 1)).has_value());
  for (size_t cut = 0; cut <= j.entries.size(); ++cut) {
    Replayer restarted = Replayer::Rebuild(*base, std::span<const Entry>(j.entries.data(), cut));
    ASSERT_TRUE(restarted.Add(std::span<const Entry>(j.entries.data() + cut, j.entries.size() - cut)).has_value());
    ASSERT_EQ(Export(restarted), Export(incremental)) << "cut " << cut;
  }
}

TEST(JournalReplayer, MaterializeDoesNotChangeTheReplayer) {
  Journal j = MixedJournal();
  auto replayer = MakeReplayer(j.base);
  ASSERT_TRUE(replayer.Add(std::span<const Entry>(j.entries.data(), 12)).has_value());
  // Leave 13 out so that 14.. wait above a gap, then export repeatedly.
  ASSERT_TRUE(replayer.Add(std::span<const Entry>(j.entries.data() + 13, 3)).has_value());
  const std::string first = Export(replayer);
  EXPECT_EQ(Export(replayer), first);
  EXPECT_EQ(replayer.buffered(), 3u);
  ASSERT_TRUE(replayer.Add(std::span<const Entry>(j.entries.data() + 12, 1)).has_value());
  EXPECT_EQ(replayer.buffered(), 0u);
  EXPECT_EQ(replayer.folded_through(), 16);
}

TEST(JournalReplayer, ManifestMagicAndInjectedTime) {
  EXPECT_EQ(ManifestMagic("v3.260.0"), "7dff0d166258e7f1d265e8e044021ea087795d58a0c6415ab6fe8b7c790e447f");
  EXPECT_EQ(ManifestMagic(""), "");
  auto replayer = MakeReplayer(BaseOf({}));
  auto m = replayer.Materialize(ManifestInfo{"2030-01-02T03:04:05.123456789Z", ""});
  ASSERT_TRUE(m.has_value());
  EXPECT_TRUE(JsonEq(m->deployment(), R"({"manifest":{"time":"2030-01-02T03:04:05.123456789Z","magic":"","version":""},"metadata":{}})"));
}

TEST(JournalReplayer, BaseParsing) {
  // The never-updated placeholder and old schema versions.
  for (const char* base : {R"({"version":3,"deployment":null})", R"({"version":3})",
                           R"({"version":1,"deployment":{"manifest":{},"resources":[]}})"}) {
    auto replayer = Replayer::Create(base);
    ASSERT_TRUE(replayer.has_value()) << base;
    EXPECT_TRUE(JsonEq(Export(*replayer), Expected(R"({"version":3,"deployment":{"manifest":$M,"metadata":{}}})")));
  }
  for (const char* bad : {"", "[]", R"({"deployment":{}})", R"({"version":9,"deployment":{}})",
                          R"({"version":3,"deployment":{"resources":{}}})",
                          R"({"version":3,"deployment":{"resources":[{"urn":1}]}})"}) {
    auto replayer = Replayer::Create(bad);
    ASSERT_FALSE(replayer.has_value()) << bad;
    EXPECT_EQ(replayer.error().code, ErrorCode::kInvalidArgument);
  }
}

}  // namespace
}  // namespace statehouse::journal
