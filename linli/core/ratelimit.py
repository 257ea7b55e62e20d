"""Fixed-window counters in the cache (Redis in production, the local cache by default).

Keys carry only an action name and a user id, never personal data.
"""

import time

from django.core.cache import cache


def hit(*, action: str, user_id: int, limit: int, window: int) -> bool:
    """Count one attempt; False when the user already used ``limit`` attempts in the current window."""
    bucket = int(time.time() // window)
    key = f"rl:{action}:{user_id}:{bucket}"
    cache.add(key, 0, timeout=window + 5)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window + 5)
        count = 1
    return count <= limit
