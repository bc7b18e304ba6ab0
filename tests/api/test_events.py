"""The events area of the API: what the event pages, "My events", the live Q&A and the meetings
pages show the same person, through the same services and rules."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kbridge.events.models import Event, MeetingRequest, Question, Registration, Vote
from kbridge.events.services import qna as qna_services
from tests.api.conftest import ApiClient
from tests.events import world as events_world
from tests.events.attendees.world import numbers, startup
from tests.events.meetings import world as meetings_world
from tests.events.qna import world as qna_world
from tests.factories import StartupProfileFactory

pytestmark = pytest.mark.django_db

E = "/api/v1/events"


@pytest.fixture
def event_world(world, personas):
    return events_world.build(world, personas)


@pytest.fixture
def qna(event_world, personas):
    return qna_world.build(event_world, personas)


def count_queries(client: ApiClient, path: str) -> int:
    """The queries of a GET of ``path`` (after one to warm up: the first request of a rate
    window also clears ended windows)."""
    client.get(path)
    with CaptureQueriesContext(connection) as queries:
        answer = client.get(path)
    assert answer.status_code == 200, answer.content
    return len(queries)


# --- public pages -----------------------------------------------------------------------------


def test_published_events_are_listed_without_a_token_and_drafts_are_not(event_world):
    body = ApiClient().get(E).json()
    assert [e["id"] for e in body["items"]] == [event_world.event.pk] and body["count"] == 1
    event = body["items"][0]
    assert event["title"] == "K-Startups meet OpenAI" and event["title_ko"] == "K-스타트업, OpenAI를 만나다"
    assert event["status"] == {"code": "published", "label": "Published"}
    assert event["host"] == "OpenAI" and event["lottery_places"] == 80
    assert event["registration_open"] is True


def test_the_list_filters_upcoming_and_past_events(event_world, world):
    past = events_world.make_event(
        world, title_en="Past", starts_at=timezone.now() - dt.timedelta(days=30),
        ends_at=timezone.now() - dt.timedelta(days=30, hours=-2),
        registration_opens_at=timezone.now() - dt.timedelta(days=40),
        registration_closes_at=timezone.now() - dt.timedelta(days=31))
    client = ApiClient()
    assert [e["id"] for e in client.get(E + "?when=upcoming").json()["items"]] == [
        event_world.event.pk]
    assert [e["id"] for e in client.get(E + "?when=past").json()["items"]] == [past.pk]
    assert client.get(E + "?when=soon").status_code == 422


def test_an_event_has_its_speakers_and_agenda_in_the_language_asked(event_world):
    body = ApiClient(language="ko").get(f"{E}/{event_world.event.pk}").json()
    assert body["title"] == "K-스타트업, OpenAI를 만나다"
    assert [s["name"] for s in body["speakers"]] == ["샘 올트먼"]
    assert [a["title"] for a in body["agenda"]] == ["기조연설", "질의응답"]
    assert body["agenda"][0]["speaker_id"] == body["speakers"][0]["id"]
    assert body["my_registration"] is None


def test_an_event_lists_the_registration_questions_the_post_answers(event_world):
    """Issue 17's tester: the registration asked for answers to questions the event did not
    list. They are listed with their ids, options in the language asked, and limits."""
    free, choice = event_world.questions
    body = ApiClient(language="en").get(f"{E}/{event_world.event.pk}").json()
    assert [q["id"] for q in body["fit_questions"]] == [free.pk, choice.pk]
    assert body["fit_questions"][0]["choices"] == [] and body["fit_questions"][0]["required"]
    assert body["fit_questions"][1]["choices"] == ["AI chips", "AI apps"]
    korean = ApiClient(language="ko").get(f"{E}/{event_world.event.pk}").json()
    assert korean["fit_questions"][1]["choices"] == ["AI 반도체", "AI 응용"]


def test_a_draft_event_is_404_except_to_its_staff(event_world, personas, api_for):
    path = f"{E}/{event_world.draft_event.pk}"
    assert ApiClient().get(path).status_code == 404
    assert api_for(personas.partner_b).get(path).status_code == 404
    assert api_for(personas.partner_a).get(path).status_code == 200
    answer = ApiClient(language="ko").get(path)
    assert answer.json()["error"]["code"] == "not_found"
    assert answer.json()["error"]["message"] != "Not found, or not visible to you."


def test_the_event_shows_the_own_registration_to_the_startups_people(event_world, personas,
                                                                     api_for):
    body = api_for(personas.startup_a_member).get(f"{E}/{event_world.event.pk}").json()
    assert body["my_registration"]["status"]["code"] == "chosen"
    assert body["my_registration"]["code"] == event_world.registration_a.code
    assert body["may_withdraw"] is False and body["may_register"] is False  # a member
    body = api_for(personas.startup_a).get(f"{E}/{event_world.event.pk}").json()
    assert body["may_withdraw"] is True
    _org, user = startup()
    assert api_for(user).get(f"{E}/{event_world.event.pk}").json()["may_register"] is True


def test_the_events_list_takes_a_constant_number_of_queries(event_world, world):
    one = count_queries(ApiClient(), E)
    for n in range(3):
        events_world.make_event(world, title_en=f"Meetup {n}")
    assert count_queries(ApiClient(), E) == one


# --- registrations ----------------------------------------------------------------------------


def test_my_registrations_are_the_startups_own(event_world, personas, api_for):
    body = api_for(personas.startup_a_member).get("/api/v1/event-registrations").json()
    assert [r["id"] for r in body["items"]] == [event_world.registration_a.pk]
    assert body["items"][0]["chosen_via"]["code"] == "lottery"
    body = api_for(personas.startup_b).get("/api/v1/event-registrations?status=chosen").json()
    assert body == {"items": [], "count": 0}
    assert api_for(personas.operator).get("/api/v1/event-registrations").status_code == 404


def test_my_registrations_take_a_constant_number_of_queries(event_world, world, personas,
                                                            api_for):
    client = api_for(personas.startup_a)
    one = count_queries(client, "/api/v1/event-registrations")
    for n, brn in enumerate(numbers(3)):
        event = events_world.make_event(world, title_en=f"Meetup {n}")
        events_world.register(event, personas.startup_a_org, personas.startup_a, brn=brn)
    assert count_queries(client, "/api/v1/event-registrations") == one


def _answers(event_world) -> dict:
    first, second = event_world.questions
    return {str(first.pk): "에이전트 플랫폼", str(second.pk): "1"}


def test_a_representative_registers_through_the_form_and_the_service(event_world, api_for):
    org, user = startup("Vision Forge")
    answer = api_for(user).post(f"{E}/{event_world.event.pk}/registration", {
        "business_registration_number": "1208147521", "answers": _answers(event_world)})
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert body["status"]["code"] == "registered" and body["organisation"] == "Vision Forge"
    registration = Registration.objects.get(pk=body["id"])
    assert registration.business_registration_number == "120-81-47521"
    assert registration.attendee_email == user.email and "attendee_email" not in body
    assert registration.answers == _answers(event_world)


def test_a_choice_is_answered_as_the_event_lists_it(event_world, api_for):
    """``GET /events/{id}`` lists "AI apps"; answering that was refused ("Choose one of the
    options listed."): the listed option, in either language, or its index."""
    free, choice = event_world.questions
    for name, answer, number in (("Vision Forge", "AI apps", "1208147521"),
                                 ("Vision Forge 2", "AI 응용", events_world.BRN_C)):
        _org, user = startup(name)
        response = api_for(user).post(f"{E}/{event_world.event.pk}/registration", {
            "business_registration_number": number,
            "answers": {str(free.pk): "에이전트", str(choice.pk): answer}})
        assert response.status_code == 201, response.content
        assert Registration.objects.get(pk=response.json()["id"]).answers[str(choice.pk)] == "1"


def test_an_answer_to_a_question_the_event_does_not_ask_is_refused(event_world, api_for):
    """As a draft's answers: a tester's answer to another event's question was ignored and
    the registration made."""
    _org, user = startup("Vision Forge")
    answer = api_for(user).post(f"{E}/{event_world.event.pk}/registration", {
        "business_registration_number": "1208147521",
        "answers": {**_answers(event_world), "999999": "x"}})
    assert answer.status_code == 422
    assert [d["field"] for d in answer.json()["error"]["details"]] == ["answers.999999"]
    assert not Registration.objects.filter(organisation__name_ko="Vision Forge").exists()


def test_the_profiles_number_is_used_when_the_startup_has_one(event_world, api_for):
    org, user = startup()
    StartupProfileFactory(organisation=org, representative=user,
                          business_registration_number=events_world.BRN_C)
    answer = api_for(user).post(f"{E}/{event_world.event.pk}/registration", {
        "business_registration_number": "1208147521", "attendee_name": "김참석",
        "attendee_email": "guest@example.com", "answers": _answers(event_world)})
    assert answer.status_code == 201, answer.content
    registration = Registration.objects.get(pk=answer.json()["id"])
    assert registration.business_registration_number == events_world.BRN_C
    assert (registration.attendee_name, registration.attendee_email) == ("김참석",
                                                                        "guest@example.com")


def test_registration_errors_name_the_field(event_world, api_for):
    _org, user = startup()
    first, second = event_world.questions
    answer = api_for(user).post(f"{E}/{event_world.event.pk}/registration", {
        "business_registration_number": "123", "answers": {str(second.pk): "7"}})
    assert answer.status_code == 422
    fields = {d["field"] for d in answer.json()["error"]["details"]}
    assert fields == {"business_registration_number", f"answers.{first.pk}",
                      f"answers.{second.pk}"}
    assert not Registration.objects.filter(organisation=_org).exists()


def test_registering_twice_or_after_the_close_is_a_conflict(event_world, api_for, personas):
    answer = api_for(personas.startup_b).post(f"{E}/{event_world.event.pk}/registration", {})
    assert answer.status_code == 409 and answer.json()["error"]["code"] == "conflict"
    Event.objects.filter(pk=event_world.event.pk).update(
        registration_closes_at=timezone.now() - dt.timedelta(seconds=1))
    _org, user = startup()
    answer = api_for(user, language="ko").post(f"{E}/{event_world.event.pk}/registration", {
        "business_registration_number": "1208147521", "answers": _answers(event_world)})
    assert answer.status_code == 409
    assert answer.json()["error"]["message"] != "Registration for this event is closed."


def test_another_companys_number_is_refused_without_naming_it(event_world, api_for):
    _org, user = startup()
    answer = api_for(user).post(f"{E}/{event_world.event.pk}/registration", {
        "business_registration_number": events_world.BRN_A, "answers": _answers(event_world)})
    assert answer.status_code == 409
    assert "Neuro" not in answer.json()["error"]["message"]


def test_members_and_partners_cannot_register(event_world, personas, api_for):
    for user in (personas.startup_a_member, personas.partner_a, personas.operator):
        assert api_for(user).post(f"{E}/{event_world.event.pk}/registration",
                                  {}).status_code == 404


def test_the_representative_withdraws_and_a_member_cannot(event_world, personas, api_for):
    path = f"{E}/{event_world.event.pk}/registration"
    assert api_for(personas.startup_a_member).delete(path).status_code == 404
    answer = api_for(personas.startup_b).delete(path)
    assert answer.status_code == 200 and answer.json()["status"]["code"] == "withdrawn"
    assert api_for(personas.startup_b).delete(path).status_code == 409


def test_a_read_only_token_cannot_register(event_world, personas, api_for):
    client = api_for(personas.startup_b, scopes={"events": "read"})
    answer = client.delete(f"{E}/{event_world.event.pk}/registration")
    assert answer.status_code == 403
    assert answer.json()["error"]["code"] == "insufficient_scope"


# --- live Q&A ---------------------------------------------------------------------------------


def test_attendees_see_the_audiences_questions_and_anonymity_holds(qna, personas, api_for):
    event = qna.event_world.event
    qna_services.hide(event=event, question_id=qna.question.pk, by=personas.operator)
    body = api_for(personas.startup_a_member).get(f"{E}/{event.pk}/questions").json()
    assert [q["id"] for q in body["items"]] == [qna.anonymous_question.pk]
    question = body["items"][0]
    assert question["anonymous"] is True and question["author"] is None
    assert question["may_vote"] is True and question["mine"] is False
    # The author sees their hidden question, marked, and may not vote for their own.
    mine = api_for(qna.attendee_c).get(f"{E}/{event.pk}/questions").json()["items"]
    assert {q["id"]: q["status"]["code"] for q in mine} == {
        qna.question.pk: "hidden", qna.anonymous_question.pk: "approved"}
    assert not any(q["may_vote"] for q in mine)


def test_the_events_staff_read_the_questions_and_others_get_404(qna, personas, api_for):
    path = f"{E}/{qna.event_world.event.pk}/questions"
    body = api_for(personas.partner_a).get(path).json()
    assert body["count"] == 2 and not any(q["may_vote"] for q in body["items"])
    assert api_for(personas.startup_b).get(path).status_code == 404
    assert api_for(personas.partner_b).get(path).status_code == 404


def test_an_attendee_asks_and_a_premoderated_question_waits(qna, personas, api_for):
    event = qna.event_world.event
    client = api_for(personas.startup_a)
    answer = client.post(f"{E}/{event.pk}/questions", {"text": "  Korean support?  "})
    assert answer.status_code == 201, answer.content
    assert answer.json()["status"]["code"] == "approved" and answer.json()["mine"] is True
    assert answer.json()["text"] == "Korean support?"
    qna_services.save_settings(event=event, by=personas.operator, premoderated=True, open=True)
    answer = client.post(f"{E}/{event.pk}/questions", {"text": "Pricing?", "anonymous": True})
    assert answer.json()["status"]["code"] == "pending"
    others = api_for(personas.startup_a_member).get(f"{E}/{event.pk}/questions").json()
    assert answer.json()["id"] not in [q["id"] for q in others["items"]]


def test_a_question_too_long_or_empty_is_422(qna, personas, api_for):
    client = api_for(personas.startup_a)
    for text in ("x" * 301, "   "):
        answer = client.post(f"{E}/{qna.event_world.event.pk}/questions", {"text": text})
        assert answer.status_code == 422
        assert answer.json()["error"]["details"][0]["field"] == "text"


def test_questions_are_rate_limited_as_on_the_web(qna, personas, api_for, settings,
                                                   fresh_throttle_window):
    settings.KBRIDGE_THROTTLE_RATES = {**settings.KBRIDGE_THROTTLE_RATES,
                                       "qna-question": "1/m"}
    client = api_for(personas.startup_a)
    path = f"{E}/{qna.event_world.event.pk}/questions"
    assert client.post(path, {"text": "One"}).status_code == 201
    answer = client.post(path, {"text": "Two"})
    assert answer.status_code == 429 and int(answer["Retry-After"]) > 0
    assert answer.json()["error"]["code"] == "rate_limited"


def test_a_closed_qna_takes_no_questions(qna, personas, api_for):
    event = qna.event_world.event
    qna_services.save_settings(event=event, by=personas.operator, premoderated=False,
                               open=False)
    client = api_for(personas.startup_a)
    assert client.post(f"{E}/{event.pk}/questions", {"text": "Late"}).status_code == 404
    assert client.get(f"{E}/{event.pk}/questions").status_code == 200


def test_voting_and_unvoting_are_idempotent_and_counted_as_rows(qna, personas, api_for):
    event = qna.event_world.event
    path = f"{E}/{event.pk}/questions/{qna.question.pk}/vote"
    client = api_for(personas.startup_a)
    assert client.put(path).json() == {"question_id": qna.question.pk, "voted": True,
                                       "votes": 1}
    assert client.put(path).json()["votes"] == 1
    assert api_for(personas.startup_a_member).put(path).json()["votes"] == 2
    assert client.delete(path).json() == {"question_id": qna.question.pk, "voted": False,
                                          "votes": 1}
    assert Vote.objects.filter(question=qna.question).count() == 1
    listed = client.get(f"{E}/{event.pk}/questions").json()["items"]
    assert {q["id"]: q["voted"] for q in listed}[qna.question.pk] is False


def test_votes_follow_the_rules_of_the_service(qna, personas, api_for):
    event = qna.event_world.event
    own = api_for(qna.attendee_c).put(f"{E}/{event.pk}/questions/{qna.question.pk}/vote")
    assert own.status_code == 409
    qna_services.answer(event=event, question_id=qna.question.pk, by=personas.operator)
    answered = api_for(personas.startup_a).put(
        f"{E}/{event.pk}/questions/{qna.question.pk}/vote")
    assert answered.status_code == 409
    other = Question.objects.create(event=qna.event_world.draft_event, author=qna.attendee_c,
                                    text="Elsewhere")
    assert api_for(personas.startup_a).put(
        f"{E}/{event.pk}/questions/{other.pk}/vote").status_code == 404
    assert api_for(personas.partner_a).put(
        f"{E}/{event.pk}/questions/{qna.anonymous_question.pk}/vote").status_code == 404
    assert api_for(personas.startup_a).delete(
        f"{E}/{event.pk}/questions/{10**30}/vote").status_code == 404


def test_the_questions_take_a_constant_number_of_queries(qna, personas, api_for):
    client = api_for(personas.startup_a)
    path = f"{E}/{qna.event_world.event.pk}/questions"
    one = count_queries(client, path)
    for n in range(3):
        question = qna_services.post_question(event=qna.event_world.event,
                                              author=qna.attendee_c, text=f"Q{n}")
        qna_services.vote(event=qna.event_world.event, question_id=question.pk,
                          voter=personas.startup_a_member)
    assert count_queries(client, path) == one


# --- 1:1 meetings -----------------------------------------------------------------------------


@pytest.fixture
def meeting(event_world, personas):
    meetings_world.session(event_world.event)
    request = meetings_world.accepted(event_world.event, personas.startup_a_org,
                                      personas.partner_a, personas.startup_a)
    MeetingRequest.objects.filter(pk=request.pk).update(message="NPU 협력 논의")
    return request


def test_each_side_sees_its_own_meetings(event_world, meeting, personas, api_for):
    path = f"{E}/{event_world.event.pk}/meetings"
    startup_side = api_for(personas.startup_a_member).get(path).json()["items"]
    assert [m["id"] for m in startup_side] == [meeting.pk]
    assert startup_side[0]["with_whom"] == (personas.partner_a.full_name
                                            or personas.partner_a.email)
    assert startup_side[0]["incoming"] is False and startup_side[0]["message"] == "NPU 협력 논의"
    partner_side = api_for(personas.partner_a).get(path).json()["items"]
    assert partner_side[0]["with_whom"] == "Neuro Chips" and partner_side[0]["incoming"]
    # The host's admin takes part, but this meeting is not theirs.
    assert api_for(personas.partner_admin).get(path).json() == {"items": [], "count": 0}
    assert api_for(personas.startup_b).get(path).status_code == 404
    assert api_for(personas.operator).get(path).status_code == 404


def test_the_console_lists_every_meeting_for_the_events_staff(event_world, meeting, personas,
                                                              api_for):
    path = f"{E}/{event_world.event.pk}/meetings/console"
    body = api_for(personas.operator).get(path).json()
    assert [m["id"] for m in body["items"]] == [meeting.pk]
    assert body["items"][0]["status"]["code"] == "accepted"
    assert "message" not in body["items"][0]
    assert api_for(personas.partner_b).get(path).status_code == 404
    assert api_for(personas.startup_a).get(path).status_code == 404


def test_the_meeting_lists_take_a_constant_number_of_queries(event_world, meeting, personas,
                                                             api_for):
    event = event_world.event
    mine, console = api_for(personas.startup_a), api_for(personas.operator)
    counts = (count_queries(mine, f"{E}/{event.pk}/meetings"),
              count_queries(console, f"{E}/{event.pk}/meetings/console"))
    for n in range(3):
        person = meetings_world.staff(event, n)
        meetings_world.accepted(event, personas.startup_a_org, person, personas.startup_a)
    assert (count_queries(mine, f"{E}/{event.pk}/meetings"),
            count_queries(console, f"{E}/{event.pk}/meetings/console")) == counts


def test_an_offset_past_the_databases_integers_is_422_not_an_error(event_world):
    answer = ApiClient().get(E + f"?offset={10**24}")
    assert answer.status_code == 422
    assert answer.json()["error"]["details"][0]["field"].endswith("offset")
