// Progressive enhancement only: the page works without it.
document.addEventListener("DOMContentLoaded", () => {
  const box = document.getElementById("q");
  if (box && !box.value) box.focus();
  document.addEventListener("keydown", (event) => {
    const typing = ["INPUT", "TEXTAREA"].includes(document.activeElement.tagName);
    if (event.key === "/" && !typing && box) {
      event.preventDefault();
      box.focus();
      box.select();
    }
  });
});
