"""Demo owners' votes (filled in below)."""


def run(ctx) -> None:
    pass
