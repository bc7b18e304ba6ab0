"""Every URL × every persona × GET and POST (QUALITY bar 6, ASVS 4.1.1/4.2.1): the matrix.

Ten personas (tests/conftest.py): KISED's operator, a **second agency's operator** with nothing
in KISED's program, OpenAI's **partner admin** and partner staff, NVIDIA's partner staff, an
evaluator, startup A's representative and member, startup B's representative, and anonymous.

What a persona may not see answers 404 (never 403, so existence does not leak); anonymous
visitors are sent to sign in on pages that need an account; read-only pages refuse POST with
405. ``test_every_url_is_in_the_matrix`` fails when a URL is added without a row here.

Each row lists only the personas that differ from the row's default, so the table reads as
"who may". POSTs are empty: a permitted user gets the form back with errors (200) or a
redirect; nobody else learns anything.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

import pytest
from django.core.cache import cache
from django.db import transaction
from django.test import override_settings
from django.urls import get_resolver, resolve

from tests.conftest import PERSONA_NAMES

# CI runs this sweep on PostgreSQL only (pyproject.toml, .ci/run): its verdict does not
# depend on the database.
pytestmark = pytest.mark.one_database

OK, REDIRECT, BAD, NOT_FOUND, NOT_ALLOWED = 200, 302, 400, 404, 405
ALL = set(PERSONA_NAMES)
SIGNED_IN = ALL - {"anonymous"}
OPERATORS = {"operator", "operator_b"}
PARTNER_A = {"partner_admin", "partner_a"}
PARTNERS = PARTNER_A | {"partner_b"}
STARTUPS = {"startup_a", "startup_a_member", "startup_b"}
EVALUATORS = {"evaluator", "evaluator_conflicted"}


def expect(default=NOT_FOUND, anonymous=REDIRECT, **groups) -> dict[str, int]:
    """``expect(OK={"operator"})``: 200 for the operator, 404 for other signed-in personas,
    302 (to sign in) for anonymous. Keys are status names: OK, REDIRECT, BAD, NOT_FOUND,
    NOT_ALLOWED; values are sets of persona names."""
    statuses = {"OK": OK, "REDIRECT": REDIRECT, "BAD": BAD, "NOT_FOUND": NOT_FOUND,
                "NOT_ALLOWED": NOT_ALLOWED}
    result = dict.fromkeys(PERSONA_NAMES, default)
    result["anonymous"] = anonymous
    for name, people in groups.items():
        for person in people:
            result[person] = statuses[name]
    return result


EVERYONE = expect(OK, anonymous=OK)
# POST to a read-only page: refused before anything else is looked at, for everyone.
READ_ONLY = expect(NOT_ALLOWED, anonymous=NOT_ALLOWED)
# A POST-only action behind sign-in: GET is refused once signed in.
POST_ONLY = expect(NOT_ALLOWED)
OPERATOR = expect(OK={"operator"})
OPERATOR_POST = expect(REDIRECT={"operator"})
WEBHOOK_MANAGERS = OPERATORS | {"partner_admin", "startup_a", "startup_b"}

# url template, GET expectations, POST expectations
MATRIX = [
    # Public
    ("/", EVERYONE, READ_ONLY),
    ("/calls/{call}/", EVERYONE, READ_ONLY),
    ("/calls/{draft_call}/", expect(OK={"operator"} | PARTNER_A, anonymous=NOT_FOUND),
     READ_ONLY),
    ("/healthz", EVERYONE, READ_ONLY),
    # Home and audit
    ("/dashboard/", expect(OK=STARTUPS, REDIRECT=OPERATORS | PARTNERS | EVALUATORS),
     READ_ONLY),
    ("/audit/", expect(OK=OPERATORS), READ_ONLY),
    # Accounts
    ("/accounts/login/", expect(REDIRECT, anonymous=OK), expect(REDIRECT, anonymous=OK)),
    ("/accounts/logout/", expect(NOT_ALLOWED, anonymous=NOT_ALLOWED), expect(REDIRECT)),
    ("/accounts/signup/", EVERYONE, READ_ONLY),
    ("/accounts/signup/startup/", EVERYONE, EVERYONE),
    ("/accounts/signup/evaluator/", EVERYONE, EVERYONE),
    ("/accounts/verify/resend/", POST_ONLY, expect(REDIRECT)),
    ("/accounts/verify/not-a-token/", expect(BAD, anonymous=BAD), READ_ONLY),
    # My data (issue 11): every signed-in person reads, downloads and may delete their own
    # account; an empty deletion form comes back with its errors.
    ("/accounts/my-data/", expect(OK=SIGNED_IN), READ_ONLY),
    ("/accounts/my-data/export/", expect(OK=SIGNED_IN), READ_ONLY),
    ("/accounts/my-data/delete/", POST_ONLY, expect(OK=SIGNED_IN)),
    # API tokens (issue 17): everyone signed in lists and makes their own (an empty form
    # comes back with its errors); startup A's organisation token is revoked (after a
    # confirmation page) by its maker or the startup's representative.
    ("/api-tokens/", expect(OK=SIGNED_IN), expect(OK=SIGNED_IN)),
    ("/api-tokens/{api_token}/revoke/", expect(OK={"startup_a", "startup_a_member"}),
     expect(REDIRECT={"startup_a", "startup_a_member"})),
    # Webhooks: organisation managers (operator staff, partner admins, startup
    # representatives); KISED's subscription only for KISED's operator.
    ("/webhooks/", expect(OK=WEBHOOK_MANAGERS), READ_ONLY),
    ("/webhooks/new/", expect(OK=WEBHOOK_MANAGERS), expect(OK=WEBHOOK_MANAGERS)),
    ("/webhooks/{webhook}/", OPERATOR, READ_ONLY),
    ("/webhooks/{webhook}/edit/", OPERATOR, OPERATOR),
    ("/webhooks/{webhook}/disable/", POST_ONLY, OPERATOR_POST),
    ("/webhooks/{webhook}/enable/", POST_ONLY, OPERATOR_POST),
    ("/webhooks/{webhook}/secret/", POST_ONLY, OPERATOR),
    ("/webhooks/{webhook}/test/", POST_ONLY, OPERATOR_POST),
    ("/webhooks/{webhook}/deliveries/{webhook_delivery}/redeliver/", POST_ONLY,
     OPERATOR_POST),
    ("/accounts/invitations/", expect(OK=OPERATORS | {"partner_admin"}),
     expect(OK=OPERATORS | {"partner_admin"})),
    # A pending invitation into OpenAI's staff (managed by KISED): KISED's operator and
    # OpenAI's partner admin may revoke it; the second agency may not even see it.
    ("/accounts/invitations/{staff_invitation}/revoke/", POST_ONLY,
     expect(REDIRECT={"operator", "partner_admin"})),
    # A pending invitation into startup A: only its representative may revoke it.
    ("/accounts/invitations/{member_invitation}/revoke/", POST_ONLY,
     expect(REDIRECT={"startup_a"})),
    ("/accounts/invitation/not-a-token/", expect(NOT_FOUND, anonymous=NOT_FOUND),
     expect(NOT_FOUND, anonymous=NOT_FOUND)),
    ("/accounts/password-reset/", EVERYONE, EVERYONE),
    ("/accounts/password-reset/sent/", EVERYONE, READ_ONLY),
    ("/accounts/password-reset/MQ/not-a-token/", EVERYONE, EVERYONE),
    ("/accounts/password-reset/complete/", EVERYONE, READ_ONLY),
    # Operator console (programs)
    ("/manage/programs/", expect(OK=OPERATORS), READ_ONLY),
    ("/manage/programs/new/", expect(OK=OPERATORS), expect(OK=OPERATORS)),
    ("/manage/programs/{program}/", OPERATOR, READ_ONLY),
    ("/manage/programs/{program}/edit/", OPERATOR, OPERATOR),
    ("/manage/programs/{program}/partners/add/", OPERATOR, OPERATOR),
    ("/manage/programs/partners/{partner_a}/edit/", OPERATOR, OPERATOR),
    ("/manage/programs/{program}/calls/new/", OPERATOR, OPERATOR),
    ("/manage/programs/calls/{call}/", OPERATOR, READ_ONLY),
    ("/manage/programs/calls/{call}/edit/", OPERATOR, OPERATOR),
    ("/manage/programs/calls/{call}/publish/", POST_ONLY, OPERATOR_POST),
    ("/manage/programs/calls/{call}/tracks/new/", OPERATOR, OPERATOR),
    ("/manage/programs/tracks/{track_a}/edit/", expect(OK={"operator"} | PARTNER_A),
     expect(OK={"operator"} | PARTNER_A)),
    ("/manage/programs/tracks/{track_b}/edit/", expect(OK={"operator", "partner_b"}),
     expect(OK={"operator", "partner_b"})),
    ("/manage/programs/tracks/{draft_track_a}/edit/", expect(OK={"operator"} | PARTNER_A),
     expect(OK={"operator"} | PARTNER_A)),
    ("/manage/programs/partner/", expect(OK=PARTNERS), READ_ONLY),
    # Matching
    ("/startup/recommendations/", expect(OK=STARTUPS), READ_ONLY),
    ("/manage/discover/", expect(OK=OPERATORS | PARTNERS), READ_ONLY),
    ("/manage/tracks/{track_a}/applicants/", expect(OK={"operator"} | PARTNER_A),
     READ_ONLY),
    ("/manage/tracks/{track_b}/applicants/", expect(OK={"operator", "partner_b"}),
     READ_ONLY),
    # Startup side (applications)
    ("/startup/profile/", expect(OK=STARTUPS), expect(OK={"startup_a", "startup_b"})),
    ("/startup/members/", expect(OK=STARTUPS), expect(OK={"startup_a", "startup_b"})),
    ("/applications/", expect(OK=STARTUPS), READ_ONLY),
    ("/applications/start/{track_a}/", POST_ONLY, expect(REDIRECT, anonymous=REDIRECT)),
    ("/applications/{application}/", expect(OK={"startup_a", "startup_a_member"},
                                            REDIRECT={"operator"}),
     # Saving a draft redirects back to it; an operator is sent to their own page.
     expect(REDIRECT={"operator", "startup_a", "startup_a_member"})),
    ("/applications/{application}/autosave/", POST_ONLY,
     expect(OK={"startup_a", "startup_a_member"})),
    ("/applications/{application}/files/{question}/", POST_ONLY,
     expect(REDIRECT={"startup_a", "startup_a_member"})),
    ("/applications/{application}/files/{attachment}/download/",
     expect(OK={"operator", "startup_a", "startup_a_member"}), READ_ONLY),
    ("/applications/{application}/submit/", POST_ONLY, expect(REDIRECT={"startup_a"})),
    ("/applications/{application}/withdraw/", POST_ONLY, expect(REDIRECT={"startup_a"})),
    ("/applications/{application}/receipts/1/",
     expect(OK={"operator", "startup_a", "startup_a_member"}), READ_ONLY),
    # Operator console (applications)
    ("/manage/applications/{application}/", OPERATOR, READ_ONLY),
    ("/manage/calls/{call}/applications/", OPERATOR, READ_ONLY),
    ("/manage/calls/{call}/applications/?export=csv", OPERATOR, READ_ONLY),
    ("/manage/calls/{call}/applications/?export=xlsx", OPERATOR, READ_ONLY),
    ("/manage/calls/{call}/questions/", OPERATOR, OPERATOR),
    ("/manage/calls/{call}/questions/standard/", POST_ONLY, OPERATOR_POST),
    # An invalid extension form comes back with what was typed (issue 9, input limits).
    ("/manage/calls/{call}/extensions/", POST_ONLY, OPERATOR),
    # E-mail outbox: each agency sees its own programs' deliveries; a failed receipt of
    # KISED's program may be resent by KISED's operator only.
    ("/manage/deliveries/", expect(OK=OPERATORS), READ_ONLY),
    ("/manage/deliveries/{delivery}/resend/", POST_ONLY, OPERATOR_POST),
    # The embedding model is one for the whole platform: only its administrators (superusers,
    # none of the personas; tests/matching/test_model_switch.py) see it and switch it.
    ("/manage/matching/model/", expect(), READ_ONLY),
    ("/manage/matching/model/switch/", expect(), expect()),
    # Evaluation (issue 13). EVALUATORS are invited to the stage and signed its pledge;
    # ``evaluator_conflicted`` has a conflict in force with startup A's application.
    # --- stages and rubric
    # Operators of the program's agency only: evaluators (even invited to the stage), the
    # second agency and everyone else get 404. An empty form comes back with its errors.
    ("/manage/evaluation/calls/{call}/", OPERATOR, READ_ONLY),
    # The call already has a presentation stage (the feedback ids): the operator is sent to it.
    ("/manage/evaluation/calls/{call}/stages/new/presentation/", OPERATOR_POST, OPERATOR_POST),
    ("/manage/evaluation/calls/{call}/shortlist/", OPERATOR, OPERATOR_POST),
    ("/manage/evaluation/stages/{stage}/", OPERATOR, READ_ONLY),
    ("/manage/evaluation/stages/{stage}/edit/", OPERATOR, OPERATOR),
    ("/manage/evaluation/stages/{stage}/rubric/", OPERATOR, OPERATOR),
    ("/manage/evaluation/stages/{stage}/close/", POST_ONLY, OPERATOR_POST),
    ("/manage/evaluation/stages/{stage}/notify/", POST_ONLY, OPERATOR_POST),

    # --- pool, pledge and conflicts
    # An evaluator edits their own pool profile (an empty POST comes back with its errors).
    ("/evaluate/profile/", expect(OK=EVALUATORS), expect(OK=EVALUATORS)),
    # Both evaluators are invited and signed: the pledge page, signing again is idempotent.
    ("/evaluate/stages/{stage}/pledge/", expect(OK=EVALUATORS), expect(REDIRECT=EVALUATORS)),
    ("/evaluate/stages/{stage}/conflicts/", expect(OK=EVALUATORS), expect(OK=EVALUATORS)),
    # KISED's operator: the stage's evaluators and the pool; an empty invitation is refused.
    ("/manage/evaluation/stages/{stage}/evaluators/", OPERATOR, OPERATOR),
    ("/manage/evaluation/stages/{stage}/evaluators/{stage_evaluator}/remove/", POST_ONLY,
     OPERATOR_POST),
    ("/manage/evaluation/stages/{stage}/conflicts/", OPERATOR, OPERATOR),
    ("/manage/evaluation/stages/{stage}/conflicts/detect/", POST_ONLY, OPERATOR_POST),
    # Setting a conflict aside without a reason is refused on the page; reinstating one in
    # force says so and goes back to the list.
    ("/manage/evaluation/stages/{stage}/conflicts/{conflict}/override/", POST_ONLY, OPERATOR),
    ("/manage/evaluation/stages/{stage}/conflicts/{conflict}/reinstate/", POST_ONLY,
     OPERATOR_POST),

    # --- assignment, panels and schedule
    # Operators of the stage's agency only; evaluators (conflicted or not) get 404 on every
    # operator page. Runs: POST with no data re-shows the rules form (200). The agenda and
    # its ICS: invited and signed evaluators (tests/evaluation/test_assignment_views.py shows
    # the conflicted one never sees the application there).
    ("/manage/evaluation/stages/{stage}/assignment/", OPERATOR, OPERATOR),
    ("/manage/evaluation/stages/{stage}/assignment/runs/", OPERATOR, READ_ONLY),
    ("/manage/evaluation/stages/{stage}/assignment/runs/{assignment_run}/", OPERATOR,
     READ_ONLY),
    ("/manage/evaluation/stages/{stage}/assignment/runs/{assignment_run}/apply/", POST_ONLY,
     OPERATOR_POST),
    ("/manage/evaluation/stages/{stage}/assignment/runs/{assignment_run}/input/scores.csv",
     OPERATOR, READ_ONLY),
    ("/manage/evaluation/stages/{stage}/assignment/runs/{assignment_run}/input/constraints.csv",
     OPERATOR, READ_ONLY),
    ("/manage/evaluation/stages/{stage}/assignment/change/", OPERATOR, OPERATOR),
    ("/manage/evaluation/stages/{stage}/schedule/", OPERATOR, OPERATOR),
    ("/manage/evaluation/stages/{stage}/panels/{panel}/", OPERATOR, READ_ONLY),
    ("/manage/evaluation/stages/{stage}/panels/{panel}/agenda.ics", OPERATOR, READ_ONLY),
    ("/evaluate/stages/{stage}/agenda/", expect(OK=EVALUATORS), READ_ONLY),
    ("/evaluate/stages/{stage}/agenda.ics", expect(OK=EVALUATORS), READ_ONLY),

    # --- scoring
    # The evaluator's home and stage page (both evaluators are invited and signed); the
    # assignment page, its files, autosave and submit belong to ``evaluator`` alone: the
    # conflicted evaluator gets 404 on their own earlier assignment. An empty save redirects
    # back; an empty autosave answers JSON; an empty submit shows what is missing (200).
    ("/evaluate/", expect(OK=EVALUATORS), READ_ONLY),
    ("/evaluate/stages/{stage}/", expect(OK=EVALUATORS), READ_ONLY),
    ("/evaluate/assignments/{assignment}/", expect(OK={"evaluator"}),
     expect(REDIRECT={"evaluator"})),
    ("/evaluate/assignments/{conflicted_assignment}/", expect(), expect()),
    ("/evaluate/assignments/{assignment}/autosave/", POST_ONLY, expect(OK={"evaluator"})),
    ("/evaluate/assignments/{conflicted_assignment}/autosave/", POST_ONLY, expect()),
    ("/evaluate/assignments/{assignment}/submit/", POST_ONLY,
     # An incomplete submission goes back to the scoresheet, which says what is missing.
     expect(REDIRECT={"evaluator"})),
    ("/evaluate/assignments/{conflicted_assignment}/submit/", POST_ONLY, expect()),
    ("/evaluate/assignments/{assignment}/files/{attachment}/", expect(OK={"evaluator"}),
     READ_ONLY),
    ("/evaluate/assignments/{conflicted_assignment}/files/{attachment}/", expect(),
     READ_ONLY),
    # One scoresheet for the stage's operators; an empty unlock form comes back with errors.
    ("/manage/evaluation/scoresheets/{scoresheet}/", OPERATOR, READ_ONLY),
    ("/manage/evaluation/scoresheets/{scoresheet}/unlock/", POST_ONLY, OPERATOR),

    # --- ranking, export and feedback
    # The ranking and its export: the stage's agency only (partners and evaluators: 404).
    ("/manage/evaluation/stages/{stage}/ranking/", OPERATOR, READ_ONLY),
    ("/manage/evaluation/stages/{stage}/ranking/?by=normalised", OPERATOR, READ_ONLY),
    ("/manage/evaluation/stages/{stage}/ranking/?export=csv", OPERATOR, READ_ONLY),
    ("/manage/evaluation/stages/{stage}/ranking/?export=xlsx", OPERATOR, READ_ONLY),
    # The applicant's reasons (an ended presentation stage): the startup's members only; an
    # empty rating comes back with its error. The conflicted evaluator's scoresheet and a
    # draft in the open stage cannot be rated by anyone.
    ("/applications/{application}/evaluation/", expect(OK={"startup_a", "startup_a_member"}),
     READ_ONLY),
    ("/applications/{application}/evaluation/ratings/{ended_scoresheet}/", POST_ONLY,
     expect(OK={"startup_a", "startup_a_member"})),
    ("/applications/{application}/evaluation/ratings/{conflicted_ended_scoresheet}/",
     POST_ONLY, expect()),
    ("/applications/{application}/evaluation/ratings/{draft_scoresheet}/", POST_ONLY,
     expect()),

    # Selection: the operator's pages. Track A's selection is confirmed (nothing changes it
    # any more, so even its operator gets 404 on its changes); track B has none yet: its
    # operator proposes one (an empty one: no scores) and is refused confirming or drawing
    # before that (400). The published draw is public.
    ("/manage/selection/calls/{call}/", OPERATOR, READ_ONLY),
    ("/manage/selection/calls/{call}/rules/", OPERATOR, OPERATOR),
    ("/manage/selection/calls/{call}/funding-lists/", POST_ONLY, expect(BAD={"operator"})),
    ("/manage/selection/tracks/{track_a}/", OPERATOR, READ_ONLY),
    ("/manage/selection/tracks/{track_b}/propose/", POST_ONLY, OPERATOR_POST),
    ("/manage/selection/tracks/{track_a}/outcomes/{outcome}/award/", POST_ONLY, expect()),
    ("/manage/selection/tracks/{track_b}/confirm/", POST_ONLY, expect(BAD={"operator"})),
    ("/manage/selection/tracks/{track_b}/draws/", POST_ONLY, expect(BAD={"operator"})),
    ("/manage/selection/tracks/{track_a}/draws/{draw}/draw/", POST_ONLY, expect()),
    ("/lottery/{draw}.json", EVERYONE, READ_ONLY),
    # Selection: waitlist (tests/selection/offer_world.py). Another startup's waitlisted
    # application holds a pending offer: none of the personas may see it (its members read it
    # and its representative answers: tests/selection/test_offer_views.py). The program's
    # operator drops a selected startup (an empty form comes back with its errors); a
    # waitlisted outcome cannot be dropped by anyone.
    ("/applications/{offer_application}/offer/", expect(), expect()),
    ("/manage/selection/outcomes/{selected_outcome}/drop/", OPERATOR, expect(OK={"operator"})),
    ("/manage/selection/outcomes/{waitlisted_outcome}/drop/", expect(), expect()),

    # Selection: agreements
    # Operators: the list (any agency; KISED's programs only), the agreement of startup A's
    # outcome (sent: POST says so and goes back), the second selected outcome's draft form
    # (an empty POST comes back with its errors), and none for a waitlisted outcome. The
    # documents: KISED's operator, OpenAI's staff (the track's partner) and startup A.
    ("/manage/selection/agreements/", expect(OK=OPERATORS), READ_ONLY),
    ("/manage/selection/outcomes/{outcome}/agreement/", OPERATOR, OPERATOR_POST),
    ("/manage/selection/outcomes/{agreeable_outcome}/agreement/", OPERATOR, OPERATOR),
    ("/manage/selection/outcomes/{waitlisted_outcome}/agreement/", expect(), expect()),
    ("/manage/selection/agreements/{agreement}/documents/{agreement_document}/", OPERATOR,
     READ_ONLY),
    ("/partner/selection/agreements/", expect(OK=PARTNERS), READ_ONLY),
    # Startup A: its members read, download and upload (an empty upload says what to
    # choose); only the representative reaches acceptance (an unticked box goes back).
    ("/applications/{application}/agreement/", expect(OK={"startup_a", "startup_a_member"}),
     READ_ONLY),
    ("/applications/{application}/agreement/documents/", POST_ONLY,
     expect(REDIRECT={"startup_a", "startup_a_member"})),
    ("/applications/{application}/agreement/documents/{agreement_document}/",
     expect(OK={"startup_a", "startup_a_member"}), READ_ONLY),
    ("/applications/{application}/agreement/accept/", POST_ONLY,
     expect(REDIRECT={"startup_a"})),

    # Selection: appeals
    # The applicant's appeal page (results announced): the startup's members; an empty
    # appeal comes back with its error. Operators read appeals on their own pages.
    ("/applications/{application}/appeal/", expect(OK={"startup_a", "startup_a_member"}),
     expect(OK={"startup_a", "startup_a_member"})),
    # The agency's appeals (the second agency's list is empty); one appeal (another
    # startup's, filed); an empty answer comes back with its errors.
    ("/manage/selection/appeals/", expect(OK=OPERATORS), READ_ONLY),
    ("/manage/selection/appeals/{appeal}/", OPERATOR, READ_ONLY),
    ("/manage/selection/appeals/{appeal}/answer/", POST_ONLY, OPERATOR),
    # Selection: results
    # The result page: the startup's members (before the announcement it says only when); a
    # consent to the public page: the representative of the selected startup, announced.
    ("/applications/{result_application}/result/",
     expect(OK={"startup_a", "startup_a_member"}), READ_ONLY),
    ("/applications/{waitlisted_application}/result/", expect(), READ_ONLY),
    ("/applications/{result_application}/result/consent/", POST_ONLY,
     expect(REDIRECT={"startup_a"})),
    ("/applications/{waitlisted_application}/result/consent/", POST_ONLY, expect()),
    # The public results page: everyone once announced; a draft call's is 404 for everyone.
    ("/results/{selection_call}/", EVERYONE, READ_ONLY),
    ("/results/{draft_call}/", expect(anonymous=NOT_FOUND), READ_ONLY),
    # Selection: partners
    # Partners see their own tracks only; NVIDIA's staff get 404 on OpenAI's track.
    ("/partner/selection/", expect(OK=PARTNERS), READ_ONLY),
    ("/partner/selection/tracks/{selection_track}/", expect(OK=PARTNER_A), READ_ONLY),
    ("/partner/selection/tracks/{other_partner_track}/", expect(OK={"partner_b"}), READ_ONLY),
    ("/partner/selection/tracks/{selection_track}/interest/{result_application}/", POST_ONLY,
     expect(REDIRECT=PARTNER_A)),
    ("/partner/selection/tracks/{selection_track}/interest/{result_application}/remove/",
     POST_ONLY, expect(REDIRECT=PARTNER_A)),
    ("/partner/selection/tracks/{other_partner_track}/interest/{result_application}/",
     POST_ONLY, expect()),
    # Events (issue 15; tests/events/world.py): KISED's event hosted by OpenAI (partner A).
    # Event pages: public once published; the draft only to its staff; the console to the
    # agency's operator and the host's staff; settings to the operator.
    ("/events/", EVERYONE, READ_ONLY),
    ("/events/{event}/", EVERYONE, READ_ONLY),
    ("/events/{draft_event}/", expect(OK={"operator"} | PARTNER_A, anonymous=NOT_FOUND),
     READ_ONLY),
    ("/manage/events/", expect(OK=OPERATORS | PARTNERS), READ_ONLY),
    ("/manage/events/new/{program}/", OPERATOR, OPERATOR),
    ("/manage/events/{event}/", expect(OK={"operator"} | PARTNER_A), READ_ONLY),
    ("/manage/events/{event}/edit/", OPERATOR, OPERATOR),
    ("/manage/events/{event}/programme/", OPERATOR, OPERATOR),
    ("/manage/events/{event}/questions/", OPERATOR, OPERATOR),
    ("/manage/events/{event}/status/", POST_ONLY, OPERATOR_POST),
    # Events: each part adds its rows below.
    # Events: tickets and check-in. The ticket page to the chosen startup's members; the door
    # to the event's staff (the agency's operator and the host's staff).
    ("/events/{event}/ticket/", expect(OK={"startup_a", "startup_a_member"}), READ_ONLY),
    ("/manage/events/{event}/check-in/", expect(OK={"operator"} | PARTNER_A), READ_ONLY),
    ("/manage/events/{event}/check-in/scan/", POST_ONLY, expect(OK={"operator"} | PARTNER_A)),
    # Events: attendees (tests/events/attendees/world.py). The event's registration is open;
    # startup A's registration is chosen, B's registered. A startup's representative reaches
    # the form (a company already registered is sent back to the event page); members read
    # "my events"; the representative withdraws and answers offers (without an offer: sent
    # back with the reason). The event's staff review; the operator confirms, commits and
    # draws — in the wrong state it is sent back with the reason. The lottery is public.
    ("/events/mine/", expect(OK=STARTUPS), READ_ONLY),
    ("/events/{event}/register/", expect(REDIRECT={"startup_a", "startup_b"}),
     expect(REDIRECT={"startup_a", "startup_b"})),
    ("/events/{draft_event}/register/", expect(), expect()),
    ("/events/{event}/withdraw/", POST_ONLY, expect(REDIRECT={"startup_a", "startup_b"})),
    ("/events/{event}/offer/", POST_ONLY, expect(REDIRECT={"startup_a", "startup_b"})),
    ("/events/{event}/lottery/", EVERYONE, READ_ONLY),
    ("/events/{draft_event}/lottery/", expect(OK={"operator"} | PARTNER_A,
                                              anonymous=NOT_FOUND), READ_ONLY),
    ("/events/{drawn_event}/lottery/", EVERYONE, READ_ONLY),
    ("/events/{drawn_event}/lottery.json", EVERYONE, READ_ONLY),
    ("/events/{event}/lottery.json", expect(anonymous=NOT_FOUND), READ_ONLY),
    ("/manage/events/{event}/registrations/", expect(OK={"operator"} | PARTNER_A), READ_ONLY),
    ("/manage/events/{drawn_event}/registrations/", expect(OK={"operator"} | PARTNER_A),
     READ_ONLY),
    ("/manage/events/{event}/registrations/{event_registration_b}/review/", POST_ONLY,
     expect(REDIRECT={"operator"} | PARTNER_A)),
    ("/manage/events/{event}/review/confirm/", POST_ONLY, OPERATOR_POST),
    ("/manage/events/{event}/lottery/commit/", POST_ONLY, OPERATOR_POST),
    ("/manage/events/{drawn_event}/lottery/draw/", POST_ONLY, OPERATOR_POST),
    # Events: 1:1 meetings (tests/events/meetings/world.py): startup A (an attendee) and
    # OpenAI's staff use the meetings page; the accepted request is startup A's with OpenAI's
    # staff member (partner_a): only its two sides act on it. The console: the event's staff
    # read it; the operator sets the times and runs the schedule.
    ("/events/{event}/meetings/", expect(OK={"startup_a", "startup_a_member"} | PARTNER_A),
     READ_ONLY),
    ("/events/{event}/meetings/directory/",
     expect(OK={"startup_a", "startup_a_member"} | PARTNER_A), READ_ONLY),
    ("/events/{event}/meetings/request/",
     expect(OK={"startup_a", "startup_a_member"} | PARTNER_A),
     expect(OK={"startup_a", "startup_a_member"} | PARTNER_A)),
    ("/events/{event}/meetings/availability/", POST_ONLY,
     expect(REDIRECT={"startup_a", "startup_a_member"} | PARTNER_A)),
    ("/events/{event}/meetings/agenda.ics",
     expect(OK={"startup_a", "startup_a_member"} | PARTNER_A), READ_ONLY),
    ("/events/{draft_event}/meetings/", expect(), READ_ONLY),
    ("/events/{event}/meetings/{meeting_request}/", POST_ONLY,
     expect(REDIRECT={"startup_a", "startup_a_member", "partner_a"})),
    ("/events/{event}/meetings/{meeting_request}/outcome/", POST_ONLY,
     expect(REDIRECT={"startup_a", "startup_a_member", "partner_a"})),
    ("/manage/events/{event}/meetings/", expect(OK={"operator"} | PARTNER_A), READ_ONLY),
    ("/manage/events/{event}/meetings/session/", OPERATOR, OPERATOR),
    ("/manage/events/{event}/meetings/schedule/", POST_ONLY, OPERATOR_POST),
    ("/manage/events/{event}/meetings/{meeting_request}/", POST_ONLY, OPERATOR_POST),
    # Events: live Q&A (tests/events/qna/world.py). Startup A's registration is chosen (its
    # people attend); the event's staff (KISED's operator, OpenAI's people) moderate.
    ("/events/{event}/qna/", expect(OK={"startup_a", "startup_a_member", "operator"} | PARTNER_A),
     READ_ONLY),
    ("/events/{event}/qna/live/",
     expect(OK={"startup_a", "startup_a_member", "operator"} | PARTNER_A), READ_ONLY),
    ("/events/{event}/qna/ask/", POST_ONLY, expect(OK={"startup_a", "startup_a_member"})),
    ("/events/{event}/qna/{qna_question}/vote/", POST_ONLY,
     expect(REDIRECT={"startup_a", "startup_a_member"})),
    ("/manage/events/{event}/qna/", expect(OK={"operator"} | PARTNER_A), READ_ONLY),
    ("/manage/events/{event}/qna/{qna_question}/moderate/", POST_ONLY,
     expect(REDIRECT={"operator"} | PARTNER_A)),
    ("/manage/events/{event}/qna/merge/", POST_ONLY, expect(REDIRECT={"operator"} | PARTNER_A)),
    ("/manage/events/{event}/qna/settings/", POST_ONLY,
     expect(REDIRECT={"operator"} | PARTNER_A)),
    ("/manage/events/{event}/qna/presenter/", expect(OK={"operator"} | PARTNER_A), READ_ONLY),
    ("/manage/events/{event}/qna/presenter/live/", expect(OK={"operator"} | PARTNER_A),
     READ_ONLY),
    # Alliance: members and directory (tests/alliance/world.py). KISED's alliance: startup A
    # an active, listed member; OpenAI an active, unlisted one. The directory: KISED's
    # operator and the people of its members. Acting for a member: its representative (startup
    # A) or partner admin. Startup B may try to join (not entitled: sent back with the reason).
    ("/alliance/", expect(OK=OPERATORS | PARTNERS | STARTUPS), READ_ONLY),
    ("/alliance/{agency}/join/{startup_b_org}/", POST_ONLY, expect(REDIRECT={"startup_b"})),
    ("/alliance/{agency}/directory/",
     expect(OK={"operator", "startup_a", "startup_a_member"} | PARTNER_A), READ_ONLY),
    ("/alliance/members/{member_a}/",
     expect(OK={"operator", "startup_a", "startup_a_member"} | PARTNER_A), READ_ONLY),
    # Not listed: its own people and the alliance's operators only.
    ("/alliance/members/{member_partner_a}/", expect(OK={"operator"} | PARTNER_A), READ_ONLY),
    ("/alliance/members/{member_a}/edit/", expect(OK={"startup_a"}),
     expect(REDIRECT={"startup_a"})),
    ("/alliance/members/{member_partner_a}/edit/", expect(OK={"partner_admin"}),
     expect(REDIRECT={"partner_admin"})),
    ("/alliance/members/{member_a}/leave/", POST_ONLY, expect(REDIRECT={"startup_a"})),
    ("/manage/alliance/{agency}/members/", OPERATOR, OPERATOR),
    # Alliance: collaborations. OpenAI × startup A (partner A's) and NVIDIA × startup B
    # (partner B's), both proposed, in KISED's program: each partner only its own; the second
    # agency's operator none; the startup reads its own on its page.
    ("/manage/alliance/collaborations/", expect(OK=OPERATORS | PARTNERS), READ_ONLY),
    ("/manage/alliance/collaborations/new/", expect(OK=OPERATORS | PARTNERS),
     expect(OK=OPERATORS | PARTNERS)),
    ("/manage/alliance/collaborations/{collaboration_a}/", expect(OK={"operator"} | PARTNER_A),
     READ_ONLY),
    ("/manage/alliance/collaborations/{collaboration_b}/", expect(OK={"operator", "partner_b"}),
     READ_ONLY),
    ("/manage/alliance/collaborations/{collaboration_a}/edit/",
     expect(OK={"operator"} | PARTNER_A), expect(OK={"operator"} | PARTNER_A)),
    ("/manage/alliance/collaborations/{collaboration_b}/edit/",
     expect(OK={"operator", "partner_b"}), expect(OK={"operator", "partner_b"})),
    ("/manage/alliance/collaborations/{collaboration_a}/stage/", POST_ONLY,
     expect(OK={"operator"} | PARTNER_A)),
    ("/alliance/collaborations/", expect(OK=STARTUPS), READ_ONLY),

    # Alliance: milestone reports (tests/alliance/reports/world.py). Startup A's agreement is
    # accepted: report 1 submitted (waiting for review), report 2 due. The startup's people
    # read their list and reports; both save a draft (an empty POST comes back with its
    # errors), a submitted report sends them back to it. KISED's operator reviews (approving
    # an empty POST approves and goes back; returning needs a comment, so an empty one comes
    # back) and releases tranches (tranche 1 is ready; tranche 2 is held: sent back with the
    # reason). Partners, the second agency and other startups: 404.
    ("/alliance/reports/", expect(OK=STARTUPS), READ_ONLY),
    ("/alliance/reports/{due_report}/", expect(OK={"startup_a", "startup_a_member"}),
     expect(OK={"startup_a", "startup_a_member"})),
    ("/alliance/reports/{submitted_report}/", expect(OK={"startup_a", "startup_a_member"}),
     expect(REDIRECT={"startup_a", "startup_a_member"})),
    ("/manage/alliance/reports/", expect(OK=OPERATORS), READ_ONLY),
    ("/manage/alliance/reports/{submitted_report}/", OPERATOR, READ_ONLY),
    ("/manage/alliance/reports/{submitted_report}/approve/", POST_ONLY, OPERATOR_POST),
    ("/manage/alliance/reports/{submitted_report}/return/", POST_ONLY, OPERATOR),
    ("/manage/alliance/reports/{due_report}/approve/", POST_ONLY, OPERATOR_POST),
    ("/manage/alliance/agreements/{reports_agreement}/tranches/", OPERATOR, READ_ONLY),
    ("/manage/alliance/agreements/{reports_agreement}/tranches/1/release/", POST_ONLY,
     OPERATOR_POST),
    ("/manage/alliance/agreements/{reports_agreement}/tranches/2/release/", POST_ONLY,
     OPERATOR_POST),
    # Tranches the agreement does not have: not found, for its operator too.
    ("/manage/alliance/agreements/{reports_agreement}/tranches/0/release/", POST_ONLY,
     expect()),
    ("/manage/alliance/agreements/{reports_agreement}/tranches/3/release/", POST_ONLY,
     expect()),
    # Alliance: KPIs, dashboards and exports (tests/alliance/kpis_world.py: KISED's 2025
    # cohort, OpenAI's and NVIDIA's tracks). Agency and partner staff have a KPI page (the
    # second agency's counts nothing); a filter naming a program, track or partner company
    # outside one's scope answers 404, for the page and the exports alike.
    ("/manage/alliance/kpis/", expect(OK=OPERATORS | PARTNERS), READ_ONLY),
    ("/manage/alliance/kpis/?program={kpi_program}", expect(OK={"operator"} | PARTNERS),
     READ_ONLY),
    ("/manage/alliance/kpis/?track={kpi_track_a}", expect(OK={"operator"} | PARTNER_A),
     READ_ONLY),
    ("/manage/alliance/kpis/export.csv?track={kpi_track_b}",
     expect(OK={"operator", "partner_b"}), READ_ONLY),
    ("/manage/alliance/kpis/export.xlsx?program={kpi_program}",
     expect(OK={"operator"} | PARTNERS), READ_ONLY),
    ("/manage/alliance/kpis/totals.csv?partner={kpi_partner_a}",
     expect(OK={"operator"} | PARTNER_A), READ_ONLY),
    ("/alliance/outcomes/", EVERYONE, READ_ONLY),
]

# Routes outside the matrix on purpose: Django's admin (superusers only, its own login) and
# the language switch and JavaScript catalogue, which serve everyone the same.
# The API has its own matrix (tests/api/test_permission_matrix.py: every operation × persona).
UNLISTED_PREFIXES = ("admin/", "i18n/", "jsi18n/", "api/v1/")


@pytest.fixture(scope="module")
def matrix(django_db_setup, django_db_blocker):
    """(personas, ids): the matrix world, built **once per module** (per xdist worker) inside a
    transaction rolled back when the module ends. Each test runs in a savepoint of it
    (pytest-django's ``db``) and each persona's request in one more (:func:`as_persona`), so
    no request changes what the next one sees. Building it per test cost about a second for
    each of the ~800 rows × methods (CI time: .ci/run)."""
    from tests.conftest import build_evaluation, build_personas, build_submitted, build_world

    with django_db_blocker.unblock(), override_settings(
            EMAIL_BACKEND="kbridge.core.mail.TaskQueueEmailBackend",
            KBRIDGE_EMAIL_DELIVERY_BACKEND="django.core.mail.backends.locmem.EmailBackend"), \
            transaction.atomic():
        personas = build_personas()
        world = build_world(personas)
        submitted = build_submitted(world, personas)
        evaluation = build_evaluation(world, personas, submitted)
        ids = _build_ids(world, personas, submitted, evaluation)
        yield MatrixWorld(personas, world, submitted, evaluation, ids)
        transaction.set_rollback(True)


@dataclass
class MatrixWorld:
    personas: object
    world: object
    submitted: object
    evaluation: object
    ids: dict


# The matrix world's parts, shadowing tests/conftest.py's fixtures (which build new ones) in
# this module and in the modules that import them (tests/core/test_i18n_rendered.py).
@pytest.fixture
def ids(matrix, db):
    return matrix.ids


@pytest.fixture
def personas(matrix, db):
    return matrix.personas


@pytest.fixture
def world(matrix, db):
    return matrix.world


@pytest.fixture
def submitted(matrix, db):
    return matrix.submitted


@pytest.fixture
def evaluation(matrix, db):
    return matrix.evaluation


def _build_ids(world, personas, submitted, evaluation):
    """The ids the URL templates name, with one pending invitation of each kind."""
    from django.core.mail import EmailMessage

    from kbridge.accounts import services as account_services
    from kbridge.core.mail import queue_email
    from kbridge.core.models import EmailDelivery
    from tests.alliance import kpis_world
    from tests.alliance import world as alliance_world
    from tests.alliance.reports import world as reports_world
    from tests.evaluation.feedback_world import matrix_ids as feedback_ids
    from tests.events import world as events_world
    from tests.events.attendees import world as attendees_world
    from tests.events.meetings import world as meetings_world
    from tests.events.qna import world as qna_world
    from tests.events.tickets import world as tickets_world
    from tests.selection import agreement_world, appeal_world, results_world
    from tests.selection import world as selection_world
    from tests.selection.offer_world import matrix_ids as offer_ids

    staff_invitation = account_services.invite(
        organisation=personas.partner_a_org, email="new@openai.example", role="partner",
        by=personas.operator)
    member_invitation = account_services.invite_startup_member(
        organisation=personas.startup_a_org, email="new@neurochips.example",
        by=personas.startup_a)
    delivery = queue_email(
        EmailMessage("접수증", "본문", "no-reply@kbridge.example", ["ceo@neurochips.example"]),
        idempotency_key="matrix:receipt", organisation=personas.operator_org)
    EmailDelivery.objects.filter(pk=delivery.pk).update(status=EmailDelivery.Status.FAILED,
                                                        last_error="550 mailbox unavailable")
    api = _api_ids(personas)
    feedback = feedback_ids(evaluation, personas, submitted)  # its ended stage comes first
    decided = selection_world.decided(world, personas, submitted)
    event_world = events_world.build(world, personas)
    agreements = agreement_world.matrix_ids(decided, personas)
    return {
        **alliance_world.matrix_ids(alliance_world.build(world, personas), personas),
        **selection_world.matrix_ids(decided),
        # Selection areas add their ids here from `decided`.
        **offer_ids(decided, personas),
        **agreements,
        **appeal_world.matrix_ids(decided),
        **results_world.matrix_ids(decided),
        **events_world.matrix_ids(event_world),
        **attendees_world.matrix_ids(event_world, world, personas),
        # Event parts add their ids here from `event_world`.
        **tickets_world.matrix_ids(event_world),
        **meetings_world.matrix_ids(event_world, personas),
        **qna_world.matrix_ids(qna_world.build(event_world, personas)),
        # Alliance parts add their ids here.
        **reports_world.matrix_ids(agreements["agreement"], personas),
        **kpis_world.matrix_ids(world, personas),
        **api,
        "delivery": delivery.pk,
        "call": world.call.pk, "draft_call": world.draft_call.pk, "program": world.program.pk,
        "partner_a": world.partner_a.pk, "track_a": world.track_a.pk,
        "track_b": world.track_b.pk, "draft_track_a": world.draft_track_a.pk,
        "application": submitted.pk, "attachment": submitted.attachments.first().pk,
        "question": submitted.attachments.first().question_id,
        "staff_invitation": staff_invitation.pk, "member_invitation": member_invitation.pk,
        "stage": evaluation.stage.pk, "criterion": evaluation.criteria[0].pk,
        "assignment": evaluation.assignment.pk,
        "conflicted_assignment": evaluation.conflicted_assignment.pk,
        "conflict": evaluation.conflict.pk,
        "stage_evaluator": evaluation.stage.evaluators.get(evaluator=personas.evaluator).pk,
        **feedback,
        "scoresheet": evaluation.assignment.scoresheet.pk,
        "assignment_run": _assignment_run(evaluation, personas).pk,
        "panel": evaluation.stage.panels.create(name_ko="1분과", name_en="Panel 1").pk,
    }


def _api_ids(personas):
    """An organisation token of startup A (made by its member; its representative manages
    it) and KISED's webhook subscription with one failed delivery."""
    from kbridge.api import services_webhooks
    from kbridge.api.services import create_token

    token, _secret = create_token(user=personas.startup_a_member, name="CRM",
                                  scopes={"events": "read"},
                                  organisation=personas.startup_a_org)
    webhook, _secret = services_webhooks.create_subscription(
        by=personas.operator, organisation=personas.operator_org, name="K-Startup portal",
        url="http://127.0.0.1:9/hooks", event_types=["application.submitted"])
    delivery = services_webhooks.send_test_event(subscription=webhook, by=personas.operator)
    services_webhooks.fail_delivery(delivery_id=delivery.pk, error="HTTP 500")
    return {"api_token": token.pk, "webhook": webhook.pk, "webhook_delivery": delivery.pk}


def _assignment_run(evaluation, personas):
    """A stored run of the evaluation stage (assigned, startup A's application to the
    evaluator), as ``services.assignment.run_assignment`` writes one."""
    from kbridge.evaluation.services.assignment import run_assignment

    stage = evaluation.stage
    stage.evaluators_per_application, stage.min_market_share = 1, 0
    stage.min_women_share, stage.one_per_affiliation = 0, False
    stage.save()
    return run_assignment(stage=stage, by=personas.operator, seed=7)


@contextlib.contextmanager
def as_persona(name: str, personas, client):
    """``client`` signed in as persona ``name`` (anonymous: signed out), with a fresh throttle
    cache, inside a savepoint rolled back afterwards so one persona's POST (a revocation, a
    submission) never changes what the next one sees. Yields the user or ``None``."""
    sid = transaction.savepoint()
    cache.clear()
    client.logout()
    user = personas.by_name(name)
    if user is not None:
        client.force_login(user)
    try:
        yield user
    finally:
        transaction.savepoint_rollback(sid)


def _statuses(method: str, url: str, personas, client) -> dict[str, int]:
    """The status each persona gets (see :func:`as_persona`)."""
    result = {}
    for name in PERSONA_NAMES:
        with as_persona(name, personas, client):
            response = getattr(client, method)(url, {}) if method == "post" else client.get(url)
            result[name] = response.status_code
            if response.status_code == REDIRECT and name == "anonymous" and (
                    response["Location"].startswith("/accounts/login/")):
                assert "next=" in response["Location"]
    return result


@pytest.mark.parametrize(("url", "get", "post"), MATRIX, ids=[row[0] for row in MATRIX])
def test_get(url, get, post, ids, personas, client):
    assert _statuses("get", url.format(**ids), personas, client) == get


@pytest.mark.parametrize(("url", "get", "post"), MATRIX, ids=[row[0] for row in MATRIX])
def test_post(url, get, post, ids, personas, client):
    assert _statuses("post", url.format(**ids), personas, client) == post


def _routes(resolver=None, prefix="") -> set[str]:
    resolver = resolver or get_resolver()
    found = set()
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        if hasattr(pattern, "url_patterns"):
            found |= _routes(pattern, route)
        else:
            found.add(route)
    return found


def test_every_url_is_in_the_matrix(ids):
    """A new URL without a row in MATRIX fails here: every URL × persona × method is tested."""
    listed = {resolve(url.format(**ids).split("?")[0]).route for url, _get, _post in MATRIX}
    routes = {r for r in _routes() if not r.startswith(UNLISTED_PREFIXES)}
    assert routes - listed == set()


def test_anonymous_is_sent_to_sign_in_with_the_page_to_return_to(ids, client):
    response = client.get(f"/manage/programs/{ids['program']}/")
    assert response["Location"] == f"/accounts/login/?next=/manage/programs/{ids['program']}/"
