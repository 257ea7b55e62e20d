from django.conf import settings


def shell(request):
    """What every page's frame needs: the navigation the user's roles allow."""
    from linli.core.navigation import console_menu
    from linli.core.search import can_search

    user = getattr(request, "user", None)
    signed_in = user is not None and user.is_authenticated
    menu = console_menu(request) if signed_in else []
    # The search box only where the search can find something for this user (not for departments or auditors).
    search = signed_in and can_search(user)
    return {"nav_menu": menu, "nav_search": search, "demo_mode": settings.DEMO_MODE}
