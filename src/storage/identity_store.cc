// Users, organizations, memberships and access tokens.

#include <fmt/format.h>

#include "storage/sql_store.h"

namespace statehouse::storage {
namespace {

SH_QUERY(kHasNoUsers, "SELECT NOT EXISTS (SELECT 1 FROM users)");
SH_QUERY(kInsertUser,
         "INSERT INTO users (id, login, name, email, site_admin, created)"
         " VALUES ($1, $2, $3, $4, $5, $6)");
SH_QUERY(kSelectUserByLogin,
         "SELECT id, login, name, email, site_admin, created FROM users"
         " WHERE sh_fold(login) = sh_fold($1)");

SH_QUERY(kInsertOrg,
         "INSERT INTO orgs (id, name, created, default_stack_permission) VALUES ($1, $2, $3, $4)");
SH_QUERY(kSelectOrgByName,
         "SELECT id, name, created, default_stack_permission FROM orgs"
         " WHERE sh_fold(name) = sh_fold($1)");
SH_QUERY(kInsertMembership,
         "INSERT INTO memberships (org_id, user_id, role, created) VALUES ($1, $2, $3, $4)");
SH_QUERY(kSelectRole, "SELECT role FROM memberships WHERE org_id = $1 AND user_id = $2");
SH_QUERY(kSelectMemberships,
         "SELECT m.org_id, o.name, m.user_id, m.role, m.created"
         " FROM memberships AS m JOIN orgs AS o ON o.id = m.org_id"
         " WHERE m.user_id = $1 ORDER BY sh_fold(o.name), o.id");

SH_QUERY(kInsertToken,
         "INSERT INTO tokens (id, user_id, hash, name, description, created, last_used, expires)"
         " VALUES ($1, $2, $3, $4, $5, $6, $7, $8)");
SH_QUERY(kSelectTokenByHash,
         "SELECT t.id, t.user_id, t.name, t.description, t.created, t.last_used, t.expires,"
         " u.id, u.login, u.name, u.email, u.site_admin, u.created"
         " FROM tokens AS t JOIN users AS u ON u.id = t.user_id"
         " WHERE t.hash = $1 AND NOT t.deleted");
SH_QUERY(kUpdateTokenLastUsed, "UPDATE tokens SET last_used = $2 WHERE id = $1 AND NOT deleted");
SH_QUERY(kSelectTokens,
         "SELECT id, user_id, name, description, created, last_used, expires FROM tokens"
         " WHERE user_id = $1 AND NOT deleted ORDER BY created, id LIMIT $2");
SH_QUERY(kSelectTokensAfter,
         "SELECT id, user_id, name, description, created, last_used, expires FROM tokens"
         " WHERE user_id = $1 AND NOT deleted"
         " AND (created, id) > (SELECT created, id FROM tokens WHERE id = $3 AND user_id = $1)"
         " ORDER BY created, id LIMIT $2");
SH_QUERY(kDeleteToken,
         "UPDATE tokens SET deleted = TRUE WHERE id = $1 AND user_id = $2 AND NOT deleted");

Result<void> InsertUser(Session& s, const UserRecord& user) {
  return AlreadyExistsAs(s.Run(kInsertUser, Params::Of(user.id, user.login, user.name, user.email,
                                                       user.site_admin, user.created)),
                         fmt::format("user '{}' already exists", user.login));
}

Result<void> InsertOrg(Session& s, const OrgRecord& org) {
  return AlreadyExistsAs(
      s.Run(kInsertOrg, Params::Of(org.id, org.name, org.created, org.default_stack_permission)),
      fmt::format("organization '{}' already exists", org.name));
}

Result<void> InsertMembership(Session& s, const std::string& org_id, const std::string& user_id,
                              OrgRole role, int64_t created, std::string taken_message) {
  return AlreadyExistsAs(
      s.Run(kInsertMembership, Params::Of(org_id, user_id, static_cast<int64_t>(role), created)),
      std::move(taken_message));
}

Result<void> InsertToken(Session& s, const TokenRecord& token, const std::string& user_id,
                         const std::string& token_hash) {
  return AlreadyExistsAs(
      s.Run(kInsertToken, Params::Of(token.id, user_id, token_hash, token.name, token.description,
                                     token.created, token.last_used, token.expires)),
      "token already exists");
}

}  // namespace

UserRecord ReadUser(const Rows& rows, int first) {
  return UserRecord{rows.Text(first),         rows.Text(first + 1), rows.Text(first + 2),
                    rows.Text(first + 3),     rows.Bool(first + 4), rows.Int(first + 5)};
}

OrgRecord ReadOrg(const Rows& rows, int first) {
  return OrgRecord{rows.Text(first), rows.Text(first + 1), rows.Int(first + 2),
                   static_cast<int>(rows.Int(first + 3))};
}

TokenRecord ReadToken(const Rows& rows, int first) {
  return TokenRecord{rows.Text(first),     rows.Text(first + 1), rows.Text(first + 2),
                     rows.Text(first + 3), rows.Int(first + 4),  rows.Int(first + 5),
                     rows.Int(first + 6)};
}

Result<bool> SqlStore::HasNoUsers() {
  SH_ASSIGN_OR_RETURN(const int64_t none, engine_->QueryInt(kHasNoUsers));
  return none != 0;
}

Result<void> SqlStore::CreateUserWithPersonalOrg(const UserRecord& user, const OrgRecord& org,
                                                 const std::optional<TokenRecord>& token,
                                                 const std::string& token_hash) {
  return engine_->Write([&](Session& s) -> Result<void> {
    SH_TRY(InsertUser(s, user));
    SH_TRY(InsertOrg(s, org));
    SH_TRY(InsertMembership(s, org.id, user.id, OrgRole::kAdmin, org.created,
                            "membership already exists"));
    if (token) SH_TRY(InsertToken(s, *token, user.id, token_hash));
    return {};
  });
}

Result<UserRecord> SqlStore::GetUserByLogin(const std::string& login) {
  return engine_->One(
      kSelectUserByLogin, Params::Of(login), [](const Rows& rows) { return ReadUser(rows, 0); },
      fmt::format("user '{}' not found", login));
}

Result<void> SqlStore::CreateOrg(const OrgRecord& org, const std::string& admin_user_id) {
  return engine_->Write([&](Session& s) -> Result<void> {
    SH_TRY(InsertOrg(s, org));
    return InsertMembership(s, org.id, admin_user_id, OrgRole::kAdmin, org.created,
                            "membership already exists");
  });
}

Result<OrgRecord> SqlStore::GetOrgByName(const std::string& name) {
  return engine_->One(
      kSelectOrgByName, Params::Of(name), [](const Rows& rows) { return ReadOrg(rows, 0); },
      fmt::format("organization '{}' not found", name));
}

Result<OrgRole> SqlStore::GetRole(const std::string& org_id, const std::string& user_id) {
  SH_ASSIGN_OR_RETURN(const int64_t role,
                      engine_->QueryInt(kSelectRole, Params::Of(org_id, user_id)));
  return ToRole(role);
}

Result<std::vector<MembershipRecord>> SqlStore::ListMemberships(const std::string& user_id) {
  return engine_->All(kSelectMemberships, Params::Of(user_id), [](const Rows& rows) {
    return MembershipRecord{rows.Text(0), rows.Text(1), rows.Text(2), ToRole(rows.Int(3)),
                            rows.Int(4)};
  });
}

Result<void> SqlStore::AddMember(const std::string& org_id, const std::string& user_id,
                                 OrgRole role, int64_t created) {
  return engine_->Write([&](Session& s) -> Result<void> {
    return InsertMembership(s, org_id, user_id, role, created,
                            "user is already a member of the organization");
  });
}

Result<void> SqlStore::CreateToken(const TokenRecord& token, const std::string& token_hash) {
  return engine_->Write(
      [&](Session& s) -> Result<void> { return InsertToken(s, token, token.user_id, token_hash); });
}

Result<std::optional<TokenLookup>> SqlStore::FindTokenByHash(const std::string& token_hash) {
  return engine_->Single([&](Session& s) -> Result<std::optional<TokenLookup>> {
    SH_ASSIGN_OR_RETURN(auto rows, s.Query(kSelectTokenByHash, Params::Of(token_hash)));
    if (!rows.Next()) return std::nullopt;
    return TokenLookup{ReadToken(rows, 0), ReadUser(rows, 7)};
  });
}

Result<void> SqlStore::SetTokenLastUsed(const std::string& token_id, int64_t when) {
  return engine_->Write([&](Session& s) -> Result<void> {
    return s.Run(kUpdateTokenLastUsed, Params::Of(token_id, when));
  });
}

Result<std::vector<TokenRecord>> SqlStore::ListTokens(const std::string& user_id,
                                                      const std::optional<std::string>& after_id,
                                                      int limit) {
  if (limit <= 0) return std::vector<TokenRecord>{};
  Params params = Params::Of(user_id, limit);
  if (after_id) params.Text(*after_id);
  return engine_->All(after_id ? kSelectTokensAfter : kSelectTokens, params,
                      [](const Rows& rows) { return ReadToken(rows, 0); });
}

Result<void> SqlStore::DeleteToken(const std::string& user_id, const std::string& token_id) {
  return engine_->ChangeOne(kDeleteToken, Params::Of(token_id, user_id), "token not found");
}

}  // namespace statehouse::storage
