// WGS-84 <-> GCJ-02 in the browser, the same formulas as linli/core/geo.py (tested against the same published
// points). Used only when the tile layer is drawn in GCJ-02 (高德): our data stays WGS-84.
(function (root) {
  var A = 6378245.0, EE = 0.00669342162296594323, PI = Math.PI;
  function outOfChina(lng, lat) { return !(lng >= 72.004 && lng <= 137.8347 && lat >= 0.8293 && lat <= 55.8271); }
  function delta(lng, lat) {
    var x = lng - 105.0, y = lat - 35.0;
    var dLat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x));
    dLat += (20.0 * Math.sin(6.0 * x * PI) + 20.0 * Math.sin(2.0 * x * PI)) * 2.0 / 3.0;
    dLat += (20.0 * Math.sin(y * PI) + 40.0 * Math.sin(y / 3.0 * PI)) * 2.0 / 3.0;
    dLat += (160.0 * Math.sin(y / 12.0 * PI) + 320 * Math.sin(y * PI / 30.0)) * 2.0 / 3.0;
    var dLng = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x));
    dLng += (20.0 * Math.sin(6.0 * x * PI) + 20.0 * Math.sin(2.0 * x * PI)) * 2.0 / 3.0;
    dLng += (20.0 * Math.sin(x * PI) + 40.0 * Math.sin(x / 3.0 * PI)) * 2.0 / 3.0;
    dLng += (150.0 * Math.sin(x / 12.0 * PI) + 300.0 * Math.sin(x / 30.0 * PI)) * 2.0 / 3.0;
    var rad = lat / 180.0 * PI, magic = 1 - EE * Math.sin(rad) * Math.sin(rad), sq = Math.sqrt(magic);
    dLat = (dLat * 180.0) / ((A * (1 - EE)) / (magic * sq) * PI);
    dLng = (dLng * 180.0) / (A / sq * Math.cos(rad) * PI);
    return [dLng, dLat];
  }
  function wgs84ToGcj02(lng, lat) {
    if (outOfChina(lng, lat)) { return [lng, lat]; }
    var d = delta(lng, lat);
    return [lng + d[0], lat + d[1]];
  }
  function gcj02ToWgs84(lng, lat) {
    if (outOfChina(lng, lat)) { return [lng, lat]; }
    var w = [lng, lat];
    for (var i = 0; i < 30; i++) {
      var g = wgs84ToGcj02(w[0], w[1]), e0 = g[0] - lng, e1 = g[1] - lat;
      w = [w[0] - e0, w[1] - e1];
      if (Math.abs(e0) < 1e-10 && Math.abs(e1) < 1e-10) { break; }
    }
    return w;
  }
  root.LinliGeo = { wgs84ToGcj02: wgs84ToGcj02, gcj02ToWgs84: gcj02ToWgs84, outOfChina: outOfChina };
})(window);
