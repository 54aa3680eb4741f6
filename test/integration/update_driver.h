#pragma once

// Drives the CLI's update calls against the real binary for the import and
// replay tests: the user client for token calls and a gzip-sending client for
// update-token calls, as the CLI does.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/crypto.h"
#include "test/integration/harness.h"

namespace statehouse::testing {

// A Pulumi-shaped resource of `project`/`stack` (custom, with a provider
// reference and a dependency on the previous one when `index` > 0).
inline std::string ReplayResource(std::string_view project, std::string_view stack, int index,
                                  std::string_view tag = "v0") {
  const std::string prefix =
      "urn:pulumi:" + std::string(stack) + "::" + std::string(project) + "::";
  const std::string i = std::to_string(index);
  std::string r = R"({"urn":")" + prefix + "random:index/randomPet:RandomPet::pet" + i +
                  R"(","custom":true,"id":"pet-)" + i + "-" + std::string(tag) +
                  R"(","type":"random:index/randomPet:RandomPet","inputs":{"length":2},)"
                  R"("outputs":{"id":"pet-)" + i + "-" + std::string(tag) + R"("},"parent":")" +
                  prefix + "pulumi:pulumi:Stack::" + std::string(project) + "-" +
                  std::string(stack) + R"(","provider":")" + prefix +
                  R"(pulumi:providers:random::default::0a1b2c")";
  if (index > 0) {
    r += R"(,"dependencies":[")" + prefix + "random:index/randomPet:RandomPet::pet" +
         std::to_string(index - 1) + R"("])";
  }
  return r + "}";
}

// A deployment as the CLI writes it, with the service secrets provider
// naming org/project/stack and `count` resources (none: no "resources" key,
// as the CLI omits an empty list).
inline std::string ReplayDeployment(std::string_view org, std::string_view project,
                                    std::string_view stack, int count, std::string_view tag = "v0") {
  std::string text =
      R"({"version":3,"deployment":{"manifest":{"time":"2026-11-22T10:00:00Z","magic":"m",)"
      R"("version":"v3.200.0"},"secrets_providers":{"type":"service","state":{"url":)"
      R"("https://pulumi.example.com","owner":")" + std::string(org) + R"(","project":")" +
      std::string(project) + R"(","stack":")" + std::string(stack) + R"("}})";
  if (count > 0) {
    text += R"(,"resources":[)";
    for (int i = 0; i < count; ++i) {
      if (i > 0) text += ",";
      text += ReplayResource(project, stack, i, tag);
    }
    text += "]";
  }
  return text + "}}";
}

inline std::string ReplayCreateBody(bool dry_run, std::string_view project = "proj") {
  return R"({"name":")" + std::string(project) +
         R"(","runtime":"nodejs","main":"","description":"","options":{"localPolicyPackPaths":[],)"
         R"("color":"raw","dryRun":)" + std::string(dry_run ? "true" : "false") +
         R"(,"parallel":8,"showConfig":false,"showReplacementSteps":false,"showNames":false,)"
         R"("summary":false,"debug":false},"config":{},"metadata":{"message":"replay",)"
         R"("environment":{"exec.kind":"cli"}}})";
}

struct ReplayUpdate {
  std::string id;
  std::string token;
  int64_t version = -1;
};

class ReplayDriver {
 public:
  ReplayDriver(HttpClient& user, const ServerProcess& server, std::string path)
      : user_(user), lease_(server.base_url()), path_(std::move(path)) {
    lease_.set_gzip_body(true);
  }

  void set_path(std::string path) { path_ = std::move(path); }
  const std::string& path() const { return path_; }

  // create (POST …/{kind}) then start, expecting 200s.
  ReplayUpdate Begin(std::string_view kind, bool dry_run) {
    ReplayUpdate u;
    HttpResponse created = user_.Post(path_ + "/" + std::string(kind), ReplayCreateBody(dry_run));
    EXPECT_EQ(created.status, 200) << created;
    u.id = GetString(ParseJson(created.body), "updateID");
    HttpResponse started = user_.Post(path_ + "/update/" + u.id, R"({"journalVersion":1})");
    EXPECT_EQ(started.status, 200) << started;
    if (started.status != 200) return u;
    boost::json::value body = ParseJson(started.body);
    u.token = GetString(body, "token");
    u.version = GetInt(body, "version").value_or(-1);
    return u;
  }

  HttpResponse Lease(std::string_view method, const ReplayUpdate& u, std::string_view suffix,
                     std::string_view body) {
    return lease_.Request(method, path_ + "/update/" + u.id + "/" + std::string(suffix), body,
                          {{"Authorization", "update-token " + u.token}});
  }
  HttpResponse Verbatim(const ReplayUpdate& u, const std::string& text, int64_t sequence) {
    return Lease("PATCH", u, "checkpointverbatim",
                 R"({"version":3,"untypedDeployment":)" + text + R"(,"sequenceNumber":)" +
                     std::to_string(sequence) + "}");
  }
  HttpResponse Complete(const ReplayUpdate& u, std::string_view status = "succeeded") {
    return Lease("POST", u, "complete", R"({"status":")" + std::string(status) + R"("})");
  }
  HttpResponse Export(std::string_view suffix = "") {
    return user_.Get(path_ + "/export" + std::string(suffix));
  }
  boost::json::array History() {
    HttpResponse r = user_.Get(path_ + "/updates?pageSize=10&page=1");
    EXPECT_EQ(r.status, 200) << r;
    if (r.status != 200) return {};
    return ParseJson(r.body).at("updates").as_array();
  }

 private:
  HttpClient& user_;
  HttpClient lease_;
  std::string path_;
};

}  // namespace statehouse::testing
