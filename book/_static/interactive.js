/* Interactive figures of the book (nndyn.interactive): draws each figure with plotly.js,
   adds a labelled range input per slider and a checkbox per toggle, and hides the static
   PNG, which stays for readers without JavaScript. Served with plotly.min.js, from the
   site's own _static folder, only on pages that have such a figure (scripts/nndyn_book.py). */
(function () {
  "use strict";
  var NARROW = 600;
  var counter = 0;

  function merge(base, extra) {  // one level deep: {xaxis: {...}} merges into base.xaxis
    var out = Object.assign({}, base);
    Object.keys(extra || {}).forEach(function (k) {
      var v = extra[k];
      out[k] = (v && typeof v === "object" && !Array.isArray(v) && base[k] && typeof base[k] === "object")
        ? Object.assign({}, base[k], v) : v;
    });
    return out;
  }

  function setup(box) {
    if (box.dataset.ready) return;
    var spec = JSON.parse(box.querySelector("script.nndyn-figure-data").textContent);
    var fallback = box.querySelector("img.nndyn-fallback");
    var id = "nndyn-figure-" + (++counter);
    var positions = spec.sliders.map(function (s) { return s.start; });
    var visible = spec.data.map(function (t) { return t.visible === undefined ? true : t.visible; });
    spec.toggles.forEach(function (t) { t.traces.forEach(function (i) { visible[i] = t.on; }); });

    var controls = document.createElement("div");
    controls.className = "nndyn-controls";
    spec.sliders.forEach(function (s, k) {
      var row = document.createElement("div");
      row.className = "nndyn-slider";
      var label = document.createElement("label");
      label.htmlFor = id + "-slider-" + k;
      label.textContent = s.label;
      var input = document.createElement("input");
      input.type = "range";
      input.id = label.htmlFor;
      input.min = 0; input.max = s.values.length - 1; input.step = 1; input.value = s.start;
      input.setAttribute("aria-valuetext", s.values[s.start]);
      var out = document.createElement("output");
      out.htmlFor = input.id;
      out.textContent = s.values[s.start];
      input.addEventListener("input", function () {
        positions[k] = Number(input.value);
        out.textContent = s.values[positions[k]];
        input.setAttribute("aria-valuetext", s.values[positions[k]]);
        draw();
      });
      row.append(label, input, out);
      controls.append(row);
    });
    if (spec.toggles.length) {
      var set = document.createElement("fieldset");
      set.className = "nndyn-toggles";
      var legend = document.createElement("legend");
      legend.textContent = "Show";
      set.append(legend);
      spec.toggles.forEach(function (t, k) {
        var label = document.createElement("label");
        var box_ = document.createElement("input");
        box_.type = "checkbox";
        box_.checked = t.on;
        box_.id = id + "-toggle-" + k;
        box_.addEventListener("change", function () {
          t.traces.forEach(function (i) { visible[i] = box_.checked; });
          draw();
        });
        label.append(box_, document.createTextNode(" " + t.label));
        set.append(label);
      });
      controls.append(set);
    }

    var plot = document.createElement("div");
    plot.className = "nndyn-plot";
    plot.id = id;
    plot.setAttribute("role", "img");
    plot.setAttribute("aria-label", fallback ? fallback.alt : "interactive figure");

    function layout() {
      var narrow = box.clientWidth > 0 && box.clientWidth < NARROW;
      box.dataset.layout = narrow ? "narrow" : "wide";  // which layout is drawn (read by the tests)
      return narrow ? merge(spec.layout, spec.narrow_layout) : spec.layout;
    }
    function traces() {
      var key = positions.join(",");
      var updates = spec.sliders.length ? spec.frames[key] : [];
      return spec.data.map(function (trace, i) {
        var t = Object.assign({}, trace);
        var j = spec.frame_traces.indexOf(i);
        if (j >= 0 && updates) Object.assign(t, updates[j]);
        t.visible = visible[i];
        return t;
      });
    }
    function draw() {
      box.dataset.frame = positions.join(",");
      return Plotly.react(plot, traces(), layout(), {responsive: true, displayModeBar: false});
    }

    box.append(controls, plot);
    box.dataset.ready = "drawing";
    draw().then(function () {
      if (fallback) fallback.hidden = true;
      box.dataset.ready = "yes";
    });
    // The figure follows its box, not only the window: the box also changes width when the
    // reader switches the theme (the dark theme draws figures on a padded light plate), and
    // plotly.js's own "responsive" option listens to window resizes only.
    // Redrawing changes the box's height, so the observer's callback only schedules the
    // work for the next frame (a redraw inside it would raise "ResizeObserver loop").
    var narrowNow = box.clientWidth > 0 && box.clientWidth < NARROW;
    var lastWidth = box.clientWidth;
    function follow() {
      if (box.clientWidth === lastWidth || box.clientWidth === 0) return;
      lastWidth = box.clientWidth;
      if ((box.clientWidth < NARROW) !== narrowNow) {
        narrowNow = !narrowNow;
        box.dataset.ready = "drawing";
        draw().then(function () { box.dataset.ready = "yes"; });
      } else {
        var resized = Plotly.Plots.resize(plot);
        if (resized && resized.catch) resized.catch(function () {});  // a figure not drawn yet
      }
    }
    if (typeof ResizeObserver !== "undefined") {
      new ResizeObserver(function () { window.requestAnimationFrame(follow); }).observe(box);
    } else {
      window.addEventListener("resize", follow);
    }
  }

  function start() {
    if (typeof Plotly === "undefined") return;  // the PNG stays
    document.querySelectorAll(".nndyn-interactive").forEach(setup);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
