// Audit logs over HTTP: real actions become events, paging, filters, access
// rules, and the gzip CSV / CEF exports.

#include <gtest/gtest.h>

#include <chrono>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "test/integration/harness.h"
#include "test/integration/update_driver.h"

namespace statehouse::testing {
namespace {

namespace json = boost::json;

int64_t WallSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Splits RFC 4180 CSV text into records of fields.
std::vector<std::vector<std::string>> ParseCsv(std::string_view text) {
  std::vector<std::vector<std::string>> records;
  std::vector<std::string> record;
  std::string field;
  bool quoted = false;
  bool field_started = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field.push_back('"');
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field.push_back(c);
      }
    } else if (c == '"' && field.empty()) {
      quoted = true;
      field_started = true;
    } else if (c == ',') {
      record.push_back(std::move(field));
      field.clear();
      field_started = true;
    } else if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
      record.push_back(std::move(field));
      field.clear();
      records.push_back(std::move(record));
      record.clear();
      field_started = false;
      ++i;
    } else {
      field.push_back(c);
      field_started = true;
    }
  }
  if (field_started || !record.empty()) {
    record.push_back(std::move(field));
    records.push_back(std::move(record));
  }
  return records;
}

// One CEF line split at its seven unescaped header pipes: the prefix
// ("MMM dd HH:mm:ss host CEF:0") and the six other header fields (unescaped),
// then the extension pairs.
struct CefLine {
  std::vector<std::string> header;  // 7 fields, [0] is the prefix
  std::vector<std::pair<std::string, std::string>> extensions;
};

std::optional<CefLine> ParseCef(std::string_view line) {
  CefLine out;
  std::string field;
  size_t i = 0;
  for (; i < line.size() && out.header.size() < 7; ++i) {
    if (line[i] == '\\' && i + 1 < line.size()) {
      field.push_back(line[++i]);
    } else if (line[i] == '|') {
      out.header.push_back(std::move(field));
      field.clear();
    } else {
      field.push_back(line[i]);
    }
  }
  if (out.header.size() != 7) return std::nullopt;
  // Extensions: key=value pairs; a value runs until the next " key=" (a
  // literal '=' in a value is escaped, so it never looks like a key).
  std::string_view rest = line.substr(i);
  static const std::regex kKey(R"((?:^| )([A-Za-z]+)=)");
  std::vector<std::pair<size_t, std::string>> keys;  // value start, key
  for (auto it = std::cregex_iterator(rest.data(), rest.data() + rest.size(), kKey);
       it != std::cregex_iterator(); ++it) {
    const size_t at = static_cast<size_t>(it->position(0));
    keys.emplace_back(at + static_cast<size_t>(it->length(0)), (*it)[1].str());
  }
  for (size_t k = 0; k < keys.size(); ++k) {
    size_t end =
        k + 1 < keys.size() ? keys[k + 1].first - keys[k + 1].second.size() - 2 : rest.size();
    std::string raw(rest.substr(keys[k].first, end - keys[k].first));
    std::string value;
    for (size_t j = 0; j < raw.size(); ++j) {
      if (raw[j] == '\\' && j + 1 < raw.size()) {
        char next = raw[++j];
        value.push_back(next == 'n' ? '\n' : next == 'r' ? '\r' : next);
      } else {
        value.push_back(raw[j]);
      }
    }
    out.extensions.emplace_back(keys[k].second, value);
  }
  return out;
}

// One org per test ("acme-N", administered by the bootstrap admin) with
// member bob; carol exists but is not a member yet.
class AuditTest : public IntegrationTest {
 protected:
  void SetUp() override {
    IntegrationTest::SetUp();
    started_ = WallSeconds();
    admin_ = std::make_unique<HttpClient>(AdminClient());
    org_ = UniqueName("acme");
    CreateOrg(*admin_, org_, "admin");
    bob_login_ = UniqueName("bob");
    carol_login_ = UniqueName("carol");
    bob_ = std::make_unique<HttpClient>(Client(CreateUser(*admin_, bob_login_)));
    carol_ = std::make_unique<HttpClient>(Client(CreateUser(*admin_, carol_login_)));
    AddMember(*admin_, org_, bob_login_);
  }

