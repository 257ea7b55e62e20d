"""The console's one search box, answered by what the apps registered (``m.search``): core knows no app by name."""

from linli.core import replica
from linli.core.modules import SearchAnswer, SearchProvider, search_providers
from linli.core.scoping import has_action

SEARCH_LIMIT = 50


def providers_for(user) -> list[SearchProvider]:
    return [p for p in search_providers() if has_action(user, p.action)]


def can_search(user) -> bool:
    """Whether the search box can find anything for ``user`` (departments and auditors have no box)."""
    return bool(providers_for(user))


@replica.reading()
def search_all(user, q: str) -> list[tuple[SearchProvider, SearchAnswer]]:
    """Every allowed provider's answer to ``q``; a provider's ``DomainError`` (too many lookups) goes up.

    Read from the replica when one is configured (``linli.core.replica``): providers return evaluated rows.
    """
    out = []
    for provider in providers_for(user):
        answer = provider.search(user, q, SEARCH_LIMIT)
        if not isinstance(answer, SearchAnswer):
            answer = SearchAnswer(hits=list(answer))
        out.append((provider, answer))
    return out
