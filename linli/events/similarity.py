"""Text similarity for duplicate detection: Jaccard over character bigrams (robust for short Chinese texts)."""

import re

_STRIP = re.compile(r"[\s\W_]+", re.UNICODE)


def bigrams(text: str) -> set[str]:
    clean = _STRIP.sub("", (text or "").lower())
    if len(clean) < 2:
        return {clean} if clean else set()
    return {clean[i : i + 2] for i in range(len(clean) - 1)}


def jaccard(a: str, b: str) -> float:
    return jaccard_sets(bigrams(a), bigrams(b))


def jaccard_sets(x: set[str], y: set[str]) -> float:
    if not x or not y:
        return 0.0
    return len(x & y) / len(x | y)
