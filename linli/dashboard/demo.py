"""The big screen's demo: a command-centre account and a kiosk account, and counters recounted from the demo data."""

from linli.core import tallies


def run(ctx) -> None:
    from linli.core import services as core_services
    from linli.core.roles import Role

    district = ctx["district"]
    for username, role, full_name in (
        ("command", Role.COMMAND_CENTRE, "指挥中心值班员"),
        ("screen", Role.SCREEN_KIOSK, "大屏展示账号"),
    ):
        user = core_services.user_create(
            actor=None, username=username, password=ctx.password, full_name=full_name, phone="", otp_exempt=True
        )
        core_services.grant_add(actor=None, user=user, role=role, region=district, organisation=None)
        ctx.users[username] = user
        ctx.login(username, role, district.name)
    for kind in tallies.kinds():  # the demo's events were written in bulk: count them once
        tallies.recount(kind)
