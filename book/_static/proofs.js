// Proofs that fold (issue 24: a reader wants to skip a long proof and come back to it).
// Every proof of sphinx-proof (a `prf:proof` directive: <div class="proof admonition"
// id="proof-N">, or "proof" on a page with one proof; numbered by scripts/nndyn_book.py's unique_ids) gets a button, "Hide proof" / "Show proof", at its top; the proof is open
// when the page loads. The button is a native <button> (Tab, then Enter or Space), with
// aria-expanded and aria-controls, and an accessible name that says whose proof it is
// ("Hide proof of Lemma 6.2"). A link into a folded proof (an equation label) unfolds it,
// and printing shows every proof (book/_static/layout.css). The PDF and the chapter
// notebooks are made from the sources and have no button: their proofs are printed in full.
//
// Why not sphinx-togglebutton (which jupyter-book ships): its admonition toggle puts its
// button into the box's ".admonition-title", which a proof does not have (the script stops
// with a TypeError), and it keys each box by its id, which sphinx-proof makes "proof" for
// every proof of a page, so every button would fold the first proof.
(function () {
  "use strict";
  var BOXES = ".bd-article div.proof.admonition";  // statements and proofs
  var PROOF_ID = /^proof(-\d+)?$/;  // "proof" when a page has one proof

  // "Lemma 6.2": the number of the statement the proof follows (its box comes just before,
  // possibly after the ledger line under it), or "" if there is none.
  function statementName(proof) {
    var before = proof.previousElementSibling;
    for (var i = 0; before && i < 3; i++, before = before.previousElementSibling) {
      if (before.matches("div.proof.admonition") && !PROOF_ID.test(before.id)) {
        var number = before.querySelector(".admonition-title .caption-number");
        return number ? number.textContent.trim() : "";
      }
    }
    return "";
  }

  function setOpen(button, body, open) {
    body.hidden = !open;
    button.setAttribute("aria-expanded", open ? "true" : "false");
    var verb = open ? "Hide" : "Show";
    button.querySelector(".nndyn-proof-toggle-text").textContent = verb + " proof";
    var whose = button.dataset.nndynStatement;
    button.setAttribute("aria-label", verb + " proof" + (whose ? " of " + whose : ""));
    button.closest(".nndyn-proof").classList.toggle("nndyn-proof-folded", !open);
  }

  function makeFoldable(proof, index) {
    if (proof.classList.contains("nndyn-proof")) return;
    var body = document.createElement("div");
    body.className = "nndyn-proof-body";
    body.id = "nndyn-proof-body-" + (index + 1);
    while (proof.firstChild) body.appendChild(proof.firstChild);
    var button = document.createElement("button");
    button.type = "button";
    button.className = "nndyn-proof-toggle d-print-none";
    button.setAttribute("aria-controls", body.id);
    button.dataset.nndynStatement = statementName(proof);
    var chevron = document.createElement("span");
    chevron.className = "nndyn-proof-chevron";
    chevron.setAttribute("aria-hidden", "true");
    var text = document.createElement("span");
    text.className = "nndyn-proof-toggle-text";
    button.append(chevron, text);
    proof.classList.add("nndyn-proof");
    proof.append(button, body);
    setOpen(button, body, true);
    button.addEventListener("click", function () {
      setOpen(button, body, body.hidden);
    });
  }

  // A link to a place inside a folded proof (an equation of the proof) unfolds it.
  function unfoldTarget() {
    if (!window.location.hash) return;
    var target = document.getElementById(decodeURIComponent(window.location.hash.slice(1)));
    var body = target && target.closest(".nndyn-proof-body");
    if (body && body.hidden) {
      setOpen(body.parentNode.querySelector(".nndyn-proof-toggle"), body, true);
      target.scrollIntoView();
    }
  }

  function start() {
    Array.prototype.filter.call(document.querySelectorAll(BOXES), function (box) {
      return PROOF_ID.test(box.id);
    }).forEach(makeFoldable);
    window.addEventListener("hashchange", unfoldTarget);
    document.documentElement.dataset.nndynProofs = "done";  // read by the tests
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
