"""Demo data for party building: see run()."""


def run(ctx) -> None:
    """Placeholder, filled below."""
