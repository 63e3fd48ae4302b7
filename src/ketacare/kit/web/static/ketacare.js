// Progressive enhancement only: every page works without this file.
// Move focus to the first error summary so screen readers announce it.
document.addEventListener("DOMContentLoaded", () => {
  const summary = document.querySelector(".summary");
  if (summary) summary.focus();
  for (const form of document.querySelectorAll("form[data-confirm]")) {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  }
});
