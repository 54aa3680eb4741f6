#pragma once

#include <cstddef>
#include <string>

#include "auth/authorizer.h"
#include "engine_events/model.h"
#include "engine_events/service.h"
#include "http/router.h"

namespace statehouse::engine_events {

// POST …/update/{updateID}/events/batch (update token; bodies up to
// `state_body_limit` after gzip) and GET …/update/{updateID}/events.
void RegisterRoutes(http::Router& router, auth::Authorizer& authorizer,
                    EngineEventService& service, size_t state_body_limit);

// The engine-event views of the update routes (status poll events, history
// resourceChanges), backed by `service`, which must outlive them.
EventViews UpdateEventViews(EngineEventService& service);

// The GetUpdateEventsResponse body of `page`: each stored event's bytes as
// sent, with `"type":"<payload key>"` inserted first when the event has no
// `type` key of its own.
std::string EventPageJson(const EventPage& page);

}  // namespace statehouse::engine_events
