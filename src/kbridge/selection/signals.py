"""Signals of selection, for the apps above it (which selection may not import).

``agreement_accepted``    sent (``sender=Agreement``, ``agreement=…``, ``by=…``) after the
                          startup's representative accepted an agreement (협약), inside the
                          transaction that accepted it: the alliance makes the startup a
                          member of the agency's alliance and schedules the agreement's
                          milestone reports (``alliance.services.members``,
                          ``alliance.services.reports``).
"""

from django.dispatch import Signal

agreement_accepted = Signal()