  std::string Logs(std::string_view query = "") const {
    return "/api/orgs/" + org_ + "/auditlogs" + (query.empty() ? "" : "?" + std::string(query));
  }
  std::string Export(std::string_view query) const {
    return "/api/orgs/" + org_ + "/auditlogs/export?" + std::string(query);
  }
  // An upper bound after every event of the test.
  static std::string Upper() { return "startTime=" + std::to_string(WallSeconds() + 3600); }

  // Every event for `query` (which must hold startTime or similar), following
  // continuation tokens.
  std::vector<json::object> AllEvents(HttpClient& client, const std::string& query,
                                      int* pages = nullptr) {
    std::vector<json::object> out;
    std::string next = query;
    for (int page = 0; page < 1000; ++page) {
      HttpResponse r = client.Get(Logs(next));
      EXPECT_EQ(r.status, 200) << r;
      if (r.status != 200) break;
      json::value body = ParseJson(r.body);
      for (const json::value& e : body.at("auditLogEvents").as_array())
        out.push_back(e.as_object());
      if (pages != nullptr) *pages = page + 1;
      std::string token = GetString(body, "continuationToken");
      if (!body.as_object().contains("continuationToken")) break;
      EXPECT_FALSE(token.empty()) << r;
      // Every other parameter is sent again with the token, as the CLI does;
      // startTime is dropped so the token alone carries the position.
      std::string rest;
      for (size_t at = 0; at <= query.size();) {
        size_t end = query.find('&', at);
        if (end == std::string::npos) end = query.size();
        std::string part = query.substr(at, end - at);
        if (!part.empty() && !part.starts_with("startTime=")) rest += "&" + part;
        at = end + 1;
      }
      next = "continuationToken=" + UrlEncode(token) + rest;
    }
    return out;
  }

  // The events of `kinds` (display names), newest first: the test's own
  // actions, without logins or auth failures its clients cause.
  static std::vector<json::object> Only(const std::vector<json::object>& events,
                                        const std::set<std::string>& kinds) {
    std::vector<json::object> out;
    for (const auto& e : events) {
      if (kinds.contains(GetString(e, "event"))) out.push_back(e);
    }
    return out;
  }

  // user.githubLogin of an event.
  static std::string Login(const json::object& event) {
    const json::value* user = event.if_contains("user");
    return user != nullptr ? GetString(*user, "githubLogin") : std::string("(no user)");
  }

  static std::vector<std::string> Names(const std::vector<json::object>& events) {
    std::vector<std::string> out;
    for (const auto& e : events) out.push_back(GetString(e, "event"));
    return out;
  }

  HttpResponse CreateTeam(std::string_view name, std::string_view display_name = "Team") {
    return admin_->Post("/api/orgs/" + org_ + "/teams/pulumi",
                        Json({{"name", name}, {"displayName", display_name}, {"description", ""}}));
  }

  int64_t started_ = 0;
  std::unique_ptr<HttpClient> admin_, bob_, carol_;
  std::string org_, bob_login_, carol_login_;
};

