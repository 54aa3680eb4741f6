#pragma once

// A sequence of five journaled updates of one stack as the CLI sends them
// (shared/spec/journaling.md §3, §4.3, §10), each cut into the batches a CLI
// would send, with the deployment GET …/export must return after every batch
// written out literally (not computed by a replayer), for the journal flow
// tests (journal_flow_test.cc, replica_test.cc) — header-only.
//
//   1 `pulumi up` on an empty stack: creates S, P, a, c, d, b (a and c
//     concurrently, their entries out of order inside and across batches),
//     then the stack's outputs.
//   2 `pulumi up`: sames, update a, create-before-delete replacement of c,
//     delete-before-create replacement of b, delete d, changed outputs.
//   3 `pulumi refresh`: c was deleted out of band, a's outputs changed; b's
//     dependency on c is pruned; rebuilt-base-state.
//   4 `pulumi up` that fails: a failed update of a, a failed create of e, a
//     create of f left without its end entry; completed "failed".
//   5 `pulumi up` that is cancelled: a create done, another begun.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "test/fakes/journal_example.h"

namespace statehouse::testing::journal_flow {

namespace jx = journal_example;

inline std::string Urn(std::string_view name) {
  return "urn:pulumi:dev::proj::random:index/randomPet:RandomPet::" + std::string(name);
}

// A RandomPet state `name` with `id` and input tag `tag`; `extra` is appended
// inside the object (e.g. `,"delete":true`).
inline std::string Pet(std::string_view name, std::string_view id, std::string_view tag,
                       std::string_view extra = "") {
  return R"({"urn":")" + Urn(name) + R"(","custom":true,"id":")" + std::string(id) +
         R"(","type":"random:index/randomPet:RandomPet","parent":")" + jx::kS +
         R"(","provider":")" + jx::kPRef + R"(","inputs":{"tag":")" + std::string(tag) +
         R"("},"outputs":{"id":")" + std::string(id) + R"(","tag":")" + std::string(tag) + R"("})" +
         std::string(extra) + "}";
}
// The resource of a pending create: no id, no outputs.
inline std::string PetGoal(std::string_view name, std::string_view tag) {
  return R"({"urn":")" + Urn(name) +
         R"(","custom":true,"type":"random:index/randomPet:RandomPet","parent":")" + jx::kS +
         R"(","provider":")" + jx::kPRef + R"(","inputs":{"tag":")" + std::string(tag) + R"("}})";
}
inline std::string Op(const std::string& resource, std::string_view type) {
  return R"({"resource":)" + resource + R"(,"type":")" + std::string(type) + R"("})";
}
inline std::string StackWithOutputs(std::string_view value) {
  return R"({"urn":")" + jx::kS +
         R"(","custom":false,"type":"pulumi:pulumi:Stack","outputs":{"petName":")" +
         std::string(value) + R"("}})";
}

// One JournalEntry as the CLI serialises it (§4.1 key order; removeOld and
// removeNew always present).
inline std::string Entry(int kind, int seq, int op, std::optional<int> remove_old = std::nullopt,
                         std::optional<int> remove_new = std::nullopt, std::string_view rest = "") {
  auto num = [](std::optional<int> v) { return v ? std::to_string(*v) : std::string("null"); };
  return R"({"version":1,"kind":)" + std::to_string(kind) + R"(,"sequenceID":)" +
         std::to_string(seq) + R"(,"operationID":)" + std::to_string(op) + R"(,"removeOld":)" +
         num(remove_old) + R"(,"removeNew":)" + num(remove_new) + std::string(rest) + "}";
}
inline std::string Secrets(int seq) { return Entry(6, seq, 0, {}, {}, R"(,"secretsProvider":)" + jx::kSecrets); }
// begin without an operation (same, refresh steps)
inline std::string Begin(int seq, int op) { return Entry(0, seq, op); }
inline std::string BeginOp(int seq, int op, const std::string& resource, std::string_view type) {
  return Entry(0, seq, op, {}, {}, R"(,"operation":)" + Op(resource, type));
}
inline std::string State(const std::string& state) { return R"(,"state":)" + state; }

