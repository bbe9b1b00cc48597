/* searchkit report: in-page facet filtering and paging for index.html.
 *
 * Reads the JSON in <script id="report-data">: facet values, each hit's value ordinals per
 * facet, the initial selection and the page size. Values of one facet combine with OR,
 * facets with AND, and each facet's counts leave out its own filter (multi-select facets,
 * the same rule as searchkit's library and report_views.facet_counts). The state lives in
 * the URL fragment ("#people=Kyiv&page=2") so a filtered view can be bookmarked.
 * No network, no framework; the page reads fine without this script.
 */
(function () {
  "use strict";
  var dataNode = document.getElementById("report-data");
  if (!dataNode) { return; }
  var data = JSON.parse(dataNode.textContent);
  var facets = data.facets;
  var hits = data.hits;
  var lookup = facets.map(function (f) {
    var m = new Map();
    f.values.forEach(function (v, i) { m.set(v, i); });
    return m;
  });
  var dateFacet = facets.findIndex(function (f) { return f.name === "dates"; });
  var placeFacet = facets.findIndex(function (f) { return f.name === "places"; });

  var items = Array.prototype.slice.call(document.querySelectorAll("#results > li.result"));
  var boxes = Array.prototype.slice.call(document.querySelectorAll("input[data-f]"));
  var bars = Array.prototype.slice.call(document.querySelectorAll("#timeline rect.bar"));
  var dots = Array.prototype.slice.call(document.querySelectorAll("#map circle.dot"));
  var countLine = document.getElementById("result-count");
  var pager = document.getElementById("pager");
  var noMatch = document.getElementById("no-match");
  var active = document.getElementById("active-filters");
  var activeList = document.getElementById("active-list");
  var peakLabel = document.getElementById("tl-peak");

  var state = { sel: facets.map(function () { return new Set(); }), page: 1 };

  /* ---------------------------------------------------------------- state <-> fragment */

  function initialState() {
    var sel = facets.map(function () { return new Set(); });
    Object.keys(data.selected || {}).forEach(function (name) {
      var f = facets.findIndex(function (x) { return x.name === name; });
      if (f >= 0) { data.selected[name].forEach(function (v) { sel[f].add(v); }); }
    });
    return { sel: sel, page: 1 };
  }

  function readFragment() {
    var raw = location.hash.replace(/^#/, "");
    if (!raw) { return initialState(); }
    var params = new URLSearchParams(raw);
    var sel = facets.map(function () { return new Set(); });
    facets.forEach(function (f, i) {
      params.getAll(f.name).forEach(function (value) {
        if (lookup[i].has(value)) { sel[i].add(lookup[i].get(value)); }
      });
    });
    var page = parseInt(params.get("page") || "1", 10);
    return { sel: sel, page: isFinite(page) && page > 0 ? page : 1 };
  }

  function writeFragment() {
    var params = new URLSearchParams();
    state.sel.forEach(function (chosen, f) {
      Array.from(chosen).sort(function (a, b) { return a - b; }).forEach(function (v) {
        params.append(facets[f].name, facets[f].values[v]);
      });
    });
    // An explicit page marks the fragment as the whole state, even with nothing selected.
    params.append("page", String(state.page));
    var next = "#" + params.toString();
    if (location.hash !== next) { location.hash = next; }
    render();  // now, not on "hashchange", which comes later
  }

  /* ---------------------------------------------------------------- counting */

  function compute() {
    var counts = facets.map(function (f) { return new Array(f.values.length).fill(0); });
    var on = [];
    state.sel.forEach(function (chosen, f) { if (chosen.size) { on.push(f); } });
    var visible = [];
    for (var i = 0; i < hits.length; i++) {
      var row = hits[i];
      var failing = -1, failures = 0;
      for (var k = 0; k < on.length && failures < 2; k++) {
        var f = on[k], chosen = state.sel[f], keys = row[f], ok = false;
        for (var j = 0; j < keys.length; j++) { if (chosen.has(keys[j])) { ok = true; break; } }
        if (!ok) { failures++; failing = f; }
      }
      if (failures === 0) {
        visible.push(i);
        for (var g = 0; g < row.length; g++) {
          for (var m = 0; m < row[g].length; m++) { counts[g][row[g][m]]++; }
        }
      } else if (failures === 1) {
        for (var n = 0; n < row[failing].length; n++) { counts[failing][row[failing][n]]++; }
      }
    }
    return { visible: visible, counts: counts };
  }

  /* ---------------------------------------------------------------- drawing */

  var drawn = null;  // the fragment last drawn: "hashchange" after our own change is a no-op

  function render() {
    if (drawn !== null && drawn === location.hash) { return; }
    drawn = location.hash;
    state = readFragment();
    var r = compute();
    var pages = Math.max(1, Math.ceil(r.visible.length / data.pageSize));
    if (state.page > pages) { state.page = pages; }
    var first = (state.page - 1) * data.pageSize;
    var onPage = new Set(r.visible.slice(first, first + data.pageSize));
    var shown = new Set(r.visible);
    items.forEach(function (li) {
      var i = +li.getAttribute("data-i");
      li.hidden = !shown.has(i);
      li.classList.toggle("off-page", shown.has(i) && !onPage.has(i));
    });
    boxes.forEach(function (box) {
      var f = +box.getAttribute("data-f"), v = +box.getAttribute("data-v");
      var count = r.counts[f][v] || 0, checked = state.sel[f].has(v);
      box.checked = checked;
      box.disabled = false;
      var li = box.parentNode;
      li.querySelector(".n").textContent = String(count);
      li.classList.toggle("zero", count === 0 && !checked);
    });
    openChosen();
    drawCountLine(r.visible.length, first, onPage.size);
    drawPager(pages);
    drawActive();
    drawTimeline(r.counts);
    drawMap(r.counts);
    if (noMatch) { noMatch.hidden = r.visible.length > 0 || hits.length === 0; }
  }

  // A ticked value under "More" (say, from a bookmarked fragment) must be visible.
  function openChosen() {
    var chosen = 0;
    boxes.forEach(function (box) {
      if (!box.checked) { return; }
      chosen++;
      var more = box.closest("details:not(.filter-panel)");
      if (more) { more.open = true; }
    });
    var badge = document.getElementById("selected-count");
    if (badge) { badge.textContent = chosen ? "(" + chosen + " ticked)" : ""; }
  }

  function drawCountLine(total, first, onPage) {
    if (!countLine) { return; }
    var all = hits.length.toLocaleString("en");
    var filtered = state.sel.some(function (chosen) { return chosen.size > 0; });
    var n = total.toLocaleString("en") + (filtered ? " matching" : "") +
      " article" + (total === 1 ? "" : "s");
    var text;
    if (total === 0) {
      text = "No article of " + all + " matches the filters";
    } else if (onPage < total) {
      text = "Showing " + (first + 1) + "–" + (first + onPage) + " of " + n;
    } else {
      text = (total === 1 ? "" : "All ") + n;
    }
    countLine.textContent = text + (filtered && total ? " (of " + all + " in this report)" : "");
  }

  function button(label, page, current, ariaLabel) {
    var b = document.createElement("button");
    b.type = "button";
    b.textContent = label;
    b.setAttribute("aria-label", ariaLabel);
    if (current) { b.setAttribute("aria-current", "page"); }
    if (page === null) { b.disabled = true; } else {
      b.addEventListener("click", function () {
        state.page = page;
        writeFragment();
        var top = document.getElementById("result-count");
        if (top) { top.scrollIntoView({ block: "start" }); }
      });
    }
    return b;
  }

  function drawPager(pages) {
    if (!pager) { return; }
    pager.textContent = "";
    pager.hidden = pages < 2;
    if (pages < 2) { return; }
    var p = state.page;
    pager.appendChild(button("‹ Previous", p > 1 ? p - 1 : null, false, "Previous page"));
    var wanted = new Set([1, pages, p - 2, p - 1, p, p + 1, p + 2]);
    var last = 0;
    for (var i = 1; i <= pages; i++) {
      if (!wanted.has(i)) { continue; }
      if (i > last + 1) {
        var gap = document.createElement("span");
        gap.className = "gap";
        gap.textContent = "…";
        pager.appendChild(gap);
      }
      pager.appendChild(button(String(i), i, i === p, "Page " + i));
      last = i;
    }
    pager.appendChild(button("Next ›", p < pages ? p + 1 : null, false, "Next page"));
  }

  function labelOf(box) {
    var text = box.parentNode.querySelector(".fv-label");
    return text ? text.textContent : "";
  }

  function drawActive() {
    if (!active) { return; }
    activeList.textContent = "";
    var any = false;
    state.sel.forEach(function (chosen, f) {
      chosen.forEach(function (v) {
        any = true;
        var box = document.querySelector('input[data-f="' + f + '"][data-v="' + v + '"]');
        var label = box ? labelOf(box) : facets[f].values[v];
        var li = document.createElement("li");
        var b = document.createElement("button");
        b.type = "button";
        b.className = "chip remove";
        b.textContent = label + " ×";
        b.setAttribute("aria-label", "Remove filter " + label);
        b.addEventListener("click", function () { toggle(f, v, false); });
        li.appendChild(b);
        activeList.appendChild(li);
      });
    });
    active.hidden = !any;
  }

  function drawTimeline(counts) {
    if (dateFacet < 0 || !bars.length) { return; }
    var c = counts[dateFacet], peak = 1;
    bars.forEach(function (bar) {
      var v = +bar.getAttribute("data-v");
      if (v >= 0 && c[v] > peak) { peak = c[v]; }
    });
    bars.forEach(function (bar) {
      var v = +bar.getAttribute("data-v");
      var n = v >= 0 ? c[v] : 0;
      var h = data.chartHeight * n / peak;
      bar.setAttribute("height", h.toFixed(2));
      bar.setAttribute("y", (data.chartHeight - h).toFixed(2));
      bar.classList.toggle("sel", v >= 0 && state.sel[dateFacet].has(v));
      var title = bar.querySelector("title");
      if (title) { title.textContent = title.textContent.replace(/: \d+$/, ": " + n); }
    });
    if (peakLabel) { peakLabel.textContent = String(peak); }
  }

  function drawMap(counts) {
    if (placeFacet < 0 || !dots.length) { return; }
    var c = counts[placeFacet], peak = 1, lo = data.mapRadius[0], hi = data.mapRadius[1];
    dots.forEach(function (d) { peak = Math.max(peak, c[+d.getAttribute("data-v")]); });
    dots.forEach(function (d) {
      var n = c[+d.getAttribute("data-v")];
      d.setAttribute("r", n ? (lo + (hi - lo) * Math.sqrt(n / peak)).toFixed(2) : "0");
      var title = d.querySelector("title");
      if (title) { title.textContent = title.textContent.replace(/: \d+$/, ": " + n); }
    });
  }

  /* ---------------------------------------------------------------- events */

  function toggle(f, v, on) {
    state = readFragment();
    if (on) { state.sel[f].add(v); } else { state.sel[f].delete(v); }
    state.page = 1;
    writeFragment();
  }

  boxes.forEach(function (box) {
    box.addEventListener("change", function () {
      toggle(+box.getAttribute("data-f"), +box.getAttribute("data-v"), box.checked);
    });
  });
  bars.forEach(function (bar) {
    var v = +bar.getAttribute("data-v");
    if (v < 0) { return; }
    bar.classList.add("clickable");
    bar.addEventListener("click", function () { toggle(dateFacet, v, !state.sel[dateFacet].has(v)); });
  });
  var clear = document.getElementById("clear-filters");
  if (clear) {
    clear.addEventListener("click", function () {
      state = { sel: facets.map(function () { return new Set(); }), page: 1 };
      writeFragment();
    });
  }
  // On a narrow screen the filters start folded, so the results come first.
  var panel = document.getElementById("filter-panel");
  if (panel && window.matchMedia) {
    var narrow = window.matchMedia("(max-width: 59.99rem)");
    panel.open = !narrow.matches;
    narrow.addEventListener("change", function () { panel.open = !narrow.matches; });
  }
  window.addEventListener("hashchange", render);
  document.documentElement.classList.add("js");
  render();
}());