TEST_F(AuditTest, OrgActionsAreRecordedNewestFirstWithActorAndFlags) {
  const std::string teams = "/api/orgs/" + org_ + "/teams";
  ASSERT_EQ(CreateTeam("devs").status, 201);
  ASSERT_EQ(admin_->Patch(teams + "/devs", Json({{"memberAction", "add"}, {"member", bob_login_}}))
                .status,
            204);
  ASSERT_EQ(admin_->Patch("/api/orgs/" + org_, R"({"setDefaultStackPermission":101})").status, 200);
  ASSERT_EQ(
      admin_->Patch("/api/orgs/" + org_ + "/members/" + bob_login_, R"({"role":"admin"})").status,
      204);
  AddMember(*admin_, org_, carol_login_);
  ASSERT_EQ(admin_->Delete("/api/orgs/" + org_ + "/members/" + carol_login_).status, 204);
  ASSERT_EQ(admin_
                ->Post("/api/orgs/" + org_ + "/services",
                       Json({{"ownerType", "user"}, {"ownerName", "admin"}, {"name", "checkout"}}))
                .status,
            200);
  ASSERT_EQ(admin_->Delete(teams + "/devs").status, 204);
  const int64_t finished = WallSeconds();

  const std::set<std::string> kinds = {
      "Member Added", "Member Removed", "Member Role Changed", "Team Created",
      "Team Updated", "Team Deleted",   "Service Created",     "Organization Settings Changed"};
  std::vector<json::object> events = Only(AllEvents(*admin_, Upper()), kinds);
  EXPECT_EQ(Names(events), (std::vector<std::string>{
                               "Team Deleted", "Service Created", "Member Removed", "Member Added",
                               "Member Role Changed", "Organization Settings Changed",
                               "Team Updated", "Team Created", "Member Added"}));
  ASSERT_EQ(events.size(), 9u);
  int64_t previous = INT64_MAX;
  for (const auto& e : events) {
    SCOPED_TRACE(Json(e));
    const int64_t t = GetInt(e, "timestamp").value_or(0);
    EXPECT_GE(t, started_ - 1);
    EXPECT_LE(t, finished + 1);
    EXPECT_LE(t, previous);
    previous = t;
    ASSERT_TRUE(e.contains("user") && e.at("user").is_object());
    const json::object* user = &e.at("user").as_object();
    EXPECT_EQ(GetString(*user, "githubLogin"), "admin");
    EXPECT_TRUE(user->contains("name"));
    EXPECT_EQ(GetString(*user, "avatarUrl"), "");
    EXPECT_EQ(e.at("reqOrgAdmin"), json::value(true));
    EXPECT_FALSE(e.contains("reqStackAdmin"));
    EXPECT_FALSE(e.contains("authFailure"));
    EXPECT_FALSE(GetString(e, "tokenID").empty());
    EXPECT_TRUE(e.contains("tokenName"));
    EXPECT_FALSE(GetString(e, "description").empty());
    EXPECT_TRUE(e.contains("sourceIP"));
  }
  EXPECT_EQ(GetString(events[6], "sourceIP"), "127.0.0.1");  // Team Updated
  EXPECT_EQ(GetString(events[0], "description"), "Deleted team \"devs\"");
  EXPECT_EQ(GetString(events[1], "description"), "Created service \"user/admin/checkout\"");
  EXPECT_EQ(GetString(events[2], "description"),
            "Removed \"" + carol_login_ + "\" from organization \"" + org_ + "\"");
  EXPECT_EQ(GetString(events[4], "description"),
            "Changed organization role for \"" + bob_login_ + "\" to admin");
  EXPECT_EQ(GetString(events[5], "description"),
            "Changed the default stack permission of organization \"" + org_ + "\" to read");
  EXPECT_NE(GetString(events[6], "description").find(bob_login_), std::string::npos);
  EXPECT_EQ(GetString(events[7], "description"), "Created team \"devs\"");
  EXPECT_NE(GetString(events[8], "description").find(bob_login_), std::string::npos);
}

