/* The dashboard's 12-month trend charts (Apache ECharts, static/vendor/echarts). The data comes
   from the page as JSON (json_script #dashboard-trend); each chart draws into its
   <div data-chart="id">. No inline script or style: the page keeps the strict CSP. */
(function () {
  "use strict";
  var PALETTE = ["#0b6e4f", "#2f6fb3", "#b44d12", "#7b4fa6", "#8a8f16"];

  function formatter(unit) {
    if (unit === "rate") return "{value}%";
    return "{value}";
  }

  function optionFor(chart, months) {
    var rate = chart.unit === "rate";
    return {
      color: PALETTE,
      animation: false,
      // Several series: the legend wraps above the plot, which starts below it.
      grid: { left: 48, right: 16, top: chart.series.length > 1 ? 24 + 20 * Math.ceil(chart.series.length / 2) : 24, bottom: 28 },
      tooltip: { trigger: "axis", valueFormatter: function (v) { return v == null ? "—" : (rate ? v + "%" : v); } },
      legend: chart.series.length > 1 ? { top: 0, left: 0, type: "plain", itemWidth: 14, itemGap: 8, textStyle: { fontSize: 10 } } : undefined,
      xAxis: { type: "category", data: months, axisLabel: { fontSize: 10 } },
      yAxis: {
        type: "value",
        min: rate ? 0 : (chart.unit === "score" ? 1 : 0),
        max: rate ? 100 : (chart.unit === "score" ? 5 : null),
        axisLabel: { formatter: formatter(chart.unit), fontSize: 10 }
      },
      series: chart.series.map(function (s) {
        return { name: s.name, type: "line", data: s.data, connectNulls: false, symbolSize: 5 };
      })
    };
  }

  function draw() {
    var source = document.getElementById("dashboard-trend");
    if (!source || !window.echarts) return;
    var data = JSON.parse(source.textContent);
    var drawn = [];
    data.charts.forEach(function (chart) {
      var el = document.getElementById("chart-" + chart.id);
      if (!el) return;
      var instance = window.echarts.init(el, null, { renderer: "canvas" });
      instance.setOption(optionFor(chart, data.months));
      drawn.push(instance);
    });
    function resize() { drawn.forEach(function (c) { c.resize(); }); }
    window.addEventListener("resize", resize);
    // Print: the print stylesheet gives the charts an A4-sized box; redraw into it and back.
    window.addEventListener("beforeprint", resize);
    window.addEventListener("afterprint", resize);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
