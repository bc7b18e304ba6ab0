"""Two phones scan the same ticket at the same instant: one is admitted, the other refused
with the first's row (the unique ``CheckIn.ticket`` decides; services.tickets.check_in).

Real threads with their own database connections, so the test needs committed data
(``transaction=True``). On SQLite the second writer waits for the first's lock (the project's
busy timeout); on PostgreSQL both inserts race and the unique index refuses one."""

from __future__ import annotations

import threading

import pytest

from kbridge.events.models import CheckIn
from kbridge.events.services import tickets as services
from tests.events.tickets.world import issue, payload

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_simultaneous_scans_admit_once(event_world, personas):
    ticket = issue(event_world.registration_a)
    code = payload(ticket)
    staff = [personas.operator, personas.partner_a]
    barrier = threading.Barrier(2)
    answers, errors = [None, None], []

    def scan(index):
        from django.db import connections

        try:
            barrier.wait(timeout=10)
            answers[index] = services.check_in(event=event_world.event, by=staff[index],
                                               payload=code)
        except Exception as exc:  # noqa: BLE001 (reported below)
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=scan, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    admitted = [a for a in answers if a.admitted]
    refused = [a for a in answers if not a.admitted]
    assert len(admitted) == 1 and len(refused) == 1
    assert refused[0].reason == "already"
    assert refused[0].check_in.pk == admitted[0].check_in.pk
    assert refused[0].check_in.by == admitted[0].check_in.by
    assert CheckIn.objects.filter(ticket=ticket).count() == 1
