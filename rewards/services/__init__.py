"""Writes of the rewards app, one module per job:

- `policies`: validating and recording a region's reward policy;
- `computation`: one deal's reward, or a batch of them (its SQL in `bulk`);
- `workflow`: finance approves and pays, four eyes;
- `clawback`: a cancelled registration or a reversed payment voids or claws back.

Every write is one action with an acting user (None = the system: a task, a command, the demo
loader) and a reason, recorded on the history row it produces. Callers import the services from
here.
"""

from rewards.services.clawback import reward_payment_reversed, reward_registration_cancelled
from rewards.services.computation import (
    BatchResult,
    reward_compute,
    reward_recompute,
    rewards_compute_batch,
    rewards_recompute_pending,
)
from rewards.services.policies import (
    POLICY_FIELDS,
    policy_create,
    policy_update,
    policy_validate,
)
from rewards.services.workflow import reward_approve, reward_pay

__all__ = [
    "POLICY_FIELDS",
    "BatchResult",
    "policy_create",
    "policy_update",
    "policy_validate",
    "reward_approve",
    "reward_compute",
    "reward_pay",
    "reward_payment_reversed",
    "reward_recompute",
    "reward_registration_cancelled",
    "rewards_compute_batch",
    "rewards_recompute_pending",
]
