"""Agreements on top of the decided world (tests/selection/world.py): helpers that send an
agreement and upload its documents through the services, as the pages do.

``offered(decided, personas)`` sends startup A's agreement (rank 1, award ₩200M) with the
default terms; ``upload(agreement, kind, by)`` stores a checked two-page PDF of that kind.
"""

from __future__ import annotations

import hashlib

from django.utils import timezone

from kbridge.applications.uploads import CheckedPDF
from kbridge.selection.services import agreements as services
from tests.applications.conftest import make_pdf


def checked_pdf(name: str = "document.pdf", pages: int = 2) -> CheckedPDF:
    data = make_pdf(pages)
    return CheckedPDF(data=data, sha256=hashlib.sha256(data).hexdigest(), size=len(data),
                      pages=pages, original_name=name)


def default_terms(outcome, today=None) -> dict:
    """The terms the draft page prefills for ``outcome``."""
    starts_on, ends_on = services.default_period(today or timezone.localdate(),
                                                 services.agreement_months(outcome))
    return {"starts_on": starts_on, "ends_on": ends_on,
            "tranches": services.default_tranches(outcome.award_krw, starts_on, ends_on)}


def offered(decided, personas, *, outcome=None, now=None):
    """Startup A's agreement (or ``outcome``'s), sent by KISED's operator with the default
    terms."""
    outcome = outcome or decided.outcomes[0]
    return services.send_agreement(outcome=outcome, by=personas.operator, now=now,
                                   **default_terms(outcome))


def upload(agreement, kind: str, by, *, name: str | None = None):
    return services.upload_document(agreement=agreement, kind=kind, by=by,
                                    checked=checked_pdf(name or f"{kind}.pdf")).document


def upload_all(agreement, by) -> None:
    for kind in services.REQUIRED_DOCUMENTS:
        upload(agreement, kind, by)


def matrix_ids(decided, personas) -> dict[str, int]:
    """The ids of the permission matrix's agreement rows: startup A's agreement (offered, one
    document uploaded) and the second selected outcome, which may get one."""
    agreement = offered(decided, personas)
    document = upload(agreement, "business_registration", personas.startup_a_member)
    return {"agreement": agreement.pk, "agreement_document": document.pk,
            "agreeable_outcome": decided.outcomes[1].pk}
