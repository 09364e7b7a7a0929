"""Plug-in points of accounts: downstream apps say what follows from a change to a person.

``deactivation_hooks``: called inside the transaction that deactivates a person
(``services.user_deactivate``), so that, for instance, the delivery layer cancels the nudges
planned for them without accounts importing it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from micromastery.common.registry import Registry

if TYPE_CHECKING:
    from accounts.models import User

DeactivationHook = Callable[["User"], object]

deactivation_hooks: Registry[DeactivationHook] = Registry(
    "deactivation hooks", key=lambda hook: f"{hook.__module__}.{hook.__qualname__}"
)
