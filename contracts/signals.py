"""Events the contracts app announces to the apps above it (rewards).

Sent after the transaction that caused them has committed.
"""

from django.dispatch import Signal

# kwargs: contract_id: int, deal_id: int, actor_id: int | None, reason: str
# The rewards app listens to void or claw back the deal's reward.
registration_cancelled = Signal()
