"""Signals between the event parts, so each part reacts without importing the others.

``registration_chosen``   sent (``sender=Registration``, ``registration=…``) after a
                          registration became CHOSEN (fit review, lottery or an accepted
                          waitlist offer), inside the transaction that chose it: tickets are
                          issued from it.
``registration_released`` sent after a CHOSEN registration stopped being chosen (withdrawn,
                          offer declined …): its ticket is revoked.
``meeting_followup``      sent (``sender=…``, ``meeting=…``, ``by=…``) when a participant records
                          "follow-up wanted" after a 1:1 meeting: the alliance picks it up.
"""

from django.dispatch import Signal

registration_chosen = Signal()
registration_released = Signal()
meeting_followup = Signal()
