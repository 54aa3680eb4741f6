#pragma once

#include "audit/service.h"
#include "auth/authorizer.h"
#include "http/router.h"

namespace statehouse::audit {

// Audit log routes (org admins only; Pulumi Cloud's V1 audit log API):
//   GET /api/orgs/{org}/auditlogs         JSON page, newest first
//   GET /api/orgs/{org}/auditlogs/export  CSV (default) or CEF, always gzip
// Query: startTime (Unix s, upper bound: events at or before it) and/or
// continuationToken (one is required); endTime (lower bound, inclusive);
// eventFilter / eventType (ids or display names, repeated or
// comma-separated); userFilter / user (login); pageSize (JSON, 1..1000,
// default 100); format (export: csv | cef). There are no routes that edit or
// delete audit rows.
void RegisterRoutes(http::Router& router, auth::Authorizer& authorizer, AuditService& service);

}  // namespace statehouse::audit
