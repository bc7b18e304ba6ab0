"""Server-side half of ``bench/deadline_rush.py``: seeding and reconciliation.

Run only by ``deadline_rush.py`` as a subprocess, with the same environment (database, secret
key, media root) as the gunicorn workers it benchmarks, so that the sessions it creates are
valid for them and the files it checks are the ones they stored. It talks to Django directly
(ORM, storage) because that is the ground truth the benchmark's client is reconciled against:

* ``seed``: a program with one call (five partners' tracks, the standard questions,
  deadline two hours ahead) plus N startups, each with
  a representative, a valid profile, a complete draft application (all answers but the one
  the rush types; declarations left for the rush), two small PDFs already attached, and a
  logged-in session. Bulk inserts: logging 5,000 people in through argon2 would take minutes.
* ``reconcile``: every receipt the client received against the stored ``Submission`` rows,
  the answers hash recomputed from the stored answers, and every file hash recomputed from
  the stored bytes; plus rows the client never got a receipt for, orphan files and queued
  receipt e-mails.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import random
import sys
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kbridge.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.contrib.sessions.models import Session  # noqa: E402
from django.core.files.base import ContentFile  # noqa: E402
from django.core.files.storage import default_storage  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402
from django.utils.crypto import get_random_string  # noqa: E402

from kbridge.accounts.models import Membership, Organisation, User  # noqa: E402
from kbridge.applications import services  # noqa: E402
from kbridge.applications.models import (  # noqa: E402
    Application,
    Attachment,
    Question,
    StartupProfile,
    Submission,
)
from kbridge.portal import demo  # noqa: E402
from kbridge.programs import services as program_services  # noqa: E402
from kbridge.programs.models import Call  # noqa: E402

BATCH = 1000
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def _log(message: str) -> None:
    print(f"[seed] {message}", file=sys.stderr, flush=True)


def _small_pdf(title: str, marker_len: int = 32) -> tuple[bytes, int]:
    """A 3-page PDF whose first page's content stream holds a replaceable marker.

    Returns the bytes and the marker's offset: every applicant's file is the same PDF with a
    different marker, so each has its own SHA-256 without building 10,000 PDFs.
    """
    import io

    from pypdf import PdfWriter
    from pypdf.generic import NameObject, StreamObject

    writer = PdfWriter()
    for _ in range(3):
        writer.add_blank_page(width=842, height=595)
    stream = StreamObject()
    stream.set_data(b"q Q\n%" + b"0" * marker_len + b"\n")
    writer.pages[0][NameObject("/Contents")] = writer._add_object(stream)
    writer.add_metadata({"/Title": title})
    out = io.BytesIO()
    writer.write(out)
    data = out.getvalue()
    return data, data.index(b"%" + b"0" * marker_len) + 1


def _with_marker(template: bytes, offset: int, marker: str) -> bytes:
    raw = marker.encode("ascii")
    return template[:offset] + raw + template[offset + len(raw):]


def _program(now: dt.datetime) -> Call:
    """One program with one call (deadline in two hours) and five partners' tracks, built
    with the same services the operator pages use, and the standard application form."""
    operator_org = Organisation.objects.create(
        kind=Organisation.Kind.OPERATOR, name_ko="창업진흥원", name_en="KISED")
    operator = User.objects.create(email="operator@kbridge.bench", full_name="운영자",
                                   password=demo._demo_password_hash(), email_verified_at=now)
    Membership.objects.create(user=operator, organisation=operator_org,
                              role=Membership.Role.OPERATOR)
    program = program_services.create_program(
        by=operator, operator=operator_org, year=2026, name_ko="2026 마감 러시 벤치마크",
        name_en="2026 deadline rush benchmark", budget_krw=45_000_000_000,
        one_application_per_program=True)
    deadline = now + dt.timedelta(hours=2)
    day = timezone.localtime(deadline).date()
    call = program_services.create_call(
        by=operator, program=program, title_ko="마감 러시 공고", title_en="Deadline rush call",
        opens_at=now - dt.timedelta(days=18), deadline_at=deadline,
        document_evaluation_start=day + dt.timedelta(days=3),
        document_evaluation_end=day + dt.timedelta(days=14),
        presentation_evaluation_start=day + dt.timedelta(days=21),
        presentation_evaluation_end=day + dt.timedelta(days=25),
        announcement_on=day + dt.timedelta(days=35))
    for spec in demo.PARTNERS:
        org = Organisation.objects.create(kind=Organisation.Kind.PARTNER, name_ko=spec["ko"],
                                          name_en=spec["en"], agency=operator_org)
        partner = program_services.add_partner(by=operator, program=program, organisation=org,
                                               sub_program_ko=spec["sub_ko"],
                                               sub_program_en=spec["sub_en"])
        t = spec["tracks"][0]
        program_services.create_track(
            by=operator, call=call, partner=partner, name_ko=t["name_ko"],
            name_en=t["name_en"], description_ko=t["desc_ko"], description_en=t["desc_en"],
            quota=t["quota"], funding_cap_krw=t["cap"], interest_keywords=t["keywords"],
            max_company_age_years=7, pre_founders_allowed=False,
            exclude_duplicate_funding=True, position=0)
    program_services.publish_call(call=call, by=operator)
    services.add_standard_questions(call=call, by=operator)
    return Call.objects.select_related("program").get(pk=call.pk)


@transaction.atomic
def seed(applicants: int, out: Path) -> None:
    started = time.perf_counter()
    now = timezone.now()
    call = _program(now)
    program = call.program
    tracks = list(call.tracks.order_by("partner_id", "position"))
    questions = list(Question.objects.filter(call=call).order_by("position", "pk"))
    texts = [q for q in questions if q.kind == Question.Kind.TEXT]
    typed = texts[-1]  # the answer the rush types while autosaving
    files = [q for q in questions if q.kind == Question.Kind.FILE]
    rng = random.Random(5000)
    password = demo._demo_password_hash()
    today = timezone.localtime(now).date()
    _log(f"program, call and {len(tracks)} tracks in {time.perf_counter() - started:.1f}s")

    users = User.objects.bulk_create(
        [User(email=f"rush{i:05d}@kbridge.bench", password=password,
              full_name=f"{demo._person(rng)} {i}", preferred_language="ko",
              email_verified_at=now) for i in range(applicants)], batch_size=BATCH)
    orgs = Organisation.objects.bulk_create(
        [Organisation(kind=Organisation.Kind.STARTUP, name_ko=f"러시 스타트업 {i:05d}",
                      name_en=f"Rush Startup {i:05d}", sector=demo.SECTORS[i % 10].en)
         for i in range(applicants)], batch_size=BATCH)
    Membership.objects.bulk_create(
        [Membership(user=u, organisation=o, role=Membership.Role.STARTUP_REPRESENTATIVE)
         for u, o in zip(users, orgs, strict=True)], batch_size=BATCH)
    StartupProfile.objects.bulk_create(
        [StartupProfile(organisation=o, representative=u, is_pre_founder=False,
                        business_registration_number=demo._brn(rng),
                        founded_on=today - dt.timedelta(days=rng.randint(200, 365 * 5)),
                        technology_keywords=["AI"], team_size=rng.randint(3, 40),
                        revenue_krw=0, investment_krw=rng.randint(0, 50) * 100_000_000,
                        patents=rng.randint(0, 5))
         for u, o in zip(users, orgs, strict=True)], batch_size=BATCH)
    _log(f"{applicants} users, startups and profiles in {time.perf_counter() - started:.1f}s")

    def answers_for(i: int) -> dict[str, Any]:
        answers: dict[str, Any] = {}
        for q in questions:
            if q.kind == Question.Kind.TEXT and q.pk != typed.pk:
                answers[str(q.pk)] = f"러시 스타트업 {i:05d}: {q.label_en}. " * 3
            elif q.kind == Question.Kind.NUMBER:
                answers[str(q.pk)] = rng.randint(0, 50) * 100_000_000
            elif q.kind == Question.Kind.CHOICE:
                answers[str(q.pk)] = rng.choice(q.choices)["value"]
        return answers

    apps = Application.objects.bulk_create(
        [Application(applicant=o, program=program, call=call, track=tracks[i % len(tracks)],
                     created_by=u, exclusivity_key=f"program:{program.pk}",
                     answers=answers_for(i), version=1 + len(files), editor_since=1,
                     saved_at=now)
         for i, (u, o) in enumerate(zip(users, orgs, strict=True))], batch_size=BATCH)

    templates = {q.pk: _small_pdf(q.label_en) for q in files}
    attachments = []
    file_hashes: list[dict[str, str]] = []
    for i, (u, a) in enumerate(zip(users, apps, strict=True)):
        hashes = {}
        for q in files:
            template, offset = templates[q.pk]
            data = _with_marker(template, offset, f"seed-{a.pk:010d}-{q.pk:06d}".ljust(32, "x"))
            digest = hashlib.sha256(data).hexdigest()
            attachment = Attachment(application=a, question=q, original_name=f"{q.label_en}.pdf",
                                    size=len(data), pages=3, sha256=digest, uploaded_by=u)
            default_storage.save(services.storage_path(attachment), ContentFile(data))
            attachments.append(attachment)
            hashes[str(q.pk)] = digest
        file_hashes.append(hashes)
        if i and i % 1000 == 0:
            _log(f"{i} applications' files written")
    Attachment.objects.bulk_create(attachments, batch_size=BATCH)
    _log(f"{applicants} drafts and {len(attachments)} files in "
         f"{time.perf_counter() - started:.1f}s")

    expire = now + dt.timedelta(seconds=settings.SESSION_COOKIE_AGE)
    store = SessionStore()
    sessions = []
    people = []
    for u, a, hashes in zip(users, apps, file_hashes, strict=True):
        key = get_random_string(32, "abcdefghijklmnopqrstuvwxyz0123456789")
        data = {SESSION_KEY: str(u.pk), BACKEND_SESSION_KEY: MODEL_BACKEND,
                HASH_SESSION_KEY: u.get_session_auth_hash()}
        sessions.append(Session(session_key=key, session_data=store.encode(data),
                                expire_date=expire))
        people.append({"application": a.pk, "user": u.pk, "session": key,
                       "csrf": get_random_string(32), "answers": a.answers, "files": hashes,
                       "version": a.version})
    Session.objects.bulk_create(sessions, batch_size=BATCH)
    _log(f"{applicants} sessions in {time.perf_counter() - started:.1f}s")
    out.write_text(json.dumps({
        "call": call.pk, "program": program.pk, "typed_question": typed.pk,
        "typed_max_length": typed.max_length,
        "questions": [{"id": q.pk, "kind": q.kind} for q in questions],
        "file_questions": [q.pk for q in files], "applicants": people,
        "seeded_at": now.isoformat(),
    }))


def _sha256_file(path: str) -> str:
    digest = hashlib.sha256()
    with default_storage.open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def reconcile(client_path: Path, out: Path) -> None:
    """Every receipt the client saw, checked against the database and the stored bytes."""
    client = json.loads(client_path.read_text())
    receipts = client["receipts"]  # [{application, number, receipt, answers_sha256, files,
    #                                  typed, expected_files: {qid: sha}}]
    seeded_at = dt.datetime.fromisoformat(client["seeded_at"])
    result: dict[str, Any] = {"receipts": len(receipts), "matched": 0, "lost": 0,
                              "mismatched": 0, "problems": []}
    by_key = {(s.application_id, s.number): s for s in Submission.objects.filter(
        submitted_at__gte=seeded_at)}
    attachments = {a.pk: a for a in Attachment.objects.filter(
        application_id__in={r["application"] for r in receipts})}
    disk_hash: dict[int, str] = {}
    for r in receipts:
        key = (r["application"], r["number"])
        submission = by_key.get(key)
        if submission is None:
            result["lost"] += 1
            result["problems"].append({"receipt": r, "problem": "no stored submission"})
            continue
        problems = []
        if r.get("receipt") and r["receipt"] != submission.receipt_number:
            problems.append(f"receipt number {r['receipt']} != {submission.receipt_number}")
        recomputed = services._canonical_sha256(submission.answers)
        if recomputed != submission.answers_sha256:
            problems.append("stored answers do not hash to the stored answers_sha256")
        if r.get("answers_sha256") and r["answers_sha256"] != submission.answers_sha256:
            problems.append("answers hash on the receipt page != stored")
        typed = submission.answers["answers"].get(str(client["typed_question"]))
        if typed != r["typed"]:
            problems.append("stored answer differs from what the client typed last")
        if submission.answers.get("declares_no_tax_arrears") is not True or \
                submission.answers.get("declares_government_support") is not False:
            problems.append("declarations not stored as sent")
        stored_files = {str(f["question"]): f for f in submission.files}
        if set(stored_files) != set(r["expected_files"]):
            problems.append("file slots differ")
        shown = r.get("files") or []
        if shown and sorted(shown) != sorted(f["sha256"] for f in submission.files):
            problems.append("file hashes on the receipt page != stored")
        for qid, f in stored_files.items():
            if r["expected_files"].get(qid) != f["sha256"]:
                problems.append(f"file {qid}: stored hash != hash of the bytes the client sent")
            attachment = attachments.get(f["attachment"])
            if attachment is None:
                problems.append(f"file {qid}: attachment row missing")
                continue
            if attachment.pk not in disk_hash:
                try:
                    disk_hash[attachment.pk] = _sha256_file(services.storage_path(attachment))
                except FileNotFoundError:
                    disk_hash[attachment.pk] = "missing"
            if disk_hash[attachment.pk] != f["sha256"]:
                problems.append(f"file {qid}: bytes on disk hash to {disk_hash[attachment.pk]}")
        if problems:
            result["mismatched"] += 1
            result["problems"].append({"receipt": r, "problem": "; ".join(problems)})
        else:
            result["matched"] += 1
    seen = {(r["application"], r["number"]) for r in receipts}
    unreceipted = [s.receipt_number for k, s in by_key.items() if k not in seen]
    result["stored_submissions"] = len(by_key)
    result["stored_without_client_receipt"] = len(unreceipted)
    result["stored_without_client_receipt_sample"] = unreceipted[:10]
    result["files_hashed_on_disk"] = len(disk_hash)
    # Files written by attach_file whose transaction did not commit (written before the row).
    stored_names = set(Attachment.objects.values_list("stored_name", flat=True))
    on_disk = {p.name for p in (Path(settings.MEDIA_ROOT) / "applications").iterdir()}
    result["orphan_files_on_disk"] = len(on_disk - stored_names)
    result["rows_without_file"] = len(stored_names - on_disk)
    try:
        from django.db.models import Count
        from django_tasks_db.models import DBTaskResult

        result["receipt_tasks"] = {row["status"]: row["n"] for row in
                                   DBTaskResult.objects.filter(queue_name="email").values("status")
                                   .annotate(n=Count("id"))}
    except Exception as exc:  # informative only
        result["receipt_tasks"] = {"error": str(exc)}
    with connection.cursor() as cursor:
        cursor.execute("SELECT deadlocks, xact_rollback, xact_commit FROM pg_stat_database "
                       "WHERE datname = current_database()")
        deadlocks, rollbacks, commits = cursor.fetchone()
    result["pg"] = {"deadlocks": deadlocks, "rollbacks": rollbacks, "commits": commits}
    result["problems"] = result["problems"][:20]
    out.write_text(json.dumps(result, indent=1, default=str))


def main() -> None:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    s = sub.add_parser("seed")
    s.add_argument("--applicants", type=int, required=True)
    s.add_argument("--out", type=Path, required=True)
    r = sub.add_parser("reconcile")
    r.add_argument("--client", type=Path, required=True)
    r.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    if args.command == "seed":
        seed(args.applicants, args.out)
    else:
        reconcile(args.client, args.out)


if __name__ == "__main__":
    main()
