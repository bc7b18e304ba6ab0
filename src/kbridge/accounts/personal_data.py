"""What each app holds about a person: its part of the data export and of account deletion.

``accounts`` sits below the domain apps in the layer order, so it cannot import them. Each app
that keeps personal data registers, from its ``AppConfig.ready()``, a *section*:

* ``export(user) -> dict``: the person's data in that app, merged into the top level of the
  export document; JSON-ready (strings, numbers, lists,
  dicts; datetimes as ISO 8601 UTC), only what belongs to this person;
* ``erase(user) -> summary``: called inside ``accounts.services.delete_account``'s transaction
  before the account row is anonymised; deletes what the program need not keep and returns a
  small JSON-ready summary for the audit row (counts, ids, never personal data).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Section:
    name: str
    export: Callable[[Any], Any]
    erase: Callable[[Any], dict[str, Any]] | None = None


_SECTIONS: dict[str, Section] = {}


def register(name: str, *, export: Callable[[Any], Any],
             erase: Callable[[Any], dict[str, Any]] | None = None) -> None:
    """Add (or replace, so a reloaded app does not register twice) one app's section."""
    _SECTIONS[name] = Section(name, export, erase)


def sections() -> list[Section]:
    return list(_SECTIONS.values())
