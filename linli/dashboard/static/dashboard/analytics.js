/* 热点分析: three ECharts charts, each with 保存为图片 (PNG). */
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("dash-data").textContent);
  var save = { feature: { saveAsImage: { title: "保存为图片", name: "热点分析" } } };
  function bar(id, labels, values, color, horizontal) {
    var el = document.getElementById(id);
    if (!el) { return; }
    var c = echarts.init(el);
    var cat = { type: "category", data: labels, axisLabel: { interval: labels.length > 12 ? "auto" : 0 } };
    var val = { type: "value", minInterval: 1 };
    c.setOption({ toolbox: save, tooltip: {}, grid: { left: horizontal ? 120 : 40, right: 20, top: 30, bottom: 50 },
      xAxis: horizontal ? val : cat, yAxis: horizontal ? Object.assign(cat, { inverse: true }) : val,
      series: [{ type: "bar", data: values, itemStyle: { color: color }, barMaxWidth: 28 }] });
    window.addEventListener("resize", function () { c.resize(); });
  }
  var hours = []; for (var h = 0; h < 24; h++) { hours.push(h + "时"); }
  bar("chart-grids", data.grids, data.grid_n, "#d63939", true);
  bar("chart-hours", hours, data.hours, "#206bc4", false);
  bar("chart-weekdays", data.weekday_labels, data.weekdays, "#2fb344", false);
})();