TEST_F(AuditTest, StackSecretAndUpdateEventsAreRecorded) {
  const std::string project = UniqueName("proj");
  ASSERT_EQ(CreateStack(*admin_, org_, project, "dev").status, 200);
  const std::string path = StackPath(org_, project, "dev");
  HttpResponse encrypted = admin_->Post(path + "/encrypt", Json({{"plaintext", "aGVsbG8="}}));
  ASSERT_EQ(encrypted.status, 200) << encrypted;
  const std::string ciphertext = GetString(ParseJson(encrypted.body), "ciphertext");
  ASSERT_EQ(admin_->Post(path + "/decrypt", Json({{"ciphertext", ciphertext}})).status, 200);
  ReplayDriver driver(*admin_, server(), path);
  ReplayUpdate update = driver.Begin("update", false);
  ASSERT_FALSE(update.token.empty());
  ASSERT_EQ(driver.Complete(update).status, 204);

  std::vector<json::object> all = AllEvents(*admin_, Upper());
  std::vector<json::object> events = Only(
      all, {"Stack Created", "Secret Decrypted", "Stack Update Started", "Stack Update Completed"});
  ASSERT_EQ(Names(events),
            (std::vector<std::string>{"Stack Update Completed", "Stack Update Started",
                                      "Secret Decrypted", "Stack Created"}));
  const std::string stack = project + "/dev";
  EXPECT_EQ(GetString(events[1], "description"),
            "Started update \"" + update.id + "\" for stack \"" + stack + "\"");
  EXPECT_EQ(
      GetString(events[0], "description"),
      "Completed update \"" + update.id + "\" for stack \"" + stack + "\" with result succeeded");
  const std::string suffix = ciphertext.substr(ciphertext.size() - 8);
  EXPECT_EQ(GetString(events[2], "description"), "Decrypted secret value for stack \"" + stack +
                                                     "\" (cipher text suffix: \"" + suffix + "\")");
  EXPECT_EQ(GetString(events[3], "description"), "Created stack \"" + stack + "\"");
  for (const auto& e : events) {
    EXPECT_FALSE(e.contains("reqOrgAdmin")) << Json(e);
    EXPECT_FALSE(e.contains("reqStackAdmin")) << Json(e);
    EXPECT_EQ(Login(e), "admin");
  }
}

TEST_F(AuditTest, ContinuationTokensVisitEveryEventOnce) {
  constexpr int kTeams = 23;
  for (int i = 0; i < kTeams; ++i) ASSERT_EQ(CreateTeam("t" + std::to_string(i)).status, 201);
  int pages = 0;
  std::vector<json::object> events = AllEvents(*admin_, Upper() + "&pageSize=4", &pages);
  std::vector<json::object> teams = Only(events, {"Team Created"});
  ASSERT_EQ(teams.size(), static_cast<size_t>(kTeams));
  EXPECT_GE(pages, (kTeams + 3) / 4);
  for (int i = 0; i < kTeams; ++i) {
    EXPECT_EQ(GetString(teams[i], "description"),
              "Created team \"t" + std::to_string(kTeams - 1 - i) + "\"");
  }
  // Same events when fetched in one page of the default size.
  HttpResponse one = admin_->Get(Logs(Upper()));
  ASSERT_EQ(one.status, 200) << one;
  json::value body = ParseJson(one.body);
  EXPECT_EQ(body.at("auditLogEvents").as_array().size(), events.size());
  EXPECT_FALSE(body.as_object().contains("continuationToken"));

  // A bare timestamp token continues strictly before that second.
  const int64_t oldest = GetInt(events.back(), "timestamp").value_or(0);
  HttpResponse before = admin_->Get(Logs("continuationToken=" + std::to_string(oldest)));
  ASSERT_EQ(before.status, 200) << before;
  EXPECT_TRUE(ParseJson(before.body).at("auditLogEvents").as_array().empty()) << before;
  // startTime is an inclusive upper bound: at the newest event's second it is included.
  const int64_t newest = GetInt(events.front(), "timestamp").value_or(0);
  HttpResponse at = admin_->Get(Logs("startTime=" + std::to_string(newest) + "&pageSize=1"));
  ASSERT_EQ(at.status, 200) << at;
  ASSERT_EQ(ParseJson(at.body).at("auditLogEvents").as_array().size(), 1u);
  HttpResponse older = admin_->Get(Logs("startTime=" + std::to_string(oldest - 1)));
  ASSERT_EQ(older.status, 200) << older;
  EXPECT_TRUE(ParseJson(older.body).at("auditLogEvents").as_array().empty()) << older;
  // endTime is an inclusive lower bound.
  HttpResponse since = admin_->Get(Logs(Upper() + "&endTime=" + std::to_string(newest + 1)));
  ASSERT_EQ(since.status, 200) << since;
  EXPECT_TRUE(ParseJson(since.body).at("auditLogEvents").as_array().empty()) << since;
}