// The deployment object (without manifest) the tests expect: the service
// secrets provider of journal_example, then resources and pending operations
// (omitted when empty, as replay writes them) and empty metadata.
inline std::string Deployment(const std::vector<std::string>& resources,
                              const std::vector<std::string>& pending = {}) {
  std::string d = R"({"secrets_providers":)" + jx::kSecrets;
  auto list = [&d](std::string_view key, const std::vector<std::string>& items) {
    if (items.empty()) return;
    d += R"(,")" + std::string(key) + R"(":[)";
    for (size_t i = 0; i < items.size(); ++i) d += (i ? "," : "") + items[i];
    d += "]";
  };
  list("resources", resources);
  list("pending_operations", pending);
  return d + R"(,"metadata":{}})";
}

inline std::string Body(const std::vector<std::string>& entries) {
  std::string body = R"({"entries":[)";
  for (size_t i = 0; i < entries.size(); ++i) body += (i ? "," : "") + entries[i];
  return body + "]}";
}

struct Batch {
  std::vector<std::string> entries;
  std::string expected;  // deployment (no manifest) exported after this batch
};

struct Run {
  std::string kind;  // "update" or "refresh" (POST …/{kind})
  std::vector<Batch> batches;
  std::string end;       // "succeeded", "failed" (complete) or "cancel"
  std::string expected;  // final deployment, stored as this run's version
  int64_t resource_count = 0;
};

// The resources in the order the runs leave them.
struct States {
  std::string s0 = jx::kStack, s1 = StackWithOutputs("v1"), s2 = StackWithOutputs("v2");
  std::string p = jx::kProvider;
  std::string a = Pet("a", "a-1", "a1"), c = Pet("c", "c-1", "c1"), d = Pet("d", "d-1", "d1");
  std::string b = Pet("b", "b-1", "b1", R"(,"dependencies":[")" + Urn("a") + R"("])");
  std::string a2 = Pet("a", "a-1", "a2");
  std::string c2 = Pet("c", "c-2", "c1");
  std::string c_deleted = Pet("c", "c-1", "c1", R"(,"delete":true)");
  std::string b_pending = Pet("b", "b-1", "b1", R"(,"dependencies":[")" + Urn("a") + R"("],"pendingReplacement":true)");
  std::string b2 = Pet("b", "b-2", "b2", R"(,"dependencies":[")" + Urn("a") + R"(",")" + Urn("c") + R"("])");
  std::string a2r = R"({"urn":")" + Urn("a") +
                    R"(","custom":true,"id":"a-1","type":"random:index/randomPet:RandomPet","parent":")" +
                    jx::kS + R"(","provider":")" + jx::kPRef +
                    R"(","inputs":{"tag":"a2"},"outputs":{"id":"a-1","tag":"a2","drift":true}})";
  // b2 after the refresh that found c gone: its dependency on c pruned (§5.5).
  std::string b2r = Pet("b", "b-2", "b2", R"(,"dependencies":[")" + Urn("a") + R"("])");
  std::string g = Pet("g", "g-1", "g1");
};

