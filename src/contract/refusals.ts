/**
 * Every `code` the API answers a refusal with: REST `{ error, code }`, socket replies
 * `{ ok: false, code, error }`, login and password answers. Hub and pages share these words;
 * docs/errors.md explains each (test/unit/error-codes.test.ts fails on a code without its entry).
 * The SG_* codes of config and ingest problems are a separate vocabulary (src/core/errors.ts).
 */
export const REFUSAL_CODES = {
  // The edge: who is asking, and what they sent
  unauthenticated: 'No session, or it has ended: log in (again).',
  forbidden: 'The role may not do this (a guard the 110 workflow, an operator the property-response track).',
  not_found: "No such incident, or one outside the caller's scope (answered alike on purpose).",
  bad_request: 'The body, query or socket payload does not have the expected shape.',
  bad_filter: 'A query filter (`?site=`, `?since=`, `?limit=`…) that does not parse, or is given twice.',
  bad_host: 'A Host header that is not one of the names the hub answers to (`http.allowed_hosts`).',
  cross_origin: 'A state-changing request or socket from a page on another origin.',
  csrf: "A state-changing request without the session's X-CSRF-Token.",
  password_change_required: 'The one-time password must be changed before anything else.',
  payload_too_large: 'A request body over the limit (16 KiB).',
  internal: 'The hub failed while answering; the log has the details.',
  // Logging in and passwords
  bad_credentials: 'Wrong user name or password (one answer for both: no user-name probing).',
  rate_limited: 'Too many failed attempts from this address or for this account, or too many commands from one console socket or user; wait and retry.',
  bad_password: 'The current password given for a password change is wrong.',
  weak_password: 'The new password breaks a password rule.',
  // Cameras
  ambiguous_camera: 'Several sites have a camera with this id; `?site=` says which one.',
  live_unavailable: 'Live view cannot start; `reason` says why (not_authorized, unreachable, ended, failed, disabled, no_ffmpeg).',
  // The incident workflow (IncidentService)
  illegal_transition: "The incident's status does not allow this step (for example on scene before dispatch, feedback before on scene).",
  owned: 'Another operator owns the incident.',
  not_owned: 'Nobody owns the incident yet, so it cannot be handed over.',
  already_owner: 'The caller already owns the incident.',
  bad_disposition: 'Closing with a disposition that is not one of real, false, test, duplicate, cancelled.',
  empty_note: 'A note with no text.',
  too_many_notes: 'An incident already holds the most notes it may (100 notes, or 20,000 characters of notes).',
  bad_target:
    'A hand-over to someone who cannot take the incident (one answer whether unknown, disabled, a guard or another station), or a transfer to no ' +
    'receiving point.',
  no_units: 'Dispatch at a station with no units configured (config/stations.yaml `units:`).',
  bad_unit: "Dispatch of a unit that is not one of the responsible station's units.",
  bad_nature: 'A nature (警情类别/性质) that is not one of hub.yaml `triage.natures`.',
  dispatch_required: 'Closing before dispatch (派警) with a disposition that `triage.close_before_dispatch` does not allow.',
  feedback_required: 'Closing as real before the feedback (反馈) step.',
  owner_cancel_unverified: 'Closing as cancelled without a call where the owner cancelled with the right verbal password (业主撤警).',
  bad_contact: 'A call to a contact number the site does not have.',
  // Commissioning (issue 15)
  walk_test_running: 'A walk test (步测) of the site is already running; stop it first or wait for its end.',
  no_walk_test: 'No walk test of the site is running.',
  not_in_maintenance: 'Ending maintenance (维护) of a site or device that is not in maintenance.',
  no_zones: 'A walk test of a site whose file declares no zones: there is nothing to walk.',
  // Drills (演练, issue 15)
  not_drill: 'Turning into a real incident (转为真实警情) an incident that is not a drill.',
  bad_drill:
    'A drill start that cannot be: no site or station in your scope by that id (one answer for both), an end time not in the future or more than 24 h away.',
  drill_ended: 'Ending a drill that has already ended (early, or by itself at its end time).',
  // Reports (issue 14)
  // Cluster mode (issue 18)
  owner_unreachable:
    "The replica that owns the incident's site did not answer in time, is gone, or no replica owns the site during a failover; retry (a retry never runs " +
    'the command twice).',
  owner_changed:
    "The incident's site moved to another replica while the command ran (a failover or a lost lease); nothing of the command was committed; retry and the " +
    'new owner runs it.',
  busy: 'Too many reports are being built or waiting in the report worker (4 at once); try again in a few seconds.',
} as const;

export type RefusalCode = keyof typeof REFUSAL_CODES;