TEST_F(AuditTest, EventAndUserFilters) {
  ASSERT_EQ(
      admin_->Patch("/api/orgs/" + org_ + "/members/" + bob_login_, R"({"role":"admin"})").status,
      204);
  ASSERT_EQ(CreateTeam("by-admin").status, 201);
  ASSERT_EQ(bob_->Post("/api/orgs/" + org_ + "/teams/pulumi",
                       Json({{"name", "by-bob"}, {"displayName", "B"}, {"description", ""}}))
                .status,
            201);

  auto bobs = AllEvents(*admin_, Upper() + "&userFilter=" + bob_login_ + "&pageSize=1");
  ASSERT_FALSE(bobs.empty());
  for (const auto& e : bobs) {
    EXPECT_EQ(Login(e), bob_login_) << Json(e);
  }
  EXPECT_EQ(Names(Only(bobs, {"Team Created"})), std::vector<std::string>{"Team Created"});
  // The CLI's spelling, and a login in another case.
  std::string upper_login = bob_login_;
  for (char& c : upper_login) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  auto cli = AllEvents(*admin_, Upper() + "&user=" + upper_login + "&eventType=team-created");
  ASSERT_EQ(cli.size(), 1u);
  EXPECT_EQ(GetString(cli[0], "description"), "Created team \"by-bob\"");

  auto teams = AllEvents(*admin_, Upper() + "&eventFilter=Team%20Created");
  EXPECT_EQ(Names(teams), (std::vector<std::string>{"Team Created", "Team Created"}));
  auto several =
      AllEvents(*admin_, Upper() + "&eventFilter=team-created,member-role-changed&pageSize=1");
  EXPECT_EQ(Names(several),
            (std::vector<std::string>{"Team Created", "Team Created", "Member Role Changed"}));
  auto repeated = AllEvents(
      *admin_, Upper() + "&eventFilter=Member+Added&pageSize=1&eventFilter=member-role-changed");
  EXPECT_EQ(Names(repeated), (std::vector<std::string>{"Member Role Changed", "Member Added"}));
  auto none = AllEvents(*admin_, Upper() + "&eventFilter=no-such-event");
  EXPECT_TRUE(none.empty());

  ExpectJsonError(admin_->Get(Logs(Upper() + "&userFilter=" + UniqueName("nobody"))), 404);
  ExpectJsonError(admin_->Get(Export(Upper() + "&userFilter=" + UniqueName("nobody"))), 404);
}

