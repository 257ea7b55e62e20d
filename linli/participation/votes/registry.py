"""What participation's votes part tells the platform (called from ParticipationConfig.register)."""


def register(m) -> None:
    from linli.core.modules import ResidentLink
    from linli.core.navigation import MenuItem
    from linli.core.roles import GRID_ROLES, OFFICE_ROLES, SELF_ROLES, Role
    from linli.participation.votes import selectors, tasks  # noqa: F401  (tasks: huey finds them)

    m.scope("ownervote", "participation.OwnerVote", own=selectors.own_votes_q)
    # Staff of the compound's community open, count paper ballots, extend, remind and close; grid workers read
    # and enter assisted/paper ballots; leaders read; owners see the votes of their compounds (and vote in the app).
    m.allow(OFFICE_ROLES, {"ownervote.view", "ownervote.add", "ownervote.change", "ownervote.ballot"})
    m.allow(GRID_ROLES, {"ownervote.view", "ownervote.ballot"})
    m.allow((Role.LEADER,), {"ownervote.view"})
    m.allow(SELF_ROLES, {"ownervote.view"})
    m.menu("议事", MenuItem("业主表决", "participation:ownervote_list", "ownervote.add"))

    from linli.core.modules import DemoStep
    from linli.participation.votes import demo

    m.resident_link(ResidentLink("owner_votes", "业主表决", "participation:ownervote_mine", order=40))
    m.demo(DemoStep("owner_votes", demo.run, after=("ownership",)))
