"""Events the payments app announces to the apps above it (rewards).

Sent inside the transaction that records them: a listener schedules its work with
`common.tasks.enqueue_on_commit`, so nothing leaves before the commit and a rolled-back payment
sends nothing.
"""

from django.dispatch import Signal

# kwargs: payment_id: int, deal_id: int, actor_id: int | None
payment_recorded = Signal()
# kwargs: payment_id: int, deal_id: int, actor_id: int | None, reason: str
payment_reversed = Signal()
