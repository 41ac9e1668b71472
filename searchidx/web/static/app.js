// searchidx web page: keyboard shortcuts and the histogram's range selection.
// The page works without this file; it only adds to plain links and forms.
(function () {
  "use strict";

  function typing(target) {
    var tag = target && target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || (target && target.isContentEditable);
  }

  // "/" focuses the search box (on a page without one, opens the search page at
  // "/#q", which focuses it); j/k move through the hits; Escape leaves the box.
  var searchBox = document.getElementById("q");
  if (searchBox && window.location.hash === "#q") { searchBox.focus(); }
  var current = -1;
  function hits() { return Array.prototype.slice.call(document.querySelectorAll("[data-hit]")); }
  function select(index) {
    var all = hits();
    if (!all.length) { return; }
    current = Math.max(0, Math.min(all.length - 1, index));
    all.forEach(function (hit, i) { hit.classList.toggle("current", i === current); });
    var link = all[current].querySelector("h2 a, a.hit-title-link, a");
    if (link) { link.focus({ preventScroll: true }); }
    all[current].scrollIntoView({ block: "nearest" });
  }
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    if (typing(event.target)) {
      if (event.key === "Escape") { event.target.blur(); }
      return;
    }
    var box = document.getElementById("q");
    if (event.key === "/") {
      event.preventDefault();
      if (box) { box.focus(); box.select(); } else { window.location.assign("/#q"); }
    } else if (event.key === "j") {
      select(current + 1);
    } else if (event.key === "k") {
      select(current < 0 ? 0 : current - 1);
    }
  });

  // The histogram: drag across bars to filter to that period (a click on one bar
  // is its own link). The selection follows the pointer over the whole chart.
  Array.prototype.forEach.call(document.querySelectorAll("[data-histogram]"), function (figure) {
    var svg = figure.querySelector("svg");
    var periods = (svg.getAttribute("data-periods") || "").split(",");
    var shade = svg.querySelector(".selection");
    if (!periods[0] || !shade) { return; }
    var start = null, end = null, dragged = false;
    function indexAt(event) {
      var box = svg.getBoundingClientRect();
      var at = Math.floor((event.clientX - box.left) / box.width * periods.length);
      return Math.max(0, Math.min(periods.length - 1, at));
    }
    function draw() {
      var width = 600 / periods.length, low = Math.min(start, end), high = Math.max(start, end);
      shade.setAttribute("x", String(low * width));
      shade.setAttribute("width", String((high - low + 1) * width));
      shade.setAttribute("visibility", "visible");
    }
    svg.addEventListener("pointerdown", function (event) {
      if (event.button !== 0) { return; }
      start = end = indexAt(event);
      dragged = false;
    });
    svg.addEventListener("pointermove", function (event) {
      if (start === null) { return; }
      var at = indexAt(event);
      if (at === end) { return; }
      if (!dragged) {  // a drag, not a click on a bar: follow the pointer past the chart
        dragged = true;
        svg.setPointerCapture(event.pointerId);
      }
      end = at;
      draw();
    });
    svg.addEventListener("pointerup", function () {
      if (start === null) { return; }
      var low = Math.min(start, end), high = Math.max(start, end);
      start = null;
      if (!dragged) { shade.setAttribute("visibility", "hidden"); return; }
      var url = new URL(figure.getAttribute("data-base"), window.location.href);
      url.searchParams.set("from", periods[low]);
      url.searchParams.set("to", periods[high]);
      window.location.assign(url.toString());
    });
    svg.addEventListener("click", function (event) {
      if (dragged) { event.preventDefault(); dragged = false; }
    });
  });
})();
