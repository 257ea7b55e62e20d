/* The big screen: figures from /api/v1/screen/*, the map from /screen/map.json, new events over server-sent events. */
(function () {
  "use strict";
  var stage = document.getElementById("stage");
  var d = stage.dataset;
  var region = d.region || "";
  var q = region ? "?region=" + encodeURIComponent(region) : "";
  var charts = {};
  var labels = { status: {}, category: {} };
  var palette = ["#39d3ff", "#2f8cff", "#35e08a", "#ffb340", "#ff6b6b", "#b38cff", "#5fe0d0", "#f7e463", "#ff8fc7", "#8fa8cf"];
  var axis = { axisLine: { lineStyle: { color: "#2b4d83" } }, axisLabel: { color: "#9cb4d8", fontSize: 14 },
    splitLine: { lineStyle: { color: "#14305c" } } };

  function fit() {
    if (window.matchMedia("(max-width: 760px)").matches) { stage.style.transform = ""; return; }  // a phone: stacked (CSS)
    var s = Math.min(window.innerWidth / 1920, window.innerHeight / 1080);
    stage.style.transform = "translate(" + (window.innerWidth - 1920 * s) / 2 + "px," +
      (window.innerHeight - 1080 * s) / 2 + "px) scale(" + s + ")";
  }
  window.addEventListener("resize", function () { fit(); Object.keys(charts).forEach(function (k) { charts[k].resize(); }); });
  fit();

  function chart(id) {
    if (!charts[id]) {
      charts[id] = echarts.init(document.getElementById(id), null, { renderer: "canvas" });
    }
    return charts[id];
  }
  function save() { return { feature: { saveAsImage: { title: "保存为图片", backgroundColor: "#071431", iconStyle: { borderColor: "#7fb2ff" } } }, right: 4, top: -4 }; }
  function text(id, value) { document.getElementById(id).textContent = value; }
  function num(n) { return (n || 0).toLocaleString("zh-CN"); }
  function pct(r) { return (r * 100).toFixed(1) + "%"; }
  function get(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } }).then(function (r) {
      if (!r.ok) { throw new Error(r.status); }
      return r.json();
    });
  }
  function drill(params) {
    if (!d.drill) { return; }
    var url = d.drill + "?" + params + (region ? "&grid=" + region : "");
    window.open(url, "_blank", "noopener");
  }

  function drawSummary(s) {
    text("persons", num(s.persons)); text("households", num(s.households)); text("houses", num(s.houses));
    var e = s.events;
    text("today", num(e.today)); text("month", num(e.month));
    text("on_time_rate", pct(e.on_time_rate)); text("satisfaction_rate", pct(e.satisfaction_rate));
    var status = Object.keys(e.by_status).filter(function (k) { return e.by_status[k] > 0; }).map(function (k) {
      return { name: labels.status[k] || k, value: e.by_status[k], code: k };
    });
    var c = chart("chart-status");
    c.setOption({ color: palette, toolbox: save(),
      title: { show: !status.length, text: "暂无事件", left: "33%", top: "middle", textAlign: "center", textStyle: { color: "#6b7a96", fontSize: 20 } }, tooltip: { trigger: "item", formatter: "{b}：{c} 件（{d}%）" },
      legend: { orient: "vertical", right: 0, top: "middle", itemGap: 12, textStyle: { color: "#c9dcff", fontSize: 16 },
        formatter: function (name) { var x = status.filter(function (s) { return s.name === name; })[0]; return name + "  " + (x ? x.value : ""); } },
      series: [{ type: "pie", radius: ["36%", "62%"], center: ["33%", "52%"], data: status,
        label: { show: false }, emphasis: { label: { show: true, color: "#fff", fontSize: 18, formatter: "{b}\n{c}" } } }] });
    c.off("click"); c.on("click", function (p) { drill("status=" + p.data.code); });
    var cats = Object.keys(e.by_category).sort(function (a, b) { return e.by_category[a] - e.by_category[b]; });
    var cc = chart("chart-category");
    cc.setOption({ toolbox: save(), grid: { left: 130, right: 40, top: 10, bottom: 20 }, tooltip: {},
      xAxis: Object.assign({ type: "value", minInterval: 1 }, axis),
      yAxis: Object.assign({ type: "category", data: cats.map(function (k) { return labels.category[k] || k; }) }, axis),
      series: [{ type: "bar", data: cats.map(function (k) { return { value: e.by_category[k], code: k }; }), barWidth: 14,
        itemStyle: { color: new echarts.graphic.LinearGradient(0, 0, 1, 0, [{ offset: 0, color: "#1b5fd0" }, { offset: 1, color: "#39d3ff" }]) },
        label: { show: true, position: "right", color: "#fff" } }] });
    cc.off("click"); cc.on("click", function (p) { drill("category=" + p.data.code); });
  }

  var shown = (document.querySelector(".top h1") || {}).textContent || "";
  function shortName(name) {  // 彩虹社区第一网格 under 彩虹社区 → 第一网格
    return shown && name.indexOf(shown) === 0 && name.length > shown.length ? name.slice(shown.length) : name;
  }

  function drawPanels(p) {
    labels = p.labels;
    text("flagged", num(p.flagged));
    var list = document.getElementById("stats");
    list.innerHTML = "";
    p.stats.forEach(function (s) {
      var li = document.createElement("li");
      var name = document.createElement("span"); name.textContent = s.label;
      var val = document.createElement("b"); val.textContent = num(s.value) + (s.unit ? " " + s.unit : "");
      li.appendChild(name); li.appendChild(val); list.appendChild(li);
    });
    if (!p.stats.length) { list.innerHTML = '<li class="muted">暂无其他模块数据</li>'; }
    drawFlagged(p.flagged_items || [], p.flagged);
    chart("chart-trend").setOption({ color: ["#39d3ff", "#35e08a"], toolbox: save(), tooltip: { trigger: "axis" },
      legend: { data: ["新增", "结案"], textStyle: { color: "#c9dcff", fontSize: 14 }, top: 0, left: "center" },
      grid: { left: 50, right: 20, top: 34, bottom: 28 },
      xAxis: Object.assign({ type: "category", data: p.trend.days.map(function (x) { return x.slice(5); }) }, axis),
      yAxis: Object.assign({ type: "value", minInterval: 1 }, axis),
      series: [{ name: "新增", type: "line", smooth: true, data: p.trend.new, areaStyle: { opacity: 0.15 } },
        { name: "结案", type: "line", smooth: true, data: p.trend.closed }] });
    var kids = p.children;
    var ch = chart("chart-children");
    ch.setOption({ toolbox: save(), tooltip: {}, grid: { left: 50, right: 10, top: 16, bottom: 50 },
      xAxis: Object.assign({ type: "category", data: kids.map(function (k) { return shortName(k.name); }) }, axis,
        { axisLabel: { color: "#9cb4d8", fontSize: 13, rotate: kids.length > 4 ? 30 : 0, interval: 0 } }),
      yAxis: Object.assign({ type: "value", minInterval: 1 }, axis),
      series: [{ type: "bar", data: kids.map(function (k) { return { value: k.open, id: k.id }; }), barMaxWidth: 26,
        itemStyle: { color: "#ffb340" } }] });
    ch.off("click"); ch.on("click", function (e) { window.location = "?region=" + e.data.id; });
  }

  function drawFlagged(items, total) {
    items = items.slice(0, 3);  // what the panel holds; the rest are one click away (挂牌督办 list)
    var ol = document.getElementById("flagged-items");
    ol.innerHTML = "";
    if (!items.length) { ol.innerHTML = '<li class="muted">当前没有挂牌督办事件</li>'; }
    items.forEach(function (it) {
      var li = document.createElement("li");
      var row = document.createElement(it.url ? "a" : "div");
      if (it.url) { row.href = it.url; row.target = "_blank"; row.rel = "noopener"; row.title = "打开事件 " + it.number; }
      var due = it.overdue_days ? "超期 " + it.overdue_days + " 天" : (it.due ? "时限 " + it.due : "未设时限");
      [["due" + (it.overdue_days ? " over" : ""), due], ["cat", it.category], ["place", it.place || "—"],
        ["org", "处置：" + it.handler]].forEach(function (p) {
        var s = document.createElement("span"); s.className = p[0]; s.textContent = p[1]; row.appendChild(s);
      });
      li.appendChild(row); ol.appendChild(li);
    });
    document.getElementById("flagged-note").textContent = total > items.length ?
      "（共 " + total + " 件，显示最紧的 " + items.length + " 件）" : "（最紧的在前）";
  }

  // The map: the platform's own geometry coloured by this month's events, with live dots for new events (red:
  // 设备告警). Without a tile layer (the default) ECharts draws it (and saves it as PNG); with the platform's tile
  // layer (LINLI_MAP_TILES, static/linli/map.js) Leaflet draws the same shapes over the tiles.
  var ramp = ["#123a7a", "#1f7ae0", "#39d3ff", "#ffb340"];
  var dots = [];
  var DOT_LIFE = 10 * 60 * 1000;
  var tileMap = null;
  var tiles = window.LinliMap && window.L && LinliMap.config().layers.length > 0;

  function shade(v, max) {
    if (v === null || v === undefined) { return null; }
    var i = Math.min(ramp.length - 1, Math.floor((v / (max || 1)) * (ramp.length - 1) + 0.0001));
    return ramp[i];
  }

  function drawMap(m) {
    var note = document.getElementById("map-note");
    if (!m.geo.features.length) { note.textContent = "（该区域尚未录入边界）"; return; }
    var max = Math.max.apply(null, [1].concat(Object.keys(m.values).map(function (k) { return m.values[k]; })));
    if (tiles) { drawTileMap(m, max); return; }
    echarts.registerMap("linli-area", m.geo);
    var few = m.geo.features.filter(function (f) { return f.properties.kind === "grid"; }).length <= 6;
    var regions = [], data = [];
    m.geo.features.forEach(function (f) {
      var k = f.properties.kind, v = m.values[f.properties.name];
      if (v !== undefined) { data.push({ name: f.properties.name, value: v }); }
      regions.push({ name: f.properties.name,
        itemStyle: k === "building" ? { areaColor: "#3a5f9c", borderColor: "#9cc3ff" } :
          k === "compound" ? { areaColor: "rgba(53,224,138,.12)", borderColor: "#35e08a" } :
          k === "community" ? { areaColor: "rgba(0,0,0,0)", borderColor: "#ffffff", borderWidth: 2 } : undefined,
        label: { show: (k === "grid" && few) || k === "compound", color: "#fff", fontSize: k === "grid" ? 16 : 12 } });
    });
    chart("chart-map").setOption({ toolbox: save(), tooltip: { formatter: function (p) {
      if (p.seriesType === "effectScatter") { return p.name; }
      return p.name + (p.value != null && !isNaN(p.value) ? "：本月 " + p.value + " 件" : ""); } },
      visualMap: { min: 0, max: max, right: 10, bottom: 10, text: ["多", "少"], calculable: false,
        inRange: { color: ramp }, textStyle: { color: "#c9dcff" }, seriesIndex: 0 },
      geo: { map: "linli-area", roam: true, selectedMode: false, regions: regions, label: { show: false },
        itemStyle: { borderColor: "#39d3ff", areaColor: "#0f2a5a" },
        emphasis: { itemStyle: { areaColor: "#2f8cff" }, label: { color: "#fff" } } },
      series: [{ type: "map", geoIndex: 0, data: data },
        { id: "dots", type: "effectScatter", coordinateSystem: "geo", zlevel: 2, symbolSize: 14,
          rippleEffect: { scale: 4, brushType: "stroke" }, data: dotData() }] });
  }

  function dotData() {
    return dots.map(function (x) {
      return { name: x.label, value: [x.lng, x.lat], itemStyle: { color: x.alarm ? "#ff4d4f" : "#39d3ff" } };
    });
  }

  function drawTileMap(m, max) {
    var el = document.getElementById("chart-map");
    el.classList.add("tile-map");
    var lm = LinliMap.create(el, {});
    var group = L.featureGroup().addTo(lm.map);
    m.geo.features.forEach(function (f) {
      var p = f.properties, k = p.kind, v = m.values[p.name];
      var style = k === "building" ? { color: "#9cc3ff", weight: 1, fillColor: "#3a5f9c", fillOpacity: 0.6 } :
        k === "compound" ? { color: "#35e08a", weight: 1.5, fillOpacity: 0.08 } :
        k === "community" ? { color: "#ffffff", weight: 2, fill: false } :
        { color: "#39d3ff", weight: 1.5, fillColor: shade(v, max) || "#0f2a5a", fillOpacity: 0.45 };
      var shape = L.polygon(lm.ring(f.geometry.coordinates[0]), style).addTo(group);
      if (v !== undefined || k === "compound") { shape.bindTooltip(p.name + (v !== undefined ? "：本月 " + v + " 件" : "")); }
    });
    if (group.getLayers().length) { lm.map.fitBounds(group.getBounds().pad(0.05)); }
    var legend = document.createElement("div");
    legend.className = "map-legend";
    legend.innerHTML = "本月事件 <i>少</i>" + ramp.map(function (c) { return '<b style="background:' + c + '"></b>'; }).join("") + "<i>多</i>";
    el.appendChild(legend);
    tileMap = { lm: lm, dots: L.layerGroup().addTo(lm.map) };
    redrawDots();
  }

  function redrawDots() {
    var now = Date.now();
    dots = dots.filter(function (x) { return now - x.t < DOT_LIFE; });
    stage.dataset.dots = dots.length;  // how many live dots the map shows (read by the browser test)
    if (tileMap) {
      tileMap.dots.clearLayers();
      dots.forEach(function (x) {
        L.marker(tileMap.lm.toMap([x.lat, x.lng]), { keyboard: false, title: x.label,
          icon: L.divIcon({ className: "live-dot" + (x.alarm ? " alarm" : ""), iconSize: [16, 16] }) }).addTo(tileMap.dots);
      });
    } else if (charts["chart-map"]) {
      charts["chart-map"].setOption({ series: [{ id: "dots", data: dotData() }] });
    }
  }
  setInterval(redrawDots, 30000);

  function dot(msg) {
    if (msg.lat === null || msg.lat === undefined || msg.lng === null || msg.lng === undefined) { return; }
    dots.push({ lat: msg.lat, lng: msg.lng, alarm: !!(msg.alarm || msg.urgent), t: Date.now(),
      label: (msg.alarm ? "设备告警 · " : "") + msg.category + " · " + (msg.place || "") + " · " + msg.at });
    if (dots.length > 50) { dots.shift(); }
    redrawDots();
  }

  function refresh() {
    get(d.panels + q).then(function (p) {
      drawPanels(p);
      return get(d.summary + q);
    }).then(drawSummary).catch(function () { /* keep the last figures */ });
  }

  function arrive(msg) {
    var feed = document.getElementById("feed");
    var empty = feed.querySelector(".muted");
    if (empty) { feed.removeChild(empty); }
    var li = document.createElement("li");
    li.className = "new";
    li.dataset.number = msg.number;
    [["at", msg.at], ["cat" + (msg.urgent || msg.alarm ? " urgent" : ""), (msg.alarm ? "设备告警 · " : "") + msg.category], ["num", msg.number], ["place", msg.place || "—"]].forEach(function (p) {
      var s = document.createElement("span"); s.className = p[0]; s.textContent = p[1]; li.appendChild(s);
    });
    feed.insertBefore(li, feed.firstChild);
    while (feed.children.length > 12) { feed.removeChild(feed.lastChild); }
  }

  var seen = {};
  function live() {
    if (!window.EventSource) { return; }
    var badge = document.getElementById("live");
    var es = new EventSource(d.stream);
    es.onopen = function () { badge.className = "live on"; };
    es.onerror = function () { badge.className = "live off"; };
    es.addEventListener("event", function (e) {
      var msg = JSON.parse(e.data);
      if (seen[msg.number]) { return; }
      seen[msg.number] = true;
      arrive(msg);
      dot(msg);
      var k = document.getElementById("kpi-today");
      k.classList.remove("flash"); void k.offsetWidth; k.classList.add("flash");
      setTimeout(refresh, 1500);
    });
  }

  function tick() {
    var now = new Date();
    var tz = { timeZone: "Asia/Shanghai" };  // the platform's time, as the feed's times are, whatever the kiosk's clock zone
    text("clock", now.toLocaleDateString("zh-CN", tz) + " " + now.toLocaleTimeString("zh-CN", { hour12: false, timeZone: "Asia/Shanghai" }));
  }
  setInterval(tick, 1000); tick();

  document.getElementById("scope").addEventListener("change", function (e) {
    window.location = "?region=" + encodeURIComponent(e.target.value);
  });
  if (d.drill) {
    document.querySelector('[data-drill="today"]').setAttribute("href", "#");
    stage.querySelectorAll("a.kpi[data-drill]").forEach(function (a) {
      a.setAttribute("href", "#");
      a.addEventListener("click", function (ev) {
        ev.preventDefault();
        if (a.dataset.drill === "flagged") { window.open(d.supervision, "_blank", "noopener"); }
        else { drill(""); }
      });
    });
  }

  refresh();
  setInterval(refresh, 30000);
  get(d.map + q).then(drawMap).catch(function () { document.getElementById("map-note").textContent = "（地图暂不可用）"; });
  live();
})();
