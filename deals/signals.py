"""Events the deal pipeline announces to the apps above it (contracts, rewards).

Sent after the move's transaction has committed, so a listener may schedule tasks that read it.
"""

from django.dispatch import Signal

# kwargs: deal_id: int, from_state: str, to_state: str, actor_id: int | None, reason: str
deal_state_changed = Signal()
