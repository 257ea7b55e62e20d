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


# --- GCJ-02 ("火星坐标") ------------------------------------------------------------------------------
# 高德 (AMap) and other Chinese web maps draw their tiles in GCJ-02, an obfuscated datum that shifts WGS-84 by a
# few hundred metres inside China. The platform stores WGS-84 only; conversion happens at the edge (the browser
# with a GCJ-02 tile layer uses static/linli/geo.js, the same formulas). The widely published algorithm, on the
# Krasovsky ellipsoid (a = 6378245 m), as in the coordtransform and eviltransform libraries.
_KRASOVSKY_A = 6378245.0
_KRASOVSKY_EE = 0.00669342162296594323


def out_of_china(lng: float, lat: float) -> bool:
    """GCJ-02 applies inside a rough box around China only; outside it equals WGS-84."""
    return not (72.004 <= lng <= 137.8347 and 0.8293 <= lat <= 55.8271)


def _gcj_delta(lng: float, lat: float) -> tuple[float, float]:
    x, y = lng - 105.0, lat - 35.0
    d_lat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    d_lat += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    d_lat += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    d_lat += (160.0 * math.sin(y / 12.0 * math.pi) + 320 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    d_lng = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    d_lng += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    d_lng += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    d_lng += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    rad = lat / 180.0 * math.pi
    magic = 1 - _KRASOVSKY_EE * math.sin(rad) ** 2
    sqrt_magic = math.sqrt(magic)
    d_lat = (d_lat * 180.0) / ((_KRASOVSKY_A * (1 - _KRASOVSKY_EE)) / (magic * sqrt_magic) * math.pi)
    d_lng = (d_lng * 180.0) / (_KRASOVSKY_A / sqrt_magic * math.cos(rad) * math.pi)
    return d_lng, d_lat


def wgs84_to_gcj02(lng: float, lat: float) -> tuple[float, float]:
    """WGS-84 (also CGCS2000 to within centimetres, as 天地图 uses) → GCJ-02, as (lng, lat)."""
    if out_of_china(lng, lat):
        return lng, lat
    d_lng, d_lat = _gcj_delta(lng, lat)
    return lng + d_lng, lat + d_lat


def gcj02_to_wgs84(lng: float, lat: float) -> tuple[float, float]:
    """GCJ-02 → WGS-84 by fixed-point iteration (the forward shift is smooth): better than 1 cm, not the 1–2 m of
    the usual one-step inverse, so a point tapped on a 高德 tile and stored lands where it was tapped."""
    if out_of_china(lng, lat):
        return lng, lat
    w_lng, w_lat = lng, lat
    for _ in range(30):
        g_lng, g_lat = wgs84_to_gcj02(w_lng, w_lat)
        e_lng, e_lat = g_lng - lng, g_lat - lat
        w_lng, w_lat = w_lng - e_lng, w_lat - e_lat
        if abs(e_lng) < 1e-10 and abs(e_lat) < 1e-10:
            break
    return w_lng, w_lat


# --- outlines ------------------------------------------------------------------------------------------


def convex_hull(points: list[list[float]]) -> list[list[float]]:
    """Andrew's monotone chain over [lng, lat] points; the ring is counter-clockwise and not closed."""
    pts = sorted({(float(p[0]), float(p[1])) for p in points})
    if len(pts) <= 2:
        return [list(p) for p in pts]

    def cross(o, a, b):
        return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])

    lower: list = []
    for p in pts:
        while len(lower) >= 2 and cross(lower[-2], lower[-1], p) <= 0:
            lower.pop()
        lower.append(p)
    upper: list = []
    for p in reversed(pts):
        while len(upper) >= 2 and cross(upper[-2], upper[-1], p) <= 0:
            upper.pop()
        upper.append(p)
    return [list(p) for p in lower[:-1] + upper[:-1]]


def buffered_hull(points: list[list[float]], metres: float) -> list[list[float]]:
    """A rough outline around points: their convex hull grown by ``metres`` (an octagon around each point first),
    used for a compound whose real outline was never drawn."""
    if not points:
        return []
    lat0 = sum(float(p[1]) for p in points) / len(points)
    d_lat = metres / 111_320.0
    d_lng = metres / (111_320.0 * math.cos(math.radians(lat0)))
    grown = []
    for p in points:
        for k in range(8):
            a = math.pi / 8 + k * math.pi / 4
            grown.append([float(p[0]) + d_lng * math.cos(a), float(p[1]) + d_lat * math.sin(a)])
    return convex_hull(grown)


def rectangle(lng: float, lat: float, width_m: float, depth_m: float, angle_deg: float = 0.0) -> list[list[float]]:
    """A rectangle (a building footprint) centred on a point, ``width_m`` east–west before rotating by
    ``angle_deg`` counter-clockwise; [lng, lat] ring, not closed."""
    d_lat = 1 / 111_320.0
    d_lng = 1 / (111_320.0 * math.cos(math.radians(lat)))
    a = math.radians(angle_deg)
    ring = []
    for sx, sy in ((-1, -1), (1, -1), (1, 1), (-1, 1)):
        x, y = sx * width_m / 2, sy * depth_m / 2
        rx, ry = x * math.cos(a) - y * math.sin(a), x * math.sin(a) + y * math.cos(a)
        ring.append([round(lng + rx * d_lng, 7), round(lat + ry * d_lat, 7)])
    return ring
