"""What participation's deliberation part tells the platform (called from ParticipationConfig.register)."""


def register(m) -> None:
    pass
