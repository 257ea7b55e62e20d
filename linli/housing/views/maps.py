"""The own-geometry base of the maps: one community's outlines and building footprints as GeoJSON."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse

from linli.core.models import Region
from linli.core.scoping import restrict
from linli.housing.models import House
from linli.housing.selectors import base_map


def _may_see(user, community: Region) -> bool:
    """Staff who may see the region, or a resident whose home (or registered region) is in the community."""
    if restrict(user, "region.view", Region.objects.filter(pk=community.pk)).exists():
        return True
    if restrict(user, "house.view", House.objects.filter(region_path__startswith=community.path)).exists():
        return True
    person = getattr(user, "person", None) if hasattr(user, "person") else None
    region = getattr(person, "region", None) if person is not None else None
    return region is not None and region.path.startswith(community.path)


@login_required
def base_geojson(request, pk):
    """GET: places only (outlines, names, building numbers), never people; out of scope answers 404."""
    community = Region.objects.filter(pk=pk, level__code="community").first()
    if community is None or not _may_see(request.user, community):
        raise Http404("没有找到该社区。")
    response = JsonResponse(base_map(community=community))
    response["Cache-Control"] = "private, max-age=300"
    return response
