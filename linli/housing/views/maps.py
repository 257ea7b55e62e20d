"""The own-geometry base of the maps: one community's outlines and building footprints as GeoJSON."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse

from linli.housing.selectors import base_map, community_for_map


@login_required
def base_geojson(request, pk):
    """GET: places only (outlines, names, building numbers), never people; out of scope answers 404."""
    community = community_for_map(user=request.user, pk=pk)
    if community is None:
        raise Http404("没有找到该社区。")
    response = JsonResponse(base_map(community=community))
    response["Cache-Control"] = "private, max-age=300"
    return response