inline std::vector<Run> Scenario() {
  const States x;
  std::vector<Run> runs;

  // 1: first up.
  {
    Run r{"update", {}, "succeeded", Deployment({x.s1, x.p, x.a, x.c, x.d, x.b}), 6};
    r.batches = {
        {{Secrets(1), BeginOp(2, 1, x.s0, "creating")},
         Deployment({}, {Op(x.s0, "creating")})},
        {{Entry(1, 3, 1, {}, {}, State(x.s0)), BeginOp(4, 2, jx::kProviderOp, "creating")},
         Deployment({x.s0}, {Op(jx::kProviderOp, "creating")})},
        {{Entry(1, 5, 2, {}, {}, State(x.p))}, Deployment({x.s0, x.p})},
        // a and c run concurrently; their begins arrive out of order.
        {{BeginOp(7, 4, PetGoal("c", "c1"), "creating"), BeginOp(6, 3, PetGoal("a", "a1"), "creating")},
         Deployment({x.s0, x.p}, {Op(PetGoal("a", "a1"), "creating"), Op(PetGoal("c", "c1"), "creating")})},
        // c's success (seq 9) is acknowledged before a's (seq 8)...
        {{Entry(1, 9, 4, {}, {}, State(x.c))},
         Deployment({x.s0, x.p, x.c}, {Op(PetGoal("a", "a1"), "creating")})},
        // ...yet a comes first: sequence order, not arrival order.
        {{Entry(1, 8, 3, {}, {}, State(x.a))}, Deployment({x.s0, x.p, x.a, x.c})},
        {{BeginOp(10, 5, PetGoal("b", "b1"), "creating"), BeginOp(11, 6, PetGoal("d", "d1"), "creating")},
         Deployment({x.s0, x.p, x.a, x.c},
                    {Op(PetGoal("b", "b1"), "creating"), Op(PetGoal("d", "d1"), "creating")})},
        {{Entry(1, 12, 6, {}, {}, State(x.d)), Entry(1, 13, 5, {}, {}, State(x.b))},
         Deployment({x.s0, x.p, x.a, x.c, x.d, x.b})},
        {{Entry(4, 14, 7, {}, 1, State(x.s1))}, Deployment({x.s1, x.p, x.a, x.c, x.d, x.b})},
    };
    runs.push_back(std::move(r));
  }
  // 2: base [0 s1, 1 p, 2 a, 3 c, 4 d, 5 b].
  {
    Run r{"update", {}, "succeeded", Deployment({x.s2, x.p, x.a2, x.c2, x.b2}), 5};
    r.batches = {
        {{Secrets(1), Begin(2, 1), Entry(1, 3, 1, 0, {}, State(x.s1)), Begin(4, 2),
          Entry(1, 5, 2, 1, {}, State(x.p))},
         Deployment({x.s1, x.p, x.a, x.c, x.d, x.b})},
        {{BeginOp(6, 3, x.a2, "updating")},
         Deployment({x.s1, x.p, x.a, x.c, x.d, x.b}, {Op(x.a2, "updating")})},
        // update a; create-before-delete replacement of c begins.
        {{Entry(1, 7, 3, 2, {}, State(x.a2)), BeginOp(8, 4, PetGoal("c", "c1"), "creating")},
         Deployment({x.s1, x.p, x.a2, x.c, x.d, x.b}, {Op(PetGoal("c", "c1"), "creating")})},
        // c's replacement exists, old c is kept marked delete (op 5 is the
        // replace step: no entries); delete-before-create of b begins.
        {{Entry(1, 9, 4, {}, {}, R"(,"deleteOld":3)" + State(x.c2)), BeginOp(10, 6, x.b, "deleting")},
         Deployment({x.s1, x.p, x.a2, x.c2, x.c_deleted, x.d, x.b}, {Op(x.b, "deleting")})},
        {{Entry(1, 11, 6, {}, {}, R"(,"pendingReplacementOld":5)"),
          BeginOp(12, 7, PetGoal("b", "b2"), "creating")},
         Deployment({x.s1, x.p, x.a2, x.c2, x.c_deleted, x.d, x.b_pending},
                    {Op(PetGoal("b", "b2"), "creating")})},
        {{Entry(1, 13, 7, 5, {}, State(x.b2)), BeginOp(14, 9, x.d, "deleting")},
         Deployment({x.s1, x.p, x.a2, x.c2, x.b2, x.c_deleted, x.d}, {Op(x.d, "deleting")})},
        {{Entry(1, 15, 9, 4), BeginOp(16, 10, x.c, "deleting")},
         Deployment({x.s1, x.p, x.a2, x.c2, x.b2, x.c_deleted}, {Op(x.c, "deleting")})},
        {{Entry(1, 17, 10, 3), Entry(4, 18, 11, {}, 1, State(x.s2))},
         Deployment({x.s2, x.p, x.a2, x.c2, x.b2})},
    };
    runs.push_back(std::move(r));
  }
  // 3: refresh; base [0 s2, 1 p, 2 a2, 3 c2, 4 b2].
  {
    Run r{"refresh", {}, "succeeded", Deployment({x.s2, x.p, x.a2r, x.b2r}), 4};
    r.batches = {
        {{Secrets(1), Begin(2, 1), Begin(3, 2), Begin(4, 3), Begin(5, 4), Begin(6, 5)},
         Deployment({x.s2, x.p, x.a2, x.c2, x.b2})},
        {{Entry(3, 7, 1, 0, {}, State(x.s2) + R"(,"isRefresh":true)"),
          Entry(3, 9, 3, 2, {}, State(x.a2r) + R"(,"isRefresh":true)"),
          Entry(3, 8, 2, 1, {}, State(x.p) + R"(,"isRefresh":true)")},
         Deployment({x.s2, x.p, x.a2r, x.c2, x.b2})},
        // c is gone: b's dependency on it is pruned.
        {{Entry(3, 10, 4, 3, {}, R"(,"isRefresh":true)"),
          Entry(3, 11, 5, 4, {}, State(x.b2) + R"(,"isRefresh":true)")},
         Deployment({x.s2, x.p, x.a2r, x.b2r})},
        {{Entry(7, 12, 0)}, Deployment({x.s2, x.p, x.a2r, x.b2r})},
    };
    runs.push_back(std::move(r));
  }
  // 4: failing up; base [0 s2, 1 p, 2 a2r, 3 b2r]. Failure entries carry the
  // step's payload, which replay ignores (§5.3).
  {
    const std::string a3 = Pet("a", "a-1", "a3");
    const std::string e = Pet("e", "e-1", "e1");
    const std::string f_op = Op(PetGoal("f", "f1"), "creating");
    Run r{"update", {}, "failed", Deployment({x.s2, x.p, x.a2r, x.b2r}, {f_op}), 4};
    r.batches = {
        {{Secrets(1), Begin(2, 1), Entry(1, 3, 1, 0, {}, State(x.s2)), Begin(4, 2),
          Entry(1, 5, 2, 1, {}, State(x.p)), BeginOp(6, 3, a3, "updating")},
         Deployment({x.s2, x.p, x.a2r, x.b2r}, {Op(a3, "updating")})},
        {{Entry(2, 7, 3, 2, {}, State(a3)), BeginOp(8, 4, PetGoal("e", "e1"), "creating")},
         Deployment({x.s2, x.p, x.a2r, x.b2r}, {Op(PetGoal("e", "e1"), "creating")})},
        {{Entry(2, 9, 4, {}, {}, State(e)), BeginOp(10, 5, PetGoal("f", "f1"), "creating")},
         Deployment({x.s2, x.p, x.a2r, x.b2r}, {f_op})},
    };
    runs.push_back(std::move(r));
  }
  // 5: cancelled up; base [0 s2, 1 p, 2 a2r, 3 b2r] with the base's pending
  // create of f, which replay keeps after the update's own.
  {
    const std::string f_op = Op(PetGoal("f", "f1"), "creating");
    const std::string g_op = Op(PetGoal("g", "g1"), "creating");
    const std::string h_op = Op(PetGoal("h", "h1"), "creating");
    Run r{"update", {}, "cancel", Deployment({x.s2, x.g, x.p, x.a2r, x.b2r}, {h_op, f_op}), 5};
    r.batches = {
        {{Secrets(1), Begin(2, 1), Entry(1, 3, 1, 0, {}, State(x.s2)), BeginOp(4, 2, PetGoal("g", "g1"), "creating")},
         Deployment({x.s2, x.p, x.a2r, x.b2r}, {g_op, f_op})},
        {{Entry(1, 5, 2, {}, {}, State(x.g)), BeginOp(6, 3, PetGoal("h", "h1"), "creating")},
         Deployment({x.s2, x.g, x.p, x.a2r, x.b2r}, {h_op, f_op})},
    };
    runs.push_back(std::move(r));
  }
  return runs;
}

}  // namespace statehouse::testing::journal_flow
