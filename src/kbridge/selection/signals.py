"""Signals selection sends, so the apps above it react without selection importing them.

``agreement_accepted``   sent (``sender=Agreement``, ``agreement=…``, ``by=…``) after the
                         startup's representative accepted an agreement, inside the
                         transaction that accepted it: the alliance schedules the agreement's
                         milestone reports from it (``alliance.services.reports``).
"""

from django.dispatch import Signal

agreement_accepted = Signal()
