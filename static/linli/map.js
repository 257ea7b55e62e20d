// Region map without a tile server: draws the boundary, child boundaries and building points.
(function () {
  var el = document.getElementById("region-map");
  var data = document.getElementById("map-data");
  if (!el || !data || !window.L) { return; }
  var d = JSON.parse(data.textContent);
  var map = L.map(el, { attributionControl: false });
  var layers = [];
  function ring(r) { return r.map(function (p) { return [p[1], p[0]]; }); }
  (d.children || []).forEach(function (r) { layers.push(L.polygon(ring(r), { color: "#74b816", weight: 1, fillOpacity: 0.05 }).addTo(map)); });
  if (d.boundary) { layers.push(L.polygon(ring(d.boundary), { color: "#206bc4", weight: 2, fillOpacity: 0.08 }).addTo(map)); }
  (d.points || []).forEach(function (p) {
    var m = L.circleMarker([p.lat, p.lng], { radius: 5, color: "#d63939", fillOpacity: 0.8 }).addTo(map);
    m.bindTooltip(p.name);
    m.on("click", function () { window.location.href = p.url; });
    layers.push(m);
  });
  if (layers.length) { map.fitBounds(L.featureGroup(layers).getBounds().pad(0.1)); }
  else if (d.center) { map.setView(d.center, 16); }
})();
