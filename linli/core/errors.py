"""The one domain error type: a user-facing Chinese message, optionally tied to a field."""


class DomainError(Exception):
    """A rule of the domain refused an operation; ``message`` is shown to the user as it is."""

    def __init__(self, message: str, *, field: str | None = None, code: str = "invalid", errors=None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code
        # Several problems at once, as [(field, message), ...]; the first is also ``message``.
        self.errors = errors or [(field, message)]

    def as_dict(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for field, message in self.errors:
            out.setdefault(field or "non_field_errors", []).append(message)
        return out


class ConflictError(DomainError):
    """Someone else changed the record first (compare-and-set lost)."""

    def __init__(self, message: str = "该记录已被他人修改，请刷新后重试。"):
        super().__init__(message, code="conflict")


class RateLimitedError(DomainError):
    """Too many attempts in a window; the API answers 429."""

    def __init__(self, message: str):
        super().__init__(message, code="rate_limited")