TEST_F(AuditTest, OnlyOrgAdminsMayReadAndQueriesAreValidated) {
  ExpectJsonError(bob_->Get(Logs(Upper())), 403);
  ExpectJsonError(bob_->Get(Export(Upper())), 403);
  ExpectJsonError(carol_->Get(Logs(Upper())), 404);
  ExpectJsonError(Client().Get(Logs(Upper())), 401);
  ExpectJsonError(admin_->Get("/api/orgs/" + UniqueName("nosuch") + "/auditlogs?" + Upper()), 404);

  ExpectJsonError(admin_->Get(Logs()), 400);
  ExpectJsonError(admin_->Get(Logs("eventFilter=team-created")), 400);
  ExpectJsonError(admin_->Get(Export("format=csv")), 400);
  ExpectJsonError(admin_->Get(Logs("continuationToken=not-a-token!")), 400);
  ExpectJsonError(admin_->Get(Logs("startTime=yesterday")), 400);
  ExpectJsonError(admin_->Get(Logs(Upper() + "&pageSize=0")), 400);
  ExpectJsonError(admin_->Get(Logs(Upper() + "&pageSize=1001")), 400);
  ExpectJsonError(admin_->Get(Logs("startTime=100&endTime=200")), 400);
  ExpectJsonError(admin_->Get(Export(Upper() + "&format=xml")), 400);
  EXPECT_EQ(admin_->Get(Logs(Upper() + "&pageSize=1000")).status, 200);

  // Audit rows cannot be changed through the API.
  for (std::string_view method : {"POST", "PUT", "PATCH", "DELETE"}) {
    HttpResponse r = admin_->Request(method, Logs(), "{}");
    EXPECT_TRUE(r.status == 404 || r.status == 405) << method << " " << r;
  }

  // The denied member's attempt is itself recorded as an auth failure.
  auto failures = Only(AllEvents(*admin_, Upper()), {"Auth Failure Organization Role"});
  ASSERT_FALSE(failures.empty());
  EXPECT_EQ(Login(failures.back()), bob_login_);
  EXPECT_EQ(failures.back().at("authFailure"), json::value(true));
}

