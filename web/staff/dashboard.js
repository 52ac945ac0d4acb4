// The office dashboard's charts (Chart.js, served by the bot). Each chart is drawn from the table
// under it, which stays in the page for screen readers (visually hidden, "Show the table" shows it).
// No inline scripts or styles: the page's Content-Security-Policy forbids them.
(function () {
  "use strict";
  // Okabe-Ito: told apart with the common colour-vision deficiencies.
  var COLOURS = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"];

  function readTable(table, limit) {
    var headers = Array.prototype.slice.call(table.tHead.rows[0].cells, 1);
    var series = [];
    headers.forEach(function (cell, index) {
      if (!cell.hasAttribute("data-skip")) series.push({ label: cell.textContent.trim(), column: index + 1 });
    });
    var rows = Array.prototype.slice.call(table.tBodies[0].rows);
    if (limit) rows = rows.slice(0, limit);
    return {
      labels: rows.map(function (row) { return row.cells[0].textContent.trim(); }),
      datasets: series.map(function (s, i) {
        return {
          label: s.label,
          data: rows.map(function (row) { return Number(row.cells[s.column].getAttribute("data-value") || 0); }),
          backgroundColor: COLOURS[i % COLOURS.length],
        };
      }),
    };
  }

  // Long ranges: one bar a week (the table keeps every day). Hundreds of thin bars say less and draw slowly.
  function byWeek(data) {
    var labels = [], sums = data.datasets.map(function () { return []; });
    for (var i = 0; i < data.labels.length; i += 7) {
      labels.push("Week of " + data.labels[i]);
      data.datasets.forEach(function (d, k) {
        sums[k].push(d.data.slice(i, i + 7).reduce(function (a, b) { return a + b; }, 0));
      });
    }
    return { labels: labels, datasets: data.datasets.map(function (d, k) {
      return { label: d.label, data: sums[k], backgroundColor: d.backgroundColor };
    }) };
  }

  function draw(figure) {
    var table = document.getElementById(figure.getAttribute("data-table"));
    var canvas = figure.querySelector("canvas");
    if (!table || !canvas || !window.Chart) return;
    var kind = figure.getAttribute("data-chart");
    var data = readTable(table, Number(figure.getAttribute("data-limit") || 0));
    if (figure.hasAttribute("data-weekly-over") && data.labels.length > Number(figure.getAttribute("data-weekly-over"))) {
      data = byWeek(data);
    }
    var options = { responsive: true, maintainAspectRatio: false, animation: false,
      plugins: { legend: { display: data.datasets.length > 1 || kind === "doughnut" } } };
    if (kind === "doughnut") {
      data.datasets.forEach(function (d) { d.backgroundColor = COLOURS.slice(0, d.data.length); });
    } else {
      var stacked = figure.getAttribute("data-stacked") === "true";
      options.scales = { x: { stacked: stacked, beginAtZero: true }, y: { stacked: stacked, beginAtZero: true } };
      if (kind === "hbar") options.indexAxis = "y";
      (options.indexAxis === "y" ? options.scales.x : options.scales.y).ticks = { precision: 0 };
    }
    figure.chart = new window.Chart(canvas, { type: kind === "doughnut" ? "doughnut" : "bar", data: data, options: options });
    figure.setAttribute("data-drawn", "true");
    hideBehindButton(table);
  }

  function hideBehindButton(table) {
    // The holder (not the table: a table is never narrower than its content) is what hides.
    var holder = table.parentElement;
    if (!holder.classList.contains("table-scroll")) {
      holder = document.createElement("div");
      holder.className = "table-scroll";
      table.parentNode.insertBefore(holder, table);
      holder.appendChild(table);
    }
    holder.id = table.id + "-holder";
    holder.classList.add("visually-hidden");
    var button = document.createElement("button");
    button.type = "button";
    button.className = "button secondary table-toggle";
    button.textContent = "Show the table";
    button.setAttribute("aria-expanded", "false");
    button.setAttribute("aria-controls", holder.id);
    button.addEventListener("click", function () {
      var hidden = holder.classList.toggle("visually-hidden");
      button.textContent = hidden ? "Show the table" : "Hide the table";
      button.setAttribute("aria-expanded", hidden ? "false" : "true");
    });
    holder.parentNode.insertBefore(button, holder);
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("figure.chart[data-table]"), function (figure) {
      try { draw(figure); } catch (error) { if (window.console) console.error(error); }
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
}());
