"""Demo: a wish wall in several states, teams, a season of activities and confirmed hours, points."""


def run(ctx) -> None:
    pass
