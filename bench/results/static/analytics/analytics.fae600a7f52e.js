/* Renders the analytics charts from <script type="application/json"> specs (analytics/charts.py).
   Series differ by dash, point shape and hatching as well as colour; bars carry their values. */
(function () {
  "use strict";
  var COLOURS = ["#1f5fbf", "#b35c00", "#2e7d32", "#6a1b9a"];
  var DASHES = [[], [8, 4], [2, 3], [12, 3, 2, 3]];
  var POINTS = ["circle", "rect", "triangle", "crossRot"];

  function hatch(index) {
    var colour = COLOURS[index % COLOURS.length];
    if (index % 4 === 0) { return colour; }
    var tile = document.createElement("canvas");
    tile.width = tile.height = 8;
    var ctx = tile.getContext("2d");
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, 8, 8);
    ctx.strokeStyle = colour;
    ctx.fillStyle = colour;
    ctx.lineWidth = 2;
    if (index % 4 === 1) { ctx.beginPath(); ctx.moveTo(0, 8); ctx.lineTo(8, 0); ctx.stroke(); }
    else if (index % 4 === 2) { ctx.beginPath(); ctx.arc(4, 4, 1.6, 0, 2 * Math.PI); ctx.fill(); }
    else { ctx.fillRect(0, 3, 8, 2); }
    return ctx.createPattern(tile, "repeat");
  }

  var valueLabels = {
    id: "valueLabels",
    afterDatasetsDraw: function (chart) {
      // Values on bars only where they fit; the table beside each chart always has them.
      if (chart.config.type !== "bar" || chart.data.labels.length > 16) { return; }
      var ctx = chart.ctx;
      ctx.save();
      ctx.font = "12px system-ui, sans-serif";
      ctx.fillStyle = "#1d2433";
      chart.data.datasets.forEach(function (dataset, i) {
        chart.getDatasetMeta(i).data.forEach(function (bar, j) {
          var value = dataset.data[j];
          if (value === null || value === undefined) { return; }
          var horizontal = chart.options.indexAxis === "y";
          ctx.textAlign = horizontal ? "left" : "center";
          ctx.textBaseline = horizontal ? "middle" : "bottom";
          ctx.fillText(String(value), horizontal ? bar.x + 4 : bar.x, horizontal ? bar.y : bar.y - 2);
        });
      });
      ctx.restore();
    }
  };

  function render(canvas) {
    if (!window.Chart) { return; }
    var source = document.getElementById(canvas.dataset.source);
    if (!source) { return; }
    var spec = JSON.parse(source.textContent);
    if (canvas._chart) { canvas._chart.destroy(); }
    var isBar = spec.type === "bar";
    var datasets = spec.datasets.map(function (d, i) {
      return {
        label: d.label,
        data: d.data,
        borderColor: COLOURS[i % COLOURS.length],
        backgroundColor: isBar ? hatch(i) : COLOURS[i % COLOURS.length],
        borderDash: isBar ? [] : DASHES[i % DASHES.length],
        pointStyle: POINTS[i % POINTS.length],
        pointRadius: 4,
        borderWidth: 2,
        spanGaps: true
      };
    });
    canvas._chart = new window.Chart(canvas, {
      type: spec.type,
      data: { labels: spec.labels, datasets: datasets },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        indexAxis: spec.horizontal ? "y" : "x",
        plugins: {
          legend: { labels: { usePointStyle: true } },
          tooltip: { callbacks: { label: function (c) { return c.dataset.label + ": " + c.formattedValue + " " + (spec.unit || ""); } } }
        },
        scales: { y: { beginAtZero: true } }
      },
      plugins: [valueLabels]
    });
  }

  function renderAll(root) {
    (root || document).querySelectorAll("canvas[data-source]").forEach(render);
  }

  document.addEventListener("DOMContentLoaded", function () { renderAll(document); });
  document.addEventListener("htmx:afterSettle", function (event) { renderAll(event.target); });
})();