TEST_F(AuditTest, CsvExportIsGzippedRfc4180) {
  ASSERT_EQ(CreateTeam("quoted", "Ops, \"Night\" shift").status, 201);
  ASSERT_EQ(admin_
                ->Patch("/api/orgs/" + org_ + "/teams/quoted",
                        Json({{"newDisplayName", "Ops, \"Day\" shift"}}))
                .status,
            204);
  HttpResponse r = admin_->Get(Export(Upper()));
  ASSERT_EQ(r.status, 200) << r;
  EXPECT_EQ(r.Header("content-encoding"), "gzip");
  EXPECT_TRUE(r.Header("content-type").starts_with("text/plain")) << r.Header("content-type");
  std::optional<std::string> text = Gunzip(r.body);
  ASSERT_TRUE(text.has_value()) << "export body is not gzip";
  auto records = ParseCsv(*text);
  ASSERT_GE(records.size(), 4u) << *text;
  EXPECT_EQ(records[0], (std::vector<std::string>{"Timestamp", "Name", "Login", "Event",
                                                  "Description", "SourceIP", "RequireOrgAdmin",
                                                  "RequireStackAdmin", "AuthenticationFailure"}));
  std::vector<std::vector<std::string>> rows(records.begin() + 1, records.end());
  for (const auto& row : rows) {
    ASSERT_EQ(row.size(), 9u) << *text;
    EXPECT_TRUE(std::regex_match(row[0], std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)")))
        << row[0];
    for (int flag = 6; flag < 9; ++flag) {
      EXPECT_TRUE(row[flag] == "true" || row[flag] == "false") << row[flag];
    }
  }
  std::vector<std::vector<std::string>> teams;
  for (const auto& row : rows) {
    if (row[3] == "Team Created" || row[3] == "Team Updated" || row[3] == "Member Added") {
      teams.push_back(row);
    }
  }
  ASSERT_EQ(teams.size(), 3u) << *text;
  EXPECT_EQ(teams[0][3], "Team Updated");
  EXPECT_NE(teams[0][4].find("Ops, \"Day\" shift"), std::string::npos) << teams[0][4];
  EXPECT_EQ(teams[0][2], "admin");
  EXPECT_EQ(teams[0][5], "127.0.0.1");
  EXPECT_EQ(teams[0][6], "true");
  EXPECT_EQ(teams[1][4], "Created team \"quoted\"");
  EXPECT_EQ(teams[2][3], "Member Added");
  EXPECT_NE(text->find("\"Created team \"\"quoted\"\"\""), std::string::npos);  // raw quoting

  // Gzip even when not asked for; a client that asks gets one layer only.
  HttpClient gzip_client = AdminClient();
  gzip_client.set_accept_gzip(true);
  HttpResponse decoded = gzip_client.Get(Export(Upper() + "&format=csv"));
  ASSERT_EQ(decoded.status, 200) << decoded;
  EXPECT_EQ(decoded.Header("content-encoding"), "gzip");
  EXPECT_TRUE(decoded.body.starts_with("Timestamp,Name,Login,Event,"))
      << decoded.body.substr(0, 40);

  auto filtered =
      ParseCsv(*Gunzip(admin_->Get(Export(Upper() + "&eventFilter=Team+Updated")).body));
  ASSERT_EQ(filtered.size(), 2u);
  EXPECT_EQ(filtered[1][3], "Team Updated");
}

TEST_F(AuditTest, CefExportLinesParse) {
  ASSERT_EQ(CreateTeam("cef-team").status, 201);
  HttpResponse r = admin_->Get(Export(Upper() + "&format=cef"));
  ASSERT_EQ(r.status, 200) << r;
  EXPECT_EQ(r.Header("content-encoding"), "gzip");
  std::optional<std::string> text = Gunzip(r.body);
  ASSERT_TRUE(text.has_value());
  ASSERT_FALSE(text->empty());
  ASSERT_EQ(text->back(), '\n');
  const std::vector<std::string> keys = {"authenticationFailure",
                                         "dvchost",
                                         "orgID",
                                         "requireOrgAdmin",
                                         "requireStackAdmin",
                                         "rt",
                                         "src",
                                         "suser",
                                         "tokenID",
                                         "tokenName",
                                         "userID"};
  size_t lines = 0;
  bool saw_team = false;
  size_t start = 0;
  while (start < text->size()) {
    size_t end = text->find('\n', start);
    std::string line = text->substr(start, end - start);
    start = end + 1;
    ++lines;
    SCOPED_TRACE(line);
    auto cef = ParseCef(line);
    ASSERT_TRUE(cef.has_value());
    EXPECT_TRUE(std::regex_match(
        cef->header[0], std::regex(R"([A-Z][a-z]{2} \d\d \d\d:\d\d:\d\d 127\.0\.0\.1 CEF:0)")))
        << cef->header[0];
    EXPECT_EQ(cef->header[1], "Pulumi");
    EXPECT_EQ(cef->header[2], "Pulumi Service");
    EXPECT_EQ(cef->header[3], "1.0");
    EXPECT_EQ(cef->header[6], "0");
    std::vector<std::string> got_keys;
    for (const auto& [key, value] : cef->extensions) got_keys.push_back(key);
    EXPECT_EQ(got_keys, keys);
    ASSERT_EQ(cef->extensions.size(), keys.size());
    EXPECT_EQ(cef->extensions[1].second, "127.0.0.1");
    const int64_t rt = std::stoll(cef->extensions[5].second);
    EXPECT_EQ(rt % 1000, 0);
    EXPECT_GE(rt / 1000, started_ - 1);
    if (cef->header[4] == "Team Created") {
      saw_team = true;
      EXPECT_EQ(cef->header[5], "Created team \"cef-team\"");
      EXPECT_EQ(cef->extensions[3].second, "true");
      EXPECT_EQ(cef->extensions[7].second, "admin");
      EXPECT_FALSE(cef->extensions[8].second.empty());   // tokenID
      EXPECT_FALSE(cef->extensions[10].second.empty());  // userID
    }
  }
  EXPECT_GE(lines, 2u);
  EXPECT_TRUE(saw_team);

  // The host comes from the Host header, without its port.
  HttpResponse named =
      admin_->Get(Export(Upper() + "&format=cef"), {{"Host", "audit.example.com:8443"}});
  ASSERT_EQ(named.status, 200) << named;
  std::optional<std::string> named_text = Gunzip(named.body);
  ASSERT_TRUE(named_text.has_value());
  EXPECT_NE(named_text->find(" audit.example.com CEF:0|"), std::string::npos) << *named_text;
  EXPECT_NE(named_text->find(" dvchost=audit.example.com "), std::string::npos);
}

}  // namespace
}  // namespace statehouse::testing
