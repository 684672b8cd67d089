// "Thống kê" (app/dashboard/pages.py): the charts, drawn with Chart.js (vendor/chartjs) from the
// JSON of /api/staff/dashboard with the page's own filters (#dashboard-charts data-source).
// When every chart is drawn, #dashboard-charts gets data-drawn="true" (the browser test waits for it).
(function () {
  "use strict";

  var root = document.getElementById("dashboard-charts");
  if (!root || typeof Chart === "undefined") {
    return;
  }
  var COLORS = {
    blue: "#1d4ed8",
    green: "#15803d",
    orange: "#c2410c",
    red: "#b91c1c",
    grey: "#6b7280",
    purple: "#7e22ce",
  };
  Chart.defaults.font.family = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif";
  Chart.defaults.animation = false; // drawn at once: nothing moves for people who read slowly

  function periodLabel(iso, period) {
    var parts = iso.split("-");
    var day = parts[2] + "/" + parts[1];
    return period === "week" ? "Tuần từ " + day : day;
  }

  function percent(value) {
    return value === null || value === undefined ? null : Math.round(value * 1000) / 10;
  }

  function minutes(seconds) {
    return seconds === null || seconds === undefined ? null : Math.round(seconds / 6) / 10;
  }

  function draw(id, config) {
    var canvas = document.getElementById(id);
    if (!canvas) {
      return null;
    }
    config.options = Object.assign({ responsive: true, maintainAspectRatio: true, aspectRatio: 2.5 }, config.options || {});
    return new Chart(canvas, config);
  }

  function render(data) {
    var period = data.filters.period;
    var labels = data.series.map(function (row) {
      return periodLabel(row.period, period);
    });
    var column = function (key, transform) {
      return data.series.map(function (row) {
        return transform ? transform(row[key]) : row[key];
      });
    };

    draw("chart-conversations", {
      type: "bar",
      data: {
        labels: labels,
        datasets: [
          { label: "Cuộc trò chuyện", data: column("conversations"), backgroundColor: COLORS.blue, yAxisID: "y" },
          { label: "Tin nhắn", data: column("messages"), type: "line", borderColor: COLORS.orange, backgroundColor: COLORS.orange, yAxisID: "y1" },
        ],
      },
      options: {
        scales: {
          y: { beginAtZero: true, title: { display: true, text: "Cuộc trò chuyện" } },
          y1: { beginAtZero: true, position: "right", grid: { drawOnChartArea: false }, title: { display: true, text: "Tin nhắn" } },
        },
      },
    });

    draw("chart-rates", {
      type: "line",
      data: {
        labels: labels,
        datasets: [
          { label: "Tự xử lý (%)", data: column("containment", percent), borderColor: COLORS.green, backgroundColor: COLORS.green, spanGaps: true },
          { label: "Câu hỏi chưa trả lời được (%)", data: column("unanswered_rate", percent), borderColor: COLORS.red, backgroundColor: COLORS.red, spanGaps: true },
        ],
      },
      options: { scales: { y: { beginAtZero: true, max: 100, title: { display: true, text: "%" } } } },
    });

    var walks = data.walkthroughs.slice(0, 12);
    draw("chart-walkthroughs", {
      type: "bar",
      data: {
        labels: walks.map(function (w) {
          return w.title.length > 40 ? w.title.slice(0, 39) + "…" : w.title;
        }),
        datasets: [
          { label: "Bắt đầu", data: walks.map(function (w) { return w.started; }), backgroundColor: COLORS.blue },
          { label: "Hoàn thành", data: walks.map(function (w) { return w.completed; }), backgroundColor: COLORS.green },
          { label: "Dừng giữa chừng", data: walks.map(function (w) { return w.stopped; }), backgroundColor: COLORS.grey },
        ],
      },
      options: { indexAxis: "y", scales: { x: { beginAtZero: true, ticks: { precision: 0 } } } },
    });

    draw("chart-handoffs", {
      type: "bar",
      data: {
        labels: labels,
        datasets: [
          { label: "Yêu cầu gặp cán bộ", data: column("handoffs"), backgroundColor: COLORS.purple, yAxisID: "y" },
          { label: "Chờ trung bình (phút)", data: column("wait_mean_seconds", minutes), type: "line", borderColor: COLORS.orange, backgroundColor: COLORS.orange, spanGaps: true, yAxisID: "y1" },
        ],
      },
      options: {
        scales: {
          y: { beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text: "Yêu cầu" } },
          y1: { beginAtZero: true, position: "right", grid: { drawOnChartArea: false }, title: { display: true, text: "Phút" } },
        },
      },
    });

    var distribution = data.totals.satisfaction.distribution;
    draw("chart-satisfaction", {
      type: "bar",
      data: {
        labels: ["1 – Rất không hài lòng", "2", "3", "4", "5 – Rất hài lòng"],
        datasets: [
          {
            label: "Lượt đánh giá",
            data: ["1", "2", "3", "4", "5"].map(function (s) { return distribution[s]; }),
            backgroundColor: [COLORS.red, COLORS.orange, COLORS.grey, COLORS.blue, COLORS.green],
          },
        ],
      },
      options: { plugins: { legend: { display: false } }, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
    });
    root.setAttribute("data-drawn", "true");
  }

  fetch(root.getAttribute("data-source"), { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then(function (response) {
      if (!response.ok) {
        throw new Error("HTTP " + response.status);
      }
      return response.json();
    })
    .then(render)
    .catch(function () {
      document.getElementById("charts-error").hidden = false;
    });
})();
