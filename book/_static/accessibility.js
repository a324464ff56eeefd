// Small accessibility repairs of the theme's markup, applied on every page once the
// theme's and the toggle buttons' own scripts have run.
function nndynRepairAccessibility() {
  // Controls whose aria-label omits their visible text (search "Ctrl+K", the colour-mode
  // switch, "Show code cell source"): the accessible name must contain what a sighted
  // user reads.
  document.querySelectorAll("button[aria-label], a[aria-label], summary[aria-label]").forEach((el) => {
    const visible = (el.innerText || "").replace(/\s+/g, " ").trim();
    const label = el.getAttribute("aria-label") || "";
    if (visible && !label.toLowerCase().includes(visible.toLowerCase())) {
      el.setAttribute("aria-label", visible);
    }
  });
  // Icons inside a labelled control are decorative: the control's label already names it.
  document.querySelectorAll("button[aria-label] svg, a[aria-label] svg").forEach((svg) => {
    svg.setAttribute("aria-hidden", "true");
    svg.removeAttribute("aria-labelledby");
    svg.removeAttribute("role");
    svg.querySelectorAll("title").forEach((t) => t.remove());
  });
  // sphinx-copybutton's buttons carry only a tooltip: name them.
  document.querySelectorAll("button.copybtn:not([aria-label])").forEach((el) => el.setAttribute("aria-label", "Copy the code"));
  // The bibliography's citation list says role="list" but holds doc-biblioentry items.
  document.querySelectorAll('.citation-list[role="list"]').forEach((el) => el.removeAttribute("role"));
}

// sphinx-togglebutton names every button "Toggle hidden content" (the "How this was computed"
// boxes, "In the package", the solutions): a screen reader's list of buttons could not tell
// them apart. Each is named by its box's title, "Show: <title>" while the box is folded and
// "Hide: <title>" while it is open, renamed whenever the box folds or opens.
function nndynNameToggleButtons() {
  document.querySelectorAll(".admonition.toggle > .admonition-title > button.toggle-button").forEach((button) => {
    const box = button.closest(".admonition.toggle");
    const title = (button.parentElement.textContent || "").replace(/\s+/g, " ").trim();
    const name = () => button.setAttribute("aria-label", (box.classList.contains("toggle-hidden") ? "Show: " : "Hide: ") + title);
    name();
    if (!button.dataset.nndynNamed) {
      button.dataset.nndynNamed = "yes";
      new MutationObserver(name).observe(box, {attributes: true, attributeFilter: ["class"]});
    }
  });
}
window.addEventListener("load", () => {
  nndynNameToggleButtons();
  nndynRepairAccessibility();
  setTimeout(nndynRepairAccessibility, 200);
});
