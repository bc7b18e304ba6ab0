"""``python -m kbridge schedule_reports``: the backfill of milestone report schedules.

Agreements accepted before the alliance existed (or while its receiver was not connected) have
no reports; this schedules them for every accepted agreement, through the same idempotent
service the acceptance signal calls (``alliance.services.reports.schedule_reports``), so
running it again creates nothing.
"""

from django.core.management.base import BaseCommand

from kbridge.alliance.services import reports
from kbridge.selection.models import Agreement


class Command(BaseCommand):
    help = ("Schedule the milestone reports of every accepted agreement that lacks some "
            "(idempotent; audited per agreement).")

    def handle(self, *args, **options):
        agreements = created = 0
        for agreement in Agreement.objects.filter(status=Agreement.Status.ACCEPTED).order_by("pk"):
            new = reports.schedule_reports(agreement=agreement)
            agreements += bool(new)
            created += len(new)
        self.stdout.write(f"Scheduled {created} reports for {agreements} agreements.")
