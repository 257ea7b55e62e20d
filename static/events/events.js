// Events pages: bulk selection, category suggestions, GPS, maps without tiles, statistics chart.
(function () {
  function $(sel, root) { return (root || document).querySelector(sel); }
  function each(sel, fn) { Array.prototype.forEach.call(document.querySelectorAll(sel), fn); }

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

  // Event detail: the base (tiles or our own geometry), the grid boundary and the point.
  var mapEl = $("#event-map"), mapData = $("#event-map-data");
  if (mapEl && mapData && window.L && window.LinliMap) {
    var d = JSON.parse(mapData.textContent);
    var em = LinliMap.create(mapEl, { base: d.base });
    var layers = [];
    if (d.boundary) { layers.push(L.polygon(em.ring(d.boundary), { color: "#206bc4", weight: 2, fill: false }).addTo(em.map)); }
    if (d.point) { var m = L.circleMarker(em.toMap(d.point), { radius: 8, color: "#d63939", fillOpacity: 0.9 }).addTo(em.map); m.bindTooltip(d.label); layers.push(m); }
    if (d.point) { em.map.setView(em.toMap(d.point), 17); }
    else if (layers.length) { em.map.fitBounds(L.featureGroup(layers).getBounds().pad(0.3), { maxZoom: 18 }); }
  }

  // Resident report: tap the map, see the place the tap resolves to, confirm it.
  var pickEl = $("#pick-map"), pickData = $("#pick-map-data");
  if (pickEl && pickData && window.L && window.LinliMap) {
    var p = JSON.parse(pickData.textContent);
    var pm = LinliMap.create(pickEl, { base: p.base });
    pm.map.setView(pm.toMap(p.center || [26.245, 105.932]), 17);
    var marker = null, box = $("[data-place-box]"), msg = $("[data-place-message]"), confirmed = $("#id_point_confirmed");
    var setConfirmed = function (yes) {
      confirmed.value = yes ? "true" : "false";
      $("[data-place-actions]").classList.toggle("d-none", yes);
      $("[data-place-hint]").textContent = yes ? "已确认。位置不对可以在地图上重新点选。" : "位置不对可以在地图上重新点选。";
      box.classList.toggle("border-success", yes);
    };
    pm.map.on("click", function (e) {
      var wgs = pm.fromMap(e.latlng);
      if (marker) { marker.setLatLng(e.latlng); } else { marker = L.circleMarker(e.latlng, { radius: 9, color: "#d63939", weight: 3, fillOpacity: 0.9 }).addTo(pm.map); }
      $("#id_lat").value = wgs[0].toFixed(6);
      $("#id_lng").value = wgs[1].toFixed(6);
      var radio = $("input[name=place][value=point]");
      if (radio) { radio.checked = true; }
      setConfirmed(false);
      box.classList.remove("d-none");
      msg.textContent = "正在查询位置…";
      fetch(p.resolve + "?lat=" + wgs[0].toFixed(6) + "&lng=" + wgs[1].toFixed(6), { credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (res) { msg.textContent = res.message || res.error || ""; })
        .catch(function () { msg.textContent = "无法查询位置，请确认地图上的点或改选楼栋。"; });
    });
    var confirmBtn = $("[data-place-confirm]");
    if (confirmBtn) { confirmBtn.addEventListener("click", function () { setConfirmed(true); }); }
  }

  // Statistics chart.
  var chartEl = $("#stats-chart"), chartData = $("#stats-data");
  if (chartEl && chartData && window.echarts) {
    var c = JSON.parse(chartData.textContent);
    var chart = echarts.init(chartEl);
    // On a phone the group names stand upright, smaller and shortened, so they do not run into each other.
    var narrow = chartEl.clientWidth < 576;
    chart.setOption({
      tooltip: { trigger: "axis", confine: true },
      legend: { data: ["事件数", "按时办结率%", "满意率%"] },
      grid: { left: narrow ? 36 : 48, right: narrow ? 36 : 48, bottom: narrow ? 96 : 80 },
      xAxis: { type: "category", data: c.labels, axisLabel: narrow ? {
        rotate: 90, interval: 0, fontSize: 10,
        formatter: function (v) { return v.length > 6 ? v.slice(0, 6) + "…" : v; }
      } : { rotate: 30, interval: 0 } },
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
