// Order page (return_form.html): starts a return. The items chosen, the reason, the resolution and the shopper's
// email go to the returns API (data-returns-api); the new return's page (data-returns-page + id) opens. What it
// says in the page's language is the form's data-messages; the API's own messages name a bad field.
(() => {
  const form = document.getElementById("return-form");
  if (!form || !window.fetch) return;
  const t = JSON.parse(form.dataset.messages);
  const status = document.getElementById("return-status");
  const button = document.getElementById("return-button");
  const say = (text, isError) => { status.textContent = text; status.classList.toggle("is-error", !!isError); };
  const mark = (id, text) => {
    const el = document.getElementById(id), err = document.getElementById(id + "-error");
    if (el) el.setAttribute("aria-invalid", "true");
    if (err) { err.textContent = text; err.hidden = false; }
    if (el && el.focus) el.focus();
  };
  const clear = () => {
    form.querySelectorAll("[aria-invalid]").forEach((el) => el.removeAttribute("aria-invalid"));
    form.querySelectorAll(".field-error").forEach((el) => { el.hidden = true; el.textContent = ""; });
  };
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clear();
    const items = Array.from(form.querySelectorAll("select[data-variant]"))
      .filter((s) => Number(s.value) > 0)
      .map((s) => ({variant_id: JSON.parse(s.dataset.variant), quantity: Number(s.value)}));
    const reason = form.elements.reason.value.trim(), email = form.elements.email.value.trim();
    if (!items.length) { mark("return-items", t.choose); say(t.choose, true); return; }
    if (!reason) { mark("return-reason", t.missing); return; }
    if (!email) { mark("return-email", t.missing); return; }
    button.disabled = true;
    say(t.sending);
    try {
      const res = await fetch(form.dataset.returnsApi, {
        method: "POST", credentials: "same-origin",
        headers: {"Content-Type": "application/json", "Accept": "application/json"},
        body: JSON.stringify({email, items, reason, resolution: form.elements.resolution.value}),
      });
      const data = await res.json().catch(() => ({}));
      if (res.ok && data.id) { location.href = form.dataset.returnsPage + encodeURIComponent(data.id); return; }
      say(data.message || t.failed, true);
      const field = Object.keys(data.fields || {})[0] || "";
      if (field === "email") mark("return-email", data.fields[field]);
      else if (field === "reason") mark("return-reason", data.fields[field]);
    } catch (e) { say(t.offline, true); }
    button.disabled = false;
  });
})();
