// Saves each answer as it is given, so a reload or a dropped connection loses nothing.
// The form still works without this script: answers are sent with the final submit.
document.addEventListener("DOMContentLoaded", () => {
  const form = document.querySelector("form[data-draft-url]");
  if (!form) return;
  const token = document.querySelector('meta[name="csrf-token"]').content;
  const summary = document.querySelector(".summary");
  if (summary) summary.focus();
  form.addEventListener("change", (event) => {
    const input = event.target;
    if (input.type !== "radio" || !input.name.startsWith("item-")) return;
    const body = {};
    body[input.name.slice(5)] = Number(input.value);
    fetch(form.dataset.draftUrl, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": token },
      body: JSON.stringify(body),
      credentials: "same-origin",
    }).catch(() => {});
  });
});
