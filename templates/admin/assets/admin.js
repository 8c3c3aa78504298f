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

// An image upload (a form with data-upload-start): the one place the admin needs a script, as the browser posts
// the file straight to storage. The app signs an upload for this file's type and size, the file goes to storage
// with a progress bar, then the form submits the image's key and alt text to the app.
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!form.dataset || !form.dataset.uploadStart) return;
  event.preventDefault();
  const input = document.querySelector(`[data-upload-file][form="${form.id}"]`);
  const file = input && input.files[0];
  const failed = (message) => {
    const error = document.querySelector("[data-upload-error]");
    error.textContent = message;
    error.hidden = false;
    for (const button of document.querySelectorAll(`button[form="${form.id}"]`)) {
      button.disabled = false;
      button.removeAttribute("aria-busy");
      if (button.dataset.label) button.textContent = button.dataset.label;
    }
  };
  if (!file) {
    form.submit(); // the app answers with the form's error: choose a file
    return;
  }
  const asked = new URLSearchParams({
    csrf_token: form.elements.csrf_token.value,
    filename: file.name,
    content_type: file.type,
    size: String(file.size),
  });
  fetch(form.dataset.uploadStart, { method: "POST", body: asked, credentials: "same-origin" })
    .then((answer) => answer.json().then((body) => ({ ok: answer.ok, body })))
    .then(({ ok, body }) => {
      if (!ok) throw new Error(body.message || "The upload could not start.");
      return send(body, file).then(() => {
        form.elements.key.value = body.key;
        form.submit();
      });
    })
    .catch((error) => failed(error.message));
});

function send(started, file) {
  const progress = document.querySelector("[data-upload-progress]");
  const bar = progress.querySelector("progress");
  progress.hidden = false;
  const data = new FormData();
  for (const [name, value] of Object.entries(started.upload.fields)) data.append(name, value);
  data.append("file", file);
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open("POST", started.upload.url);
    request.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable) bar.value = Math.round((100 * event.loaded) / event.total);
    });
    request.addEventListener("load", () =>
      request.status < 300 ? resolve() : reject(new Error(storageError(request.responseText))),
    );
    request.addEventListener("error", () => reject(new Error("The upload failed: check the connection and try again.")));
    request.send(data);
  });
}

function storageError(text) {
  const message = /<Message>([^<]*)<\/Message>/.exec(text || "");
  return `Storage refused the file${message ? `: ${message[1]}` : "."}`;
}
