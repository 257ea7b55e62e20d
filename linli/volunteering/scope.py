"""Who sees the wall: residents, party members and volunteers see what is published in their own community."""

from django.db.models import Q


def home_communities(user) -> list[str]:
    """The paths of the communities ``user`` lives in (through the person register) or volunteers in."""
    from linli.core.models import Region
    from linli.people.models import Person
    from linli.volunteering.models import Volunteer

    if user is None or not user.is_authenticated:
        return []
    cached = getattr(user, "_volunteering_communities", None)
    if cached is not None:
        return cached
    paths = [p for p in Person.objects.filter(user=user).values_list("region_path", flat=True) if p]
    paths += [p for p in Volunteer.objects.filter(user=user).values_list("region_path", flat=True) if p]
    prefixes = {p[:n] for p in paths for n in range(4, len(p) + 1, 4)}
    found = list(
        Region.objects.filter(path__in=prefixes, level__code="community").values_list("path", flat=True)
    ) if prefixes else []  # fmt: skip
    user._volunteering_communities = found
    return found


def in_my_community(user) -> Q:
    q = Q(pk__in=[])
    for path in home_communities(user):
        q |= Q(region_path__startswith=path)
    return q
