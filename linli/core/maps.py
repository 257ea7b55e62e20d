"""The maps' base layer as the browser needs it: a tile source from the settings, or none.

With no tile source (the default, and every machine without internet), pages draw the base from the platform's
own geometry (``linli.housing.selectors.base_map``). A tile source is only a URL template handed to the browser:
the server never fetches tiles.
"""

from django.conf import settings

TIANDITU = "https://t{s}.tianditu.gov.cn/%s_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=%s&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk=%s"
AMAP = "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8&x={x}&y={y}&z={z}"


def tile_config() -> dict:
    """{"kind", "layers": [{"url", "subdomains"}], "crs": "wgs84"|"gcj02", "attribution"}; kind "none" without tiles."""
    kind = settings.MAP_TILES
    if kind == "tianditu" and settings.MAP_TIANDITU_KEY:
        key = settings.MAP_TIANDITU_KEY
        return {
            "kind": "tianditu",
            "crs": "wgs84",
            "layers": [
                {"url": TIANDITU % ("vec", "vec", key), "subdomains": "01234567"},
                {"url": TIANDITU % ("cva", "cva", key), "subdomains": "01234567"},
            ],
            "attribution": "天地图",
        }
    if kind == "amap":
        return {
            "kind": "amap",
            "crs": "gcj02",
            "layers": [{"url": AMAP, "subdomains": "1234"}],
            "attribution": "高德地图",
        }
    if kind == "custom" and settings.MAP_TILE_URL:
        crs = "gcj02" if settings.MAP_TILE_CRS == "gcj02" else "wgs84"
        return {"kind": "custom", "crs": crs, "layers": [{"url": settings.MAP_TILE_URL, "subdomains": "abc"}],
                "attribution": ""}  # fmt: skip
    return {"kind": "none", "crs": "wgs84", "layers": [], "attribution": ""}
