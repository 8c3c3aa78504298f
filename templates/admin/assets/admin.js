// The admin works without this file; it only adds comfort (progressive enhancement):
// - a form button with data-confirm asks first ("Delete this product?");
// - a submitted form's button shows progress and cannot be pressed twice;
// - an error summary takes the focus, so a screen reader reads it first;
// - a "select all" box (data-select-all="name") ticks every checkbox of that name.
document.addEventListener("submit", (event) => {
  const button = event.submitter;
  const question = button && button.dataset.confirm;
  if (question && !window.confirm(question)) {
    event.preventDefault();
    return;
  }
  if (button) {
    window.setTimeout(() => {
      button.setAttribute("aria-busy", "true");
      button.disabled = true;
      button.dataset.label = button.textContent;
      button.textContent = "Working…";
    }, 0);
  }
});

document.addEventListener("change", (event) => {
  const box = event.target;
  const name = box.dataset && box.dataset.selectAll;
  if (!name) return;
  for (const other of document.querySelectorAll(`input[type=checkbox][name="${name}"]`)) {
    other.checked = box.checked;
  }
});

window.addEventListener("pageshow", () => {
  for (const button of document.querySelectorAll("button[aria-busy=true]")) {
    button.disabled = false;
    button.removeAttribute("aria-busy");
    if (button.dataset.label) button.textContent = button.dataset.label;
  }
  const summary = document.querySelector("[data-focus]");
  if (summary) summary.focus();
});
