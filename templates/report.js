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
  var places = Array.prototype.slice.call(document.querySelectorAll("#map .dots .place"))
    .map(function (el) {
      var v = +el.getAttribute("data-v");
      return { el: el, v: v, dot: el.querySelector("circle"),
               link: el.tagName.toLowerCase() === "a",
               label: document.querySelector('#map .lbl[data-v="' + v + '"]'), r: -1, n: -1,
               x: +el.querySelector("circle").getAttribute("cx"),
               y: +el.querySelector("circle").getAttribute("cy"),
               name: placeFacet >= 0 ? facets[placeFacet].values[v] : "" };
    });
  var countLine = document.getElementById("result-count");
  var pager = document.getElementById("pager");
  var noMatch = document.getElementById("no-match");
  var active = document.getElementById("active-filters");
  var activeList = document.getElementById("active-list");
  var words = document.getElementById("selection-words");
  var undatedValue = dateFacet >= 0 ? lookup[dateFacet].get(data.undated) : undefined;

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

  // An explicit page marks the fragment as the whole state, even with nothing selected.
  function fragmentOf(sel, page) {
    var params = new URLSearchParams();
    sel.forEach(function (chosen, f) {
      Array.from(chosen).sort(function (a, b) { return a - b; }).forEach(function (v) {
        params.append(facets[f].name, facets[f].values[v]);
      });
    });
    params.append("page", String(page));
    return "#" + params.toString();
  }

  function writeFragment() {
    var next = fragmentOf(state.sel, state.page);
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
    drawWords();
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

  // The filters as a sentence, worded as report_views.selection_words words them.
  function drawWords() {
    if (!words) { return; }
    var parts = [];
    state.sel.forEach(function (chosen, f) {
      if (!chosen.size) { return; }
      var names = Array.from(chosen).sort(function (a, b) { return a - b; }).map(function (v) {
        var box = document.querySelector('input[data-f="' + f + '"][data-v="' + v + '"]');
        return box ? labelOf(box) : facets[f].values[v];
      });
      parts.push(facets[f].label + ": " + names.join(" or "));
    });
    words.textContent = parts.length ? "Filtered to " + parts.join("; and ") + "." :
      "No filter ticked: every article in this report is listed.";
  }

  // The count at the top of the timeline's axis (report_views.axis_top).
  function axisTop(peak) {
    if (peak <= 1) { return 1; }
    var small = [2, 4, 6, 8], i;
    for (i = 0; i < small.length; i++) { if (small[i] >= peak) { return small[i]; } }
    var mantissas = [10, 12, 16, 20, 30, 40, 50, 60, 80];
    for (var scale = 1; ; scale *= 10) {
      for (i = 0; i < mantissas.length; i++) {
        if (mantissas[i] * scale >= peak) { return mantissas[i] * scale; }
      }
    }
  }

  // "1,234 articles" (toLocaleString is slow enough to show in a click over many places).
  function plural(n, words) {
    return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",") + " " + words + (n === 1 ? "" : "s");
  }

  function drawTimeline(counts) {
    if (dateFacet < 0) { return; }
    var c = counts[dateFacet], peak = 1;
    if (bars.length && data.chart) {
      bars.forEach(function (bar) {
        var v = +bar.getAttribute("data-v");
        if (v >= 0 && c[v] > peak) { peak = c[v]; }
      });
      var top = axisTop(peak), height = data.chart.height, base = data.chart.base;
      bars.forEach(function (bar) {
        var v = +bar.getAttribute("data-v");
        var n = v >= 0 ? c[v] : 0;
        var h = height * n / top;
        bar.setAttribute("height", h.toFixed(2));
        bar.setAttribute("y", (base - h).toFixed(2));
        bar.classList.toggle("sel", v >= 0 && state.sel[dateFacet].has(v));
        var title = bar.querySelector("title");
        if (title) { title.textContent = title.textContent.replace(/: \d+$/, ": " + n); }
      });
      [["low", 0], ["mid", Math.floor(top / 2)], ["high", top]].forEach(function (tick) {
        var g = document.querySelector("#timeline .tick." + tick[0]);
        if (!g) { return; }
        g.querySelector("text").textContent = String(tick[1]);
        if (tick[0] === "mid") { g.setAttribute("visibility", top === 1 ? "hidden" : "visible"); }
      });
    }
    drawUndated(c);
  }

  // "N undated articles are not shown on the timeline", linking to them within the view.
  function drawUndated(c) {
    var note = document.getElementById("tl-undated");
    if (!note || undatedValue === undefined) { return; }
    var n = c[undatedValue] || 0;
    note.hidden = n === 0;
    document.getElementById("undated-text").textContent =
      plural(n, "undated article") + (n === 1 ? " is" : " are");
    var sel = state.sel.map(function (chosen) { return new Set(chosen); });
    sel[dateFacet] = new Set([undatedValue]);
    document.getElementById("undated-link").setAttribute("href", fragmentOf(sel, 1));
  }

  // The counts the map's legend draws a dot for (report_views.legend_counts).
  function legendCounts(peak) {
    var out = [1, Math.max(1, Math.round(peak / 4)), Math.max(peak, 1)];
    return out.filter(function (n, i) { return out.indexOf(n) === i; }).sort(function (a, b) {
      return a - b;
    });
  }

  function radius(n, peak) {
    var lo = data.map.radius[0], hi = data.map.radius[1];
    return n ? lo + (hi - lo) * Math.sqrt(n / peak) : 0;
  }

  function drawMap(counts) {
    if (placeFacet < 0 || !places.length || !data.map) { return; }
    var c = counts[placeFacet], peak = 1;
    places.forEach(function (p) { peak = Math.max(peak, c[p.v]); });
    places.forEach(function (p) {
      var n = c[p.v], r = radius(n, peak);
      if (r !== p.r) { p.r = r; p.dot.setAttribute("r", r.toFixed(2)); }
      if (p.link && n !== p.n) {
        p.el.setAttribute("aria-label", p.name + ": " + plural(n, "article"));
      }
      p.n = n;
    });
    var ranked = places.filter(function (p) { return c[p.v] > 0; }).sort(function (a, b) {
      return c[b.v] - c[a.v] || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
    });
    drawLegend(peak);
    labelled = ranked;
    drawLabels();
    drawTopPlaces(ranked, c);
    keyOrder = ranked.filter(function (p) { return p.link; });
    var current = places.find(function (p) {
      return p.link && p.el.getAttribute("tabindex") === "0";
    });
    if (keyOrder.length && keyOrder.indexOf(current) < 0) { roveTo(keyOrder[0], false); }
  }

  function drawLegend(peak) {
    var shown = legendCounts(peak);
    Array.prototype.forEach.call(document.querySelectorAll("#map .legend .key"), function (g, i) {
      var n = shown[i];
      g.setAttribute("visibility", n ? "visible" : "hidden");
      g.querySelector("circle").setAttribute("r", radius(n || 0, peak).toFixed(2));
      g.querySelector("text").textContent = n ? String(n) : "";
    });
  }

  // Label the most named places that fit, trying the right of each dot, then the left.
  // Widths are estimated from the label's length, as report_views._place_labels does, at
  // the size report.css gives labels on this screen: a click never waits for a layout.
  var labelled = [];  // the places with articles in view, most named first
  var phoneScreen = window.matchMedia ? window.matchMedia("(max-width: 40rem)") : null;

  function drawLabels() {
    var m = data.map, box = m.box, taken = [];
    var size = m.font * (phoneScreen && phoneScreen.matches ? m.phoneFont : 1);
    places.forEach(function (p) { if (p.label) { p.label.classList.remove("top"); } });
    var tries = Math.min(labelled.length, m.tries);
    for (var i = 0; i < tries && taken.length < m.labels; i++) {
      var p = labelled[i];
      if (!p.label) { continue; }
      var width = m.char * size * p.name.length, gap = p.r + m.gap, y = p.y - size / 2;
      var sides = [[p.x + gap, "start", p.x + gap], [p.x - gap, "end", p.x - gap - width]];
      for (var s = 0; s < sides.length; s++) {
        var b = [sides[s][2], y, width, size];
        var fits = b[0] >= box[0] && b[0] + width <= box[0] + box[2] && y >= box[1] &&
          y + size <= box[1] + box[3];
        if (fits && !taken.some(function (t) { return overlap(b, t); })) {
          taken.push(b);
          p.label.setAttribute("x", sides[s][0].toFixed(2));
          p.label.setAttribute("text-anchor", sides[s][1]);
          p.label.classList.add("top");
          break;
        }
      }
    }
  }

  function overlap(a, b) {
    return a[0] < b[0] + b[2] && b[0] < a[0] + a[2] && a[1] < b[1] + b[3] && b[1] < a[1] + a[3];
  }

  function drawTopPlaces(ranked, c) {
    var list = document.getElementById("top-places");
    if (!list) { return; }
    list.textContent = "";
    ranked.slice(0, data.map.places).forEach(function (p) {
      var li = document.createElement("li");
      if (p.link) {
        var a = document.createElement("a");
        a.href = p.el.getAttribute("href");
        a.textContent = p.name;
        li.appendChild(a);
      } else {
        li.appendChild(document.createTextNode(p.name));
      }
      var n = document.createElement("span");
      n.className = "n";
      n.textContent = String(c[p.v]);
      li.appendChild(document.createTextNode(" "));
      li.appendChild(n);
      list.appendChild(li);
    });
  }

  /* ---------------------------------------------------------------- the map by keyboard */

  // One tab stop (roving tabindex): the arrow keys walk the places in the order of their
  // counts, Home and End jump to the first and the last; Enter follows the link.
  function roveTo(p, focus) {
    places.forEach(function (q) {
      if (q.link) { q.el.setAttribute("tabindex", q === p ? "0" : "-1"); }
    });
    if (focus) { p.el.focus(); }
  }

  var keyOrder = [];  // the linked places with articles in view, most named first

  function onMapKey(event) {
    var order = keyOrder;
    var at = order.findIndex(function (p) { return p.el === document.activeElement; });
    if (at < 0 || !order.length) { return; }
    var next = { ArrowRight: at + 1, ArrowDown: at + 1, ArrowLeft: at - 1, ArrowUp: at - 1,
                 Home: 0, End: order.length - 1 }[event.key];
    if (next === undefined) { return; }
    event.preventDefault();
    roveTo(order[Math.max(0, Math.min(order.length - 1, next))], true);
  }

  // A place's label shows while its dot has the pointer or the keyboard focus.
  var hot = null;
  function hotLabel(event) {
    if (hot) { hot.classList.remove("hot"); hot = null; }
    if (event.type === "focusout" || event.type === "mouseout") { return; }
    var el = event.target.closest && event.target.closest(".place");
    hot = el && document.querySelector('#map .lbl[data-v="' + el.getAttribute("data-v") + '"]');
    if (hot) { hot.classList.add("hot"); }
  }

  /* ---------------------------------------------------------------- copy link to this view */

  function copyLink() {
    var input = document.getElementById("view-link");
    var status = document.getElementById("copy-status");
    var url = location.href;
    input.value = url;
    // Without the Clipboard API (or its permission) the link waits selected in the box.
    function fallback() {
      input.hidden = false;
      input.focus();
      input.select();
      var copied = false;
      try { copied = document.execCommand("copy"); } catch (e) { copied = false; }
      status.textContent = copied ? "Link copied." :
        "Press Ctrl+C (⌘C on a Mac) to copy the selected link.";
    }
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(url).then(function () {
        input.hidden = false;
        status.textContent = "Link copied.";
      }, fallback);
    } else {
      fallback();
    }
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
  var map = document.getElementById("map");
  if (map && phoneScreen) { phoneScreen.addEventListener("change", drawLabels); }
  if (map) {
    map.addEventListener("keydown", onMapKey);
    ["focusin", "focusout", "mouseover", "mouseout"].forEach(function (type) {
      map.addEventListener(type, hotLabel);
    });
  }
  var share = document.getElementById("share");
  if (share) {
    share.hidden = false;
    document.getElementById("copy-link").addEventListener("click", copyLink);
  }
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
