"""Participation's models live in its parts; importing them here registers them with Django."""

from linli.participation.deliberation.models import *  # noqa: F403
from linli.participation.notices.models import *  # noqa: F403
from linli.participation.votes.models import *  # noqa: F403
