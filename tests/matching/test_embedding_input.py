"""What the embedding task takes is bounded, and queued once per object and transaction."""

from __future__ import annotations

from django_tasks_db.models import DBTaskResult

from kbridge.applications import services
from kbridge.engine.matching.text import chunk_text
from kbridge.matching import documents
from kbridge.matching.selectors import resolve
from kbridge.matching.tasks import embed_documents
from tests.factories import StartupProfileFactory


def _embedding_tasks():
    return list(DBTaskResult.objects.filter(task_path=embed_documents.module_path)
                .order_by("enqueued_at"))


def test_ten_thousand_keywords_are_bounded_before_the_model_sees_them(personas):
    org = personas.startup_a_org
    org.keywords = [f"keyword {n} " + "x" * 300 for n in range(10_000)]
    org.description_ko = "아주 긴 설명 " * 200_000
    org.save()
    StartupProfileFactory(organisation=org, representative=personas.startup_a,
                          technology_keywords=[f"tech {n}" for n in range(10_000)])

    doc = resolve(f"startup:{org.pk}")  # exactly what embed_documents embeds

    assert len(doc.keywords) == documents.MAX_KEYWORDS
    assert max(len(k) for k in doc.keywords) <= documents.MAX_KEYWORD_CHARS
    assert len(doc.description) <= documents.MAX_DESCRIPTION_CHARS
    assert len(doc.title) <= documents.MAX_TITLE_CHARS
    bound = (documents.MAX_TITLE_CHARS + documents.MAX_DESCRIPTION_CHARS
             + documents.MAX_KEYWORDS * (documents.MAX_KEYWORD_CHARS + 2) + 4)
    assert len(doc.full_text()) <= bound
    # A few dozen model chunks, not the thousands 10,000 keywords made.
    assert len(chunk_text(doc.full_text(), 200)) <= 200


def test_duplicate_and_empty_keywords_are_dropped_before_the_limit(personas):
    org = personas.startup_a_org
    org.keywords = ["NPU", " NPU ", "", "  ", "AI 반도체"] * 1000
    org.save()
    assert documents.startup_document(org).keywords[:2] == ("NPU", "AI 반도체")


def test_one_profile_save_queues_one_embedding_task(personas, django_capture_on_commit_callbacks):
    org = personas.startup_a_org
    StartupProfileFactory(organisation=org, representative=personas.startup_a)
    DBTaskResult.objects.all().delete()

    # save_profile writes the organisation and the profile: two post_save signals.
    with django_capture_on_commit_callbacks(execute=True):
        services.save_profile(organisation=org, by=personas.startup_a,
                              description_en="We design NPUs.", team_size=12)

    tasks = _embedding_tasks()
    assert [t.args_kwargs["args"] for t in tasks] == [[[f"startup:{org.pk}"]]]


def test_a_waiting_task_is_not_queued_again_but_a_running_one_is(
        personas, django_capture_on_commit_callbacks):
    org = personas.startup_a_org
    StartupProfileFactory(organisation=org, representative=personas.startup_a)
    DBTaskResult.objects.all().delete()

    for text in ("first", "second", "third"):
        with django_capture_on_commit_callbacks(execute=True):
            services.save_profile(organisation=org, by=personas.startup_a, description_en=text)
    assert len(_embedding_tasks()) == 1  # the waiting task will read the latest text

    _embedding_tasks()[0].claim("a-worker")  # started: it may have read the old text
    with django_capture_on_commit_callbacks(execute=True):
        services.save_profile(organisation=org, by=personas.startup_a, description_en="fourth")
    assert [t.status for t in _embedding_tasks()] == ["RUNNING", "READY"]
