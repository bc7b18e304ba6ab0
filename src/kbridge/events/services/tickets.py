"""Tickets and check-in: issue a ticket when a registration is chosen, revoke it when it is
released, and admit a ticket at the door once (docs/events.md, "Tickets and check-in").

The receivers at the bottom connect :func:`issue_ticket` to
``kbridge.events.signals.registration_chosen`` and :func:`revoke_ticket` to
``registration_released`` (the attendees part sends them inside the transaction that changes
the registration, so a rolled-back choice issues no ticket and sends no mail).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core import checks
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.dispatch import receiver
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kbridge.accounts.models import User
from kbridge.core import audit
from kbridge.core.i18n import KST
from kbridge.core.mail import inline_part, queue_email
from kbridge.core.site import absolute
from kbridge.events import signals, ticket_codes
from kbridge.events.models import CheckIn, Event, Registration, Ticket

# --- issuing and revoking -------------------------------------------------------------------

#: The Content-ID of the QR image in the ticket e-mail's HTML (``<img src="cid:…">``).
QR_CONTENT_ID = "ticket-qr@kbridge"


def _unused_short_code(event_id: int) -> str:
    """A typed code no other ticket of the event has (31**9 codes: a clash is a surprise,
    but cheap to rule out)."""
    while True:
        short_code = ticket_codes.new_short_code()
        if not Ticket.objects.filter(event_id=event_id, short_code=short_code).exists():
            return short_code


def attendee_language(registration: Registration) -> str:
    """The language of the attendee's e-mail: the preferred language of the account with the
    attendee's address, else of the person who registered, else ``LANGUAGE_CODE`` (Korean)."""
    user = (User.objects.filter(email__iexact=registration.attendee_email)
            .only("preferred_language").first()) or registration.registered_by
    return getattr(user, "preferred_language", "") or settings.LANGUAGE_CODE


def ticket_message(ticket: Ticket) -> EmailMultiAlternatives:
    """The ticket e-mail in :func:`attendee_language`: the typed code, time and place in KST
    and a link to the ticket page, as text and as HTML showing the QR code inline (a PNG part
    ``ticket-<typed code>.png`` with Content-ID ``ticket-qr@kbridge``; text-only mail clients
    show it as an attachment)."""
    registration = ticket.registration
    payload = ticket_codes.sign_payload(ticket.event_id, ticket.code)
    language = attendee_language(registration)
    context = {
        "ticket": ticket, "event": ticket.event, "registration": registration,
        "typed_code": ticket_codes.display_short_code(ticket.short_code),
        "link": absolute(reverse("events:ticket", kwargs={"event_id": ticket.event_id})),
        "content_id": QR_CONTENT_ID, "language": language,
    }
    with translation.override(language):
        text = render_to_string("events/tickets/mail.txt", context)
        html = render_to_string("events/tickets/mail.html", context)
    subject, _sep, body = text.strip().partition("\n")
    message = EmailMultiAlternatives(subject.strip(), body.strip() + "\n",
                                     settings.DEFAULT_FROM_EMAIL, [registration.attendee_email])
    message.attach_alternative(html, "text/html")
    message.attach(inline_part(ticket_codes.qr_png(payload), "image/png",
                               f"ticket-{ticket.short_code}.png", QR_CONTENT_ID))
    return message


@transaction.atomic
def issue_ticket(registration: Registration, *, by=None) -> Ticket:
    """The ticket of a CHOSEN ``registration``, issued (and e-mailed) if it has none.

    Idempotent: a valid ticket is returned unchanged. A revoked one is issued anew with new
    codes (its old QR code and typed code stop working). Raises ValidationError when the
    registration is not chosen. Audit ``event.ticket_issued``; e-mail keyed
    ``event-ticket:<ticket id>:<code prefix>`` (once per issue).
    """
    registration = (Registration.objects.select_for_update()
                    .select_related("event__program", "registered_by").get(pk=registration.pk))
    if not registration.is_chosen:
        raise ValidationError(_("Only a chosen registration gets a ticket."))
    ticket = Ticket.objects.filter(registration=registration).first()
    if ticket is not None and ticket.revoked_at is None:
        return ticket
    code, short_code = ticket_codes.new_code(), _unused_short_code(registration.event_id)
    if ticket is None:
        ticket = Ticket.objects.create(registration=registration, event=registration.event,
                                       code=code, short_code=short_code)
    else:
        ticket.code, ticket.short_code, ticket.revoked_at = code, short_code, None
        ticket.save(update_fields=["code", "short_code", "revoked_at", "updated_at"])
    ticket.registration, ticket.event = registration, registration.event
    audit.record("event.ticket_issued", ticket,
                 after={"registration": registration.pk, "short_code": short_code}, actor=by)
    queue_email(ticket_message(ticket), idempotency_key=f"event-ticket:{ticket.pk}:{code[:12]}",
                organisation=registration.event.program.operator)
    return ticket


@transaction.atomic
def revoke_ticket(registration: Registration, *, by=None) -> Ticket | None:
    """Revoke the ticket of ``registration`` (no longer chosen): its codes are refused at the
    door from now on. Returns the ticket, or None when it had none. Idempotent. Audit
    ``event.ticket_revoked``."""
    ticket = (Ticket.objects.select_for_update().select_related("event__program")
              .filter(registration_id=registration.pk).first())
    if ticket is None or ticket.revoked_at is not None:
        return ticket
    ticket.revoked_at = timezone.now()
    ticket.save(update_fields=["revoked_at", "updated_at"])
    audit.record("event.ticket_revoked", ticket, after={"registration": registration.pk},
                 actor=by)
    return ticket


