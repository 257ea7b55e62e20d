// Maps: the base layer (tiles from the settings, or our own geometry drawn as a map), and the region map.
// LinliMap.create(el, {base: url of a GeoJSON base, interactive}) -> {map, toMap([lat,lng]), fromMap(latlng), ready}
// Data is WGS-84; with GCJ-02 tiles (高德) everything drawn is shifted onto them and taps are shifted back.
(function () {
  // Leaflet's own words, in Chinese (the zoom buttons' tooltips are read out by screen readers too).
  if (window.L) {
    L.Control.Zoom.prototype.options.zoomInTitle = "放大";
    L.Control.Zoom.prototype.options.zoomOutTitle = "缩小";
  }

  function config() {
    var el = document.getElementById("linli-map-config");
    return el ? JSON.parse(el.textContent) : { kind: "none", crs: "wgs84", layers: [] };
  }

  function create(el, opts) {
    opts = opts || {};
    var cfg = config();
    var gcj = cfg.crs === "gcj02" && window.LinliGeo;
    var map = L.map(el, { attributionControl: !!cfg.layers.length, zoomSnap: 0.5 });
    // The base sits above the tiles and below everything a page draws on it, whenever it arrives.
    map.createPane("linliBase").style.zIndex = 350;
    map.createPane("linliLabels").style.zIndex = 390;
    function toMap(p) {  // [lat, lng] WGS-84 -> [lat, lng] on the tiles
      if (!gcj) { return p; }
      var g = LinliGeo.wgs84ToGcj02(p[1], p[0]);
      return [g[1], g[0]];
    }
    function fromMap(ll) {  // a Leaflet latlng on the tiles -> [lat, lng] WGS-84
      if (!gcj) { return [ll.lat, ll.lng]; }
      var w = LinliGeo.gcj02ToWgs84(ll.lng, ll.lat);
      return [w[1], w[0]];
    }
    function ring(r) { return r.map(function (p) { return toMap([p[1], p[0]]); }); }
    cfg.layers.forEach(function (layer) {
      L.tileLayer(layer.url, { subdomains: layer.subdomains, maxZoom: 19, attribution: cfg.attribution }).addTo(map);
    });
    el.classList.add(cfg.layers.length ? "linli-map-tiles" : "linli-map-own");
    var result = { map: map, toMap: toMap, fromMap: fromMap, ring: ring, bounds: null, tiles: cfg.layers.length > 0 };
    result.ready = !opts.base ? Promise.resolve(result) : fetch(opts.base, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : { features: [] }; })
      .then(function (geo) { drawBase(result, geo); return result; })
      .catch(function () { return result; });
    function zoomClass() {
      el.classList.toggle("linli-map-far", map.getZoom() < 16.5);  // building numbers would crowd
      el.classList.toggle("linli-map-very-far", map.getZoom() < 15.5);  // so would compound names
    }
    map.on("zoomend", zoomClass);
    map.whenReady(zoomClass);
    return result;
  }

  // Our own geometry as a readable map: grids dashed, compounds as green plots with their names, buildings as
  // footprints with their numbers. Over tiles only the compound outlines are drawn, thin.
  function drawBase(m, geo) {
    var group = L.featureGroup();
    var labels = L.layerGroup();
    var base = { pane: "linliBase", interactive: false };
    function style(o) { return L.extend({}, base, o); }
    (geo.features || []).forEach(function (f) {
      var p = f.properties, r = m.ring(f.geometry.coordinates[0]);
      if (p.kind === "community") {
        L.polygon(r, style({ color: "#5b6b7f", weight: 2, dashArray: "8 6", fill: !m.tiles, fillColor: "#f3f1ea", fillOpacity: 1 })).addTo(group);
      } else if (p.kind === "grid") {
        L.polygon(r, style({ color: "#8ca0b3", weight: 1, dashArray: "4 4", fill: false })).addTo(group);
      } else if (p.kind === "compound") {
        var c = L.polygon(r, style({ color: "#6a9a4a", weight: 1.5, fillColor: "#dcebcf", fillOpacity: m.tiles ? 0.15 : 0.9 })).addTo(group);
        var cb = c.getBounds();
        labels.addLayer(L.marker([cb.getNorth(), cb.getCenter().lng], { pane: "linliLabels", interactive: false, keyboard: false,
          icon: L.divIcon({ className: "linli-map-label linli-map-compound", html: "<span>" + escape(p.name) + "</span>", iconSize: null }) }));
      } else if (p.kind === "building" && !m.tiles) {
        var b = L.polygon(r, style({ color: "#7d8797", weight: 1, fillColor: "#c9ced6", fillOpacity: 1 })).addTo(group);
        labels.addLayer(L.marker(b.getBounds().getCenter(), { pane: "linliLabels", interactive: false, keyboard: false,
          icon: L.divIcon({ className: "linli-map-label linli-map-building", html: "<span>" + escape(p.number) + "</span>", iconSize: null }) }));
      }
    });
    group.addTo(m.map);
    labels.addTo(m.map);
    if (group.getLayers().length) { m.bounds = group.getBounds(); }
  }

  function escape(s) {
    var d = document.createElement("div");
    d.textContent = s == null ? "" : String(s);
    return d.innerHTML;
  }

  window.LinliMap = { create: create, config: config };

  // Region page: the boundary, child boundaries and building points.
  var el = document.getElementById("region-map");
  var data = document.getElementById("map-data");
  if (!el || !data || !window.L) { return; }
  var d = JSON.parse(data.textContent);
  var m = create(el, { base: d.base });
  var map = m.map;
  var layers = [];
  (d.children || []).forEach(function (r) { layers.push(L.polygon(m.ring(r), { color: "#74b816", weight: 1, fillOpacity: 0.05 }).addTo(map)); });
  if (d.boundary) { layers.push(L.polygon(m.ring(d.boundary), { color: "#206bc4", weight: 2, fillOpacity: 0.08 }).addTo(map)); }
  (d.points || []).forEach(function (p) {
    var mk = L.circleMarker(m.toMap([p.lat, p.lng]), { radius: 5, color: "#d63939", fillOpacity: 0.8 }).addTo(map);
    mk.bindTooltip(p.name);
    mk.on("click", function () { window.location.href = p.url; });
    layers.push(mk);
  });
  if (layers.length) { map.fitBounds(L.featureGroup(layers).getBounds().pad(0.1)); }
  else if (d.center) { map.setView(m.toMap(d.center), 16); }
})();
