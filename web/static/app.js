// Progressive enhancement only: the page works without it.
document.addEventListener("DOMContentLoaded", () => {
  const box = document.getElementById("q");
  if (box && !box.value && document.body.classList.contains("home")) box.focus();
  document.addEventListener("keydown", (event) => {
    const el = document.activeElement;
    const typing = el && (["INPUT", "TEXTAREA", "SELECT"].includes(el.tagName) || el.isContentEditable);
    if (event.key === "/" && !typing && box && !event.ctrlKey && !event.metaKey && !event.altKey) {
      event.preventDefault();
      box.focus();
      box.select();
    }
  });
  // On the source view, move keyboard focus to the cited passage the page scrolled to.
  const cited = window.location.hash && document.getElementById(window.location.hash.slice(1));
  if (cited && cited.classList.contains("cited")) cited.focus({ preventScroll: true });
});
