"""Test factories of participation's three parts, gathered so the platform's tests find them (``scoped_factories``).

Each part keeps its own factories (and ``@places`` placers) in ``<part>/factories.py``.
"""

from linli.participation.deliberation.factories import *  # noqa: F403
from linli.participation.notices.factories import *  # noqa: F403
from linli.participation.votes.factories import *  # noqa: F403
