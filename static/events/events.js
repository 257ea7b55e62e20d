// Events pages: bulk selection, category suggestions, GPS, maps without tiles, statistics chart.
(function () {
  function $(sel, root) { return (root || document).querySelector(sel); }
  function each(sel, fn) { Array.prototype.forEach.call(document.querySelectorAll(sel), fn); }
  function ring(r) { return r.map(function (p) { return [p[1], p[0]]; }); }

  // Select all rows of a queue.
  document.addEventListener("change", function (e) {
    if (e.target.matches("[data-select-all]")) {
      var table = e.target.closest("table");
      Array.prototype.forEach.call(table.querySelectorAll("input[name=ids]"), function (box) { box.checked = e.target.checked; });
    }
    if (e.target.matches("[data-toggle-target]")) {
      var target = $(e.target.getAttribute("data-toggle-target"));
      if (target) { target.classList.toggle("d-none", !e.target.checked); }
    }
  });

  // Clicking a classifier suggestion selects that category.
  document.addEventListener("click", function (e) {
    var pick = e.target.closest("[data-pick-category]");
    if (pick) {
      var select = $("#id_category");
      if (select) { select.value = pick.getAttribute("data-pick-category"); }
      each("[data-pick-category]", function (b) { b.classList.remove("active"); });
      pick.classList.add("active");
    }
    var locate = e.target.closest("[data-locate]");
    if (locate && navigator.geolocation) {
      var status = $("[data-locate-status]");
      if (status) { status.textContent = "正在定位…"; }
      navigator.geolocation.getCurrentPosition(function (pos) {
        $("#id_lat").value = pos.coords.latitude.toFixed(6);
        $("#id_lng").value = pos.coords.longitude.toFixed(6);
        if (status) { status.textContent = "已定位：" + pos.coords.latitude.toFixed(5) + ", " + pos.coords.longitude.toFixed(5); }
      }, function () { if (status) { status.textContent = "无法定位，请选择楼栋或填写地点说明。"; } }, { enableHighAccuracy: true, timeout: 10000 });
    }
  });

  // Event detail: the grid boundary and the point.
  var mapEl = $("#event-map"), mapData = $("#event-map-data");
  if (mapEl && mapData && window.L) {
    var d = JSON.parse(mapData.textContent);
    var map = L.map(mapEl, { attributionControl: false });
    var layers = [];
    if (d.boundary) { layers.push(L.polygon(ring(d.boundary), { color: "#206bc4", weight: 2, fillOpacity: 0.08 }).addTo(map)); }
    if (d.point) { var m = L.circleMarker(d.point, { radius: 8, color: "#d63939", fillOpacity: 0.9 }).addTo(map); m.bindTooltip(d.label); layers.push(m); }
    if (layers.length) { map.fitBounds(L.featureGroup(layers).getBounds().pad(0.3), { maxZoom: 18 }); }
  }

  // Resident report: pick a point on the community map.
  var pickEl = $("#pick-map"), pickData = $("#pick-map-data");
  if (pickEl && pickData && window.L) {
    var p = JSON.parse(pickData.textContent);
    var pmap = L.map(pickEl, { attributionControl: false });
    var shapes = (p.grids || []).map(function (g) { return L.polygon(ring(g), { color: "#206bc4", weight: 1, fillOpacity: 0.06 }).addTo(pmap); });
    if (shapes.length) { pmap.fitBounds(L.featureGroup(shapes).getBounds().pad(0.1)); } else if (p.center) { pmap.setView(p.center, 16); } else { pmap.setView([26.245, 105.932], 15); }
    var marker = null;
    pmap.on("click", function (e) {
      if (marker) { marker.setLatLng(e.latlng); } else { marker = L.circleMarker(e.latlng, { radius: 8, color: "#d63939", fillOpacity: 0.9 }).addTo(pmap); }
      $("#id_lat").value = e.latlng.lat.toFixed(6);
      $("#id_lng").value = e.latlng.lng.toFixed(6);
      var radio = $("input[name=place][value=point]");
      if (radio) { radio.checked = true; }
      var hint = $("[data-pick-status]");
      if (hint) { hint.textContent = "已选择位置：" + e.latlng.lat.toFixed(5) + ", " + e.latlng.lng.toFixed(5); }
    });
  }

  // Statistics chart.
  var chartEl = $("#stats-chart"), chartData = $("#stats-data");
  if (chartEl && chartData && window.echarts) {
    var c = JSON.parse(chartData.textContent);
    var chart = echarts.init(chartEl);
    chart.setOption({
      tooltip: { trigger: "axis" },
      legend: { data: ["事件数", "按时办结率%", "满意率%"] },
      grid: { left: 48, right: 48, bottom: 80 },
      xAxis: { type: "category", data: c.labels, axisLabel: { rotate: 30, interval: 0 } },
      yAxis: [{ type: "value", name: "件" }, { type: "value", name: "%", max: 100 }],
      series: [
        { name: "事件数", type: "bar", data: c.total, itemStyle: { color: "#206bc4" } },
        { name: "按时办结率%", type: "line", yAxisIndex: 1, data: c.on_time, itemStyle: { color: "#2fb344" } },
        { name: "满意率%", type: "line", yAxisIndex: 1, data: c.satisfaction, itemStyle: { color: "#f76707" } }
      ]
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }
})();