@receiver(signals.registration_chosen, dispatch_uid="kbridge.events.tickets.issue")
def _on_registration_chosen(sender, registration, by=None, **kwargs):
    issue_ticket(registration, by=by)


@receiver(signals.registration_released, dispatch_uid="kbridge.events.tickets.revoke")
def _on_registration_released(sender, registration, by=None, **kwargs):
    revoke_ticket(registration, by=by)


# --- check-in -------------------------------------------------------------------------------

#: Why a code is refused (:attr:`Answer.reason`); :attr:`Answer.message` words each.
REASONS = ("empty", "malformed", "signature", "check", "other_event", "unknown", "revoked",
           "already")


def _reason(code: str) -> str:
    messages = {
        "empty": _("Scan a ticket or type its code."),
        "malformed": _("This is not a K-Bridge ticket code."),
        "signature": _("This QR code was altered or not issued by K-Bridge: it is not valid."),
        "check": _("This code has a typo: check each character and try again."),
        "other_event": _("This ticket is for another event."),
        "unknown": _("No ticket of this event has this code."),
        "revoked": _("This ticket was cancelled: the registration is no longer chosen."),
    }
    return messages[code]


@dataclass
class Answer:
    """What the door shows for one scan or typed code.

    ``admitted``: True for a first check-in. ``reason``: a code of :data:`REASONS` when
    refused (``already`` carries the first ``check_in``: when and by whom). ``ticket`` is the
    ticket found (None when the code names none of this event's)."""

    admitted: bool
    reason: str = ""
    ticket: Ticket | None = None
    check_in: CheckIn | None = None

    @property
    def message(self) -> str:
        """The refusal in the current language; for ``already`` it names the time (KST) and
        the staff member of the first check-in."""
        if self.admitted:
            return ""
        if self.reason == "already":
            first = self.check_in
            return _("Already checked in at %(time)s KST by %(name)s.") % {
                "time": timezone.localtime(first.at, KST).strftime("%H:%M:%S"),
                "name": first.by.full_name or first.by.email}
        return _reason(self.reason)


def _find(event: Event, payload: str, typed: str) -> tuple[Ticket | None, str]:
    try:
        if payload:
            found = ticket_codes.read_payload(payload)
            if found.event_id != event.pk:
                return None, "other_event"
            lookup = {"code": found.code}
        elif typed:
            lookup = {"short_code": ticket_codes.normalize_typed_code(typed),
                      "event_id": event.pk}
        else:
            return None, "empty"
    except ticket_codes.CodeError as exc:
        return None, exc.reason
    ticket = (Ticket.objects.select_related("registration__organisation", "event")
              .filter(**lookup).first())
    if ticket is None:
        return None, "unknown"
    if ticket.event_id != event.pk:
        return None, "other_event"
    return ticket, ""


def check_in(*, event: Event, by, payload: str = "", typed: str = "") -> Answer:
    """Admit the ticket that ``payload`` (a scanned QR code) or ``typed`` (a typed code) names,
    at ``event``'s door, by staff member ``by``.

    Refusals (an :class:`Answer` with ``admitted=False``): nothing given, a malformed or
    tampered payload, a typo in a typed code, another event's ticket, an unknown or revoked
    ticket, and a ticket already checked in — the unique ``CheckIn.ticket`` decides between
    two phones scanning at the same instant, and the loser gets the winner's row. Audit
    ``event.checked_in`` for an admission.
    """
    ticket, reason = _find(event, (payload or "").strip(), (typed or "").strip())
    if ticket is None:
        return Answer(False, reason)
    if ticket.revoked_at is not None:
        return Answer(False, "revoked", ticket)
    method = CheckIn.Method.SCAN if payload else CheckIn.Method.TYPED
    try:
        with transaction.atomic():
            row = CheckIn.objects.create(ticket=ticket, event=event, by=by, method=method)
            audit.record("event.checked_in", row, after={
                "ticket": ticket.pk, "registration": ticket.registration_id, "method": method},
                actor=by)
    except IntegrityError:
        first = CheckIn.objects.select_related("by").get(ticket=ticket)
        return Answer(False, "already", ticket, first)
    row.by = by
    return Answer(True, "", ticket, row)


#: The static files the check-in page's scanner loads (settings.NPM_STATIC serves them).
SCANNER_FILES = ("vendor/barcode-detector/ponyfill.js", "vendor/zxing-wasm/zxing_reader.wasm")


def scanner_installed() -> bool:
    """Whether the camera scanner's files can be served: in production, in the
    ``collectstatic`` manifest (``npm ci`` ran before it); elsewhere, found in node_modules
    by the static files finders. False makes the check-in page offer typed codes only
    (never a 500 from a missing manifest entry)."""
    from django.contrib.staticfiles import finders
    from django.contrib.staticfiles.storage import ManifestFilesMixin, staticfiles_storage

    if isinstance(staticfiles_storage, ManifestFilesMixin):
        try:
            for name in SCANNER_FILES:
                staticfiles_storage.url(name)
        except ValueError:
            return False
        return True
    return all(finders.find(name) for name in SCANNER_FILES)


@checks.register(checks.Tags.staticfiles, deploy=True)
def check_scanner_installed(app_configs=None, **kwargs):
    """``check --deploy``: the camera scanner's npm packages must be installed (``npm ci``,
    before ``collectstatic``), or the check-in page offers typed codes only."""
    if settings.KBRIDGE_QR_SCANNER or scanner_installed():
        return []
    missing = ", ".join(str(p) for p in settings.NPM_STATIC.values() if not p.is_dir())
    return [checks.Error(f"The check-in scanner's npm packages are missing ({missing}).",
                         hint="Run `npm ci` at the project root, then collectstatic.",
                         id="kbridge.E101")]
