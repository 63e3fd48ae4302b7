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

// Countdown to the next due vital-sign reading ([data-due] is an ISO time); late turns red.
function updateDue() {
  for (const element of document.querySelectorAll("[data-due]")) {
    const seconds = Math.round((Date.parse(element.dataset.due) - Date.now()) / 1000);
    const span = Math.abs(seconds);
    const text = `${Math.floor(span / 60)}:${String(span % 60).padStart(2, "0")}`;
    element.textContent = seconds >= 0 ? `due in ${text}` : `late by ${text}`;
    element.classList.toggle("late", seconds < 0);
  }
}
document.addEventListener("DOMContentLoaded", () => {
  if (document.querySelector("[data-due]")) {
    updateDue();
    setInterval(updateDue, 1000);
  }
});
