"""Cards on the console's start page that other apps bring: what the user acts on, in figures.

An app registers a function ``cards(user) -> list[HomeCard | HomeList]`` from its ``AppConfig.ready()``; the home page shows
the cards of every provider, above the population figures (which only roles that may see people get).
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


_providers: list[Callable] = []


def register_home_cards(provider: Callable) -> None:
    if provider not in _providers:
        _providers.append(provider)


def home_cards(user) -> tuple[list[HomeCard], list[HomeList]]:
    """The figures and the short lists every registered provider has for ``user``."""
    cards: list[HomeCard] = []
    lists: list[HomeList] = []
    for provider in _providers:
        for item in provider(user):
            (lists if isinstance(item, HomeList) else cards).append(item)
    return cards, lists
