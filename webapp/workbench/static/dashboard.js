/* The dashboard's charts (docs/workbench.md, "Dashboard"): drawn by the vendored ECharts
   from /api/v1/dashboard/figures, the same figures as the page's tables. */
(function () {
  "use strict";
  var holder = document.getElementById("dash-charts");
  if (!holder || !window.echarts) { return; }
  var font = '"Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei", "Microsoft YaHei", sans-serif';
  var charts = [];

  function chart(id) {
    var element = document.getElementById(id);
    var made = window.echarts.init(element, null, { renderer: "canvas" });
    charts.push(made);
    return made;
  }

  function rows(data) {
    // sub-departments when there are any, else the department's people
    return data.departments.length ? data.departments : data.people;
  }

  function hours(minutes) {
    return minutes === null ? null : Math.round(minutes / 6) / 10;
  }

  function bars(target, names, series, unit, max) {
    target.setOption({
      textStyle: { fontFamily: font },
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 8, right: 48, top: 32, bottom: 8, containLabel: true },
      xAxis: { type: "value", max: max, axisLabel: { formatter: "{value}" + unit } },
      yAxis: { type: "category", data: names, inverse: true,
               axisLabel: { width: 96, overflow: "truncate" } },
      series: series
    });
  }

  function draw(data) {
    var list = rows(data);
    var names = list.map(function (r) { return r.name; });
    bars(chart("chart-on-time"), names, [{
      name: "按期办结率", type: "bar",
      data: list.map(function (r) { return r.figures.on_time_rate; }),
      label: { show: true, position: "right", formatter: "{c}%" }
    }], "%", 100);
    bars(chart("chart-response"), names, [
      { name: "平均", type: "bar",
        data: list.map(function (r) { return hours(r.figures.first_response.average_minutes); }) },
      { name: "P90", type: "bar",
        data: list.map(function (r) { return hours(r.figures.first_response.p90_minutes); }) }
    ], "h");
    var ratings = data.department.figures.ratings;
    var slices = Object.keys(ratings).filter(function (k) { return ratings[k] > 0; })
      .map(function (k) { return { name: k, value: ratings[k] }; });
    chart("chart-ratings").setOption({
      textStyle: { fontFamily: font },
      tooltip: { trigger: "item", formatter: "{b}：{c}（{d}%）" },
      legend: { bottom: 0, type: "scroll" },
      title: slices.length ? undefined : { text: "本期没有办结", left: "center", top: "middle",
                                            textStyle: { fontSize: 14, color: "#555" } },
      series: [{ name: "满意度", type: "pie", radius: ["35%", "62%"], center: ["50%", "45%"],
                 data: slices, label: { formatter: "{b} {c}" } }]
    });
  }

  fetch(holder.getAttribute("data-api"), { credentials: "same-origin",
                                            headers: { Accept: "application/json" } })
    .then(function (response) {
      if (!response.ok) { throw new Error(String(response.status)); }
      return response.json();
    })
    .then(function (data) {
      draw(data);
      holder.setAttribute("data-drawn", "yes");
    })
    .catch(function () {
      holder.insertAdjacentHTML("beforeend",
        '<p class="dash-hint" role="status">图表未能加载，数字见下表。</p>');
    });
  window.addEventListener("resize", function () {
    charts.forEach(function (c) { c.resize(); });
  });
}());
