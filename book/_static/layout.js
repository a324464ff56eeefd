// Wide content on a narrow screen (book/_static/layout.css): display equations, inline
// formulas, tables and outputs that are wider than their box scroll inside it, and such a box gets the class
// "nndyn-scrolls", which draws a shadow at each edge that hides content (the cue that there
// is more; data-nndyn-at says which edges), and a tab stop, so that a keyboard user can
// scroll it too. The marks follow the page's width (a phone turned, a window resized).
// A page with numbered figures also gets skip links to them (addFigureSkipLinks).
(function () {
  "use strict";
  var BOXES = 'mjx-container[display="true"], .pst-scrollable-table-container, .table-wrapper, .cell_output .output';
  // An inline formula's box: the theme (span.math {display: inline-flex; max-width: 100%;
  // overflow: hidden}) cut a formula wider than the column at its edge, with nothing to show it.
  var INLINE_MATH = ".bd-article span.math";

  // Whether a box holds more than it shows. An inline formula's glyphs (and MathJax's hidden
  // assistive MathML) stick out of their box by a few pixels in every formula, so for those
  // the typeset formula's width is compared with the box, not the box's scroll width.
  function overflows(box) {
    if (box.matches(INLINE_MATH)) {
      var formula = box.querySelector("mjx-container");
      return !!formula && formula.getBoundingClientRect().width > box.clientWidth + 1;
    }
    return box.scrollWidth > box.clientWidth + 1;
  }

  // Which edges hide content: "start" (scrolled to the left end), "middle" or "end".
  function edge(box) {
    if (box.scrollLeft <= 1) return "start";
    return box.scrollLeft + box.clientWidth >= box.scrollWidth - 1 ? "end" : "middle";
  }
  function onScroll(event) {
    event.currentTarget.dataset.nndynAt = edge(event.currentTarget);
  }

  function markScrollingBoxes() {
    document.querySelectorAll(BOXES + ", " + INLINE_MATH).forEach(function (box) {
      var scrolls = overflows(box);
      box.classList.toggle("nndyn-scrolls", scrolls);
      if (scrolls) {
        box.dataset.nndynAt = edge(box);
        if (!box.dataset.nndynListens) {
          box.addEventListener("scroll", onScroll, {passive: true});
          box.dataset.nndynListens = "yes";
        }
        // a tab stop: also where the page made the box focusable by script only
        // (tabindex="-1", as the theme's wrappers of Markdown-output tables are)
        var before = box.getAttribute("tabindex");
        if (before === null || Number(before) < 0) {
          box.dataset.nndynTabstop = before === null ? "none" : before;
          box.setAttribute("tabindex", "0");
        }
      } else if (box.dataset.nndynTabstop !== undefined) {
        if (box.dataset.nndynTabstop === "none") box.removeAttribute("tabindex");
        else box.setAttribute("tabindex", box.dataset.nndynTabstop);
        delete box.dataset.nndynTabstop;
      }
    });
    document.documentElement.dataset.nndynScrollMarks = "done";  // read by the tests
  }

  var timer = null;
  function later() {
    document.documentElement.dataset.nndynScrollMarks = "pending";
    if (timer) clearTimeout(timer);
    timer = setTimeout(markScrollingBoxes, 150);
  }

  // A static figure is a link to its own image at full size: on a phone the page shows it at
  // about 40 % of its width, and a reader taps it to read the tick labels.
  function addFigureZoomLinks() {
    document.querySelectorAll(".bd-article figure img").forEach(function (img) {
      if (img.closest("a") || img.closest(".nndyn-interactive")) return;
      var link = document.createElement("a");
      link.href = img.getAttribute("src");
      link.className = "nndyn-zoom";
      link.setAttribute("aria-label", "Open the figure at full size" + (img.alt ? ": " + img.alt.slice(0, 80) : ""));
      img.parentNode.insertBefore(link, img);
      link.appendChild(img);
    });
  }

  // Skip links to the figures of the page, after the theme's "Skip to main content": hidden
  // until a keyboard user tabs to them, they take the reader to a figure (and its controls)
  // without tabbing through every link of the text before it.
  function addFigureSkipLinks() {
    var figures = Array.from(document.querySelectorAll(".bd-article figure[id]")).filter(function (f) {
      return f.querySelector(".caption-number");
    });
    var skip = document.getElementById("pst-skip-link");
    if (!figures.length || !skip || document.querySelector(".nndyn-skip-figures")) return;
    var nav = document.createElement("nav");
    nav.className = "nndyn-skip-figures skip-link d-print-none";
    nav.setAttribute("aria-label", "Skip to a figure");
    figures.forEach(function (figure) {
      var link = document.createElement("a");
      link.href = "#" + figure.id;
      link.textContent = "Skip to " + figure.querySelector(".caption-number").textContent.trim().replace(/^Fig\./, "Figure");
      link.addEventListener("click", function () {
        // focus the figure, so that the next Tab goes to its first control
        if (!figure.hasAttribute("tabindex")) figure.setAttribute("tabindex", "-1");
        window.setTimeout(function () { figure.focus({preventScroll: false}); }, 0);
      });
      nav.append(link);
    });
    skip.after(nav);
  }

  // An experiment's name in a generated table (the Reproduce page's presets table) may break
  // after an underscore, and nowhere else: "cosine_gradient_information" would otherwise push
  // the table past the text column at 1280 px, or break mid-word ("classical_boun|ds").
  function breakNamesAtUnderscores() {
    document.querySelectorAll(".bd-article .cell_output table td:first-child span.pre").forEach(function (span) {
      var name = span.textContent;
      if (!/^[A-Za-z0-9_]+$/.test(name) || name.indexOf("_") < 0) return;
      span.textContent = "";
      name.split("_").forEach(function (part, i, parts) {
        span.append(part + (i < parts.length - 1 ? "_" : ""));
        if (i < parts.length - 1) span.append(document.createElement("wbr"));
      });
    });
  }

  function start() {
    breakNamesAtUnderscores();
    addFigureSkipLinks();
    addFigureZoomLinks();
    var typeset = (typeof MathJax !== "undefined" && MathJax.startup && MathJax.startup.promise) || Promise.resolve();
    typeset.catch(function () {}).then(function () {
      markScrollingBoxes();
      window.addEventListener("resize", later);
      var article = document.querySelector(".bd-article");
      if (article && typeof ResizeObserver !== "undefined") {
        new ResizeObserver(function () { window.requestAnimationFrame(later); }).observe(article);
      }
    });
  }
  document.documentElement.dataset.nndynScrollMarks = "pending";
  if (document.readyState === "complete") start();
  else window.addEventListener("load", start);
})();
