"""Plain WGS-84 geometry: enough for point-in-grid and nearest-building at community scale."""

import math

EARTH_RADIUS_M = 6_371_000.0


def point_in_polygon(lng: float, lat: float, ring: list[list[float]]) -> bool:
    """Ray casting over a ring of [lng, lat] pairs (GeoJSON order)."""
    inside = False
    n = len(ring)
    j = n - 1
    for i in range(n):
        xi, yi = ring[i][0], ring[i][1]
        xj, yj = ring[j][0], ring[j][1]
        if (yi > lat) != (yj > lat) and lng < (xj - xi) * (lat - yi) / (yj - yi) + xi:
            inside = not inside
        j = i
    return inside


def distance_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Haversine distance in metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))


def bbox(ring: list[list[float]]) -> tuple[float, float, float, float]:
    xs = [p[0] for p in ring]
    ys = [p[1] for p in ring]
    return min(xs), min(ys), max(xs), max(ys)


def validate_ring(ring) -> list[list[float]]:
    from linli.core.errors import DomainError

    if not isinstance(ring, list) or len(ring) < 3:
        raise DomainError("边界：至少需要 3 个顶点 [经度, 纬度]", field="boundary")
    out = []
    for point in ring:
        try:
            lng, lat = float(point[0]), float(point[1])
        except (TypeError, ValueError, IndexError):
            raise DomainError(f"边界：顶点 {point!r} 不是 [经度, 纬度]", field="boundary")
        if not (73 <= lng <= 136 and 3 <= lat <= 54):
            raise DomainError(f"边界：顶点 {point!r} 不在中国境内（WGS-84 经纬度）", field="boundary")
        out.append([lng, lat])
    return out
