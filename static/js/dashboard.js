/* Draws the dashboard's charts with Apache ECharts (static/vendor/echarts, installed from npm by
 * `make install`). The data comes from the page's JSON (json_script), never from inline script
 * (the CSP allows scripts from this site only). Each chart's table and CSV are on the page
 * already; without the library the tables stay and a note says why. */
(function () {
  "use strict";
  var source = document.getElementById("dashboard-charts");
  if (!source) { return; }
  var specs = JSON.parse(source.textContent);
  if (typeof window.echarts === "undefined") {
    var status = document.getElementById("chart-status");
    if (status) { status.hidden = false; }
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      el.setAttribute("data-state", "missing");
    });
    return;
  }
  var palette = ["#1d5fa8", "#e08a00", "#1e7a45", "#b23b3b", "#6b4fa8", "#4a5560"];

  function number(value) {
    return typeof value === "number" ? value.toLocaleString("zh-CN") : value;
  }

  function empty(spec) {
    return spec.series.every(function (s) {
      return s.data.every(function (v) { return !v; });
    });
  }

  function option(spec) {
    if (empty(spec)) {
      return { title: { text: spec.emptyText, left: "center", top: "middle",
                        textStyle: { color: "#8a96a3", fontSize: 14, fontWeight: "normal" } } };
    }
    var base = {
      color: palette,
      animation: false,
      tooltip: { trigger: spec.kind === "pie" || spec.kind === "funnel" ? "item" : "axis",
                 valueFormatter: number },
      legend: { top: 0, type: "scroll" },
    };
    if (spec.kind === "pie" || spec.kind === "funnel") {
      var data = spec.categories.map(function (name, i) {
        return { name: name, value: spec.series[0].data[i] };
      });
      base.series = [spec.kind === "pie"
        ? { type: "pie", radius: ["35%", "65%"], top: 24, data: data,
            label: { formatter: "{b}: {c}" } }
        : { type: "funnel", sort: "none", top: 30, bottom: 10, left: "10%", width: "80%",
            data: data, label: { position: "inside", formatter: "{b}: {c}" } }];
      return base;
    }
    var categoryAxis = { type: "category", data: spec.categories,
                         axisLabel: { interval: 0, overflow: "truncate", width: 100 } };
    var valueAxis = { type: "value", axisLabel: { formatter: number } };
    base.grid = { left: spec.horizontal ? 110 : 60, right: 20, top: 36, bottom: 40,
                  containLabel: false };
    base.xAxis = spec.horizontal ? valueAxis : categoryAxis;
    base.yAxis = spec.horizontal ? categoryAxis : valueAxis;
    base.series = spec.series.map(function (s) {
      return { name: s.name, type: spec.kind === "line" ? "line" : "bar", data: s.data,
               stack: spec.stacked ? "total" : undefined, smooth: false,
               areaStyle: spec.kind === "line" ? { opacity: 0.15 } : undefined };
    });
    return base;
  }

  var charts = [];
  specs.forEach(function (spec) {
    var el = document.querySelector('[data-chart="' + spec.key + '"]');
    if (!el) { return; }
    var chart = window.echarts.init(el, null, { renderer: "svg" });
    // "No data" comes translated from the page (data-empty), like every other word drawn.
    spec.emptyText = el.getAttribute("data-empty") || "";
    chart.setOption(option(spec));
    el.setAttribute("data-state", "drawn");
    charts.push(chart);
  });
  window.addEventListener("resize", function () {
    charts.forEach(function (chart) { chart.resize(); });
  });
})();
