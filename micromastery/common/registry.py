"""One mechanism for every plug-in point: an upstream app declares a registry, downstream
apps register with it from their ``AppConfig.ready()``, and the upstream app asks whatever
registered without importing it.

The registries, by owner: nudge sources (``practice.nudges.sources.nudge_sources``), the
enrolment page and API extensions and the completion hooks (``practice.extensions``), and
the dashboard's spread sources (``payoff.spread.spread_sources``).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator
from typing import Generic, TypeVar

Plugin = TypeVar("Plugin")


def _same_object(plugin: object) -> Hashable:
    return id(plugin)


class Registry(Generic[Plugin]):
    """Plug-ins of one kind, asked in the order they registered.

    ``key`` says when two plug-ins are the same one (a source's name, an API field's name):
    registering it again, as a test's app reload or a second ``ready()`` does, changes
    nothing.
    """

    def __init__(self, name: str, *, key: Callable[[Plugin], Hashable] = _same_object) -> None:
        self.name = name
        self._key = key
        self._plugins: list[Plugin] = []

    def register(self, plugin: Plugin) -> Plugin:
        if all(self._key(known) != self._key(plugin) for known in self._plugins):
            self._plugins.append(plugin)
        return plugin

    def unregister(self, plugin: Plugin) -> None:
        self._plugins = [known for known in self._plugins if self._key(known) != self._key(plugin)]

    def __iter__(self) -> Iterator[Plugin]:
        # A copy: a plug-in that registers another while being asked does not disturb the loop.
        return iter(list(self._plugins))

    def __len__(self) -> int:
        return len(self._plugins)

    def __repr__(self) -> str:
        return f"<Registry {self.name}: {len(self._plugins)} registered>"
