"""Cards on the console's start page that other apps bring: what the user acts on, in figures.

An app registers a function ``cards(user) -> list[HomeCard | HomeList]`` from its ``AppConfig.ready()``; the home page shows
the cards of every provider, above the figures of the registered statistics marked ``home`` (``m.stat``). A provider
registered with ``cached=True`` depends only on the user's scope, not on the moment: the page keeps its answer for a
few minutes per scope. A ``HomeList`` with ``side=True`` is a tally (a name and a count per row) beside the table of
the regions one level down.
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class HomeCard:
    label: str
    value: str | int
    url: str = ""
    hint: str = ""  # one line under the figure: what it counts
    tone: str = ""  # "danger" when the figure asks for action


@dataclass
class HomeListRow:
    text: str
    url: str
    note: str = ""  # right-hand side: a deadline, a count
    tone: str = ""


@dataclass
class HomeList:
    """A short list on the start page (the first open tasks), with a link to the full page."""

    title: str
    rows: list[HomeListRow]
    more_url: str = ""
    empty: str = "暂无"
    side: bool = False


_providers: list[Callable] = []
_cached: set[Callable] = set()


def register_home_cards(provider: Callable, *, cached: bool = False) -> None:
    if provider not in _providers:
        _providers.append(provider)
    if cached:
        _cached.add(provider)


def home_cards(user, *, cached: bool = False) -> tuple[list[HomeCard], list[HomeList]]:
    """The figures and the short lists the registered providers have for ``user``: the live ones, or with
    ``cached`` those whose answer depends only on the user's scope (the page caches them)."""
    cards: list[HomeCard] = []
    lists: list[HomeList] = []
    for provider in _providers:
        if (provider in _cached) != cached:
            continue
        for item in provider(user):
            (lists if isinstance(item, HomeList) else cards).append(item)
    return cards, lists
