"""What participation's votes part tells the platform (called from ParticipationConfig.register)."""


def register(m) -> None:
    pass
