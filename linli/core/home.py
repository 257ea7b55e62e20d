"""Cards on the console's start page that other apps bring: what the user acts on, in figures.

An app registers a function ``cards(user) -> list[HomeCard]`` from its ``AppConfig.ready()``; the home page shows
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


_providers: list[Callable] = []


def register_home_cards(provider: Callable) -> None:
    if provider not in _providers:
        _providers.append(provider)


def home_cards(user) -> list[HomeCard]:
    cards: list[HomeCard] = []
    for provider in _providers:
        cards.extend(provider(user))
    return cards
