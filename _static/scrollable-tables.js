// A table wider than the column scrolls sideways; keyboard users reach the scroll only if its
// container takes focus (WCAG 2.1.1, axe's scrollable-region-focusable). Named as a region.
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll(".pst-scrollable-table-container").forEach((box) => {
    if (box.scrollWidth > box.clientWidth) {
      box.tabIndex = 0;
      box.setAttribute("role", "region");
      const caption = box.querySelector("caption");
      box.setAttribute("aria-label", caption ? caption.innerText : "Table (scrolls sideways)");
    }
  });
});
