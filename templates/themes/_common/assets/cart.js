// Cart page (cart.html): quantity changes and removals, then checkout: start it, poll the checkout until it
// has a payment page (or an order, or a failure to explain) and go there. The page's own URLs are the
// checkout form's data- attributes, and what it says in the page's language is its data-messages.
(() => {
  if (!window.fetch) return;
  const form = document.getElementById("checkout");
  if (!form) return;
  const {cartApi, checkoutsApi, ordersPage} = form.dataset;
  const t = JSON.parse(form.dataset.messages);
  const cartStatus = document.getElementById("cart-status");
  const status = document.getElementById("checkout-status");
  const button = document.getElementById("checkout-button");
  const label = button.textContent;
  const say = (el, text, kind) => {
    el.textContent = text;
    el.classList.toggle("is-error", kind === "error");
    el.classList.toggle("is-busy", kind === "busy");
  };
  const send = (method, url, body) => fetch(url, {
    method, credentials: "same-origin",
    headers: {"Content-Type": "application/json", "Accept": "application/json"},
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = async (res) => { try { return await res.json(); } catch (e) { return {}; } };

  // Quantity changes and removals.
  document.querySelectorAll(".cart-line").forEach((row) => {
    const input = row.querySelector(".line-qty");
    const update = async (quantity) => {
      row.setAttribute("aria-busy", "true");
      say(cartStatus, t.updating, "busy");
      try {
        const res = await send("PATCH", cartApi + "/items/" + encodeURIComponent(JSON.parse(row.dataset.variant)), {quantity});
        if (res.ok) { location.reload(); return; }
        say(cartStatus, (await json(res)).message || t.update_failed, "error");
      } catch (e) { say(cartStatus, t.offline, "error"); }
      input.value = input.defaultValue;
      row.removeAttribute("aria-busy");
    };
    input.addEventListener("change", () => {
      const n = parseInt(input.value, 10);
      if (Number.isInteger(n) && n >= 0 && String(n) !== input.defaultValue) update(n);
    });
    row.querySelector(".line-remove").addEventListener("click", () => update(0));
  });

  // Checkout.
  const reasons = ["out_of_stock", "payment_failed", "payment_declined", "expired", "invalid_discount"];
  const reasonText = (reason, status) => t[reasons.find((r) => r === reason || r === status)] || t.failed;
  const clearErrors = () => form.querySelectorAll("[aria-invalid]").forEach((el) => {
    el.removeAttribute("aria-invalid");
    const err = document.getElementById(el.id + "-error");
    if (err) { err.hidden = true; err.textContent = ""; }
  });
  const markErrors = (fields) => {
    let first = null;
    Object.entries(fields || {}).forEach(([key, text]) => {
      const el = form.elements[key.split(".").pop()];
      if (!el || !el.id) return;
      el.setAttribute("aria-invalid", "true");
      const err = document.getElementById(el.id + "-error");
      if (err) { err.textContent = text; err.hidden = false; }
      first = first || el;
    });
    if (first) first.focus();
  };
  const fail = (text) => {
    say(status, text, "error");
    button.disabled = false;
    button.textContent = label;
  };
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  const poll = async (id) => {
    const started = Date.now();
    while (Date.now() - started < 120000) {
      await sleep(500);
      let data;
      try {
        const res = await send("GET", checkoutsApi + encodeURIComponent(id));
        if (!res.ok) continue;
        data = await res.json();
      } catch (e) { continue; }
      if (data.status === "awaiting_payment" && data.payment_url) { location.href = data.payment_url; return; }
      if (data.status === "paid") { location.href = ordersPage + encodeURIComponent(data.order_id); return; }
      if (data.status === "failed" || data.status === "expired") { fail(reasonText(data.failure_reason, data.status)); return; }
    }
    fail(t.slow);
  };
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors();
    const missing = Array.from(form.querySelectorAll("[required]")).filter((el) => !el.checkValidity());
    if (missing.length) {
      markErrors(Object.fromEntries(missing.map((el) => [el.name, el.validity.typeMismatch ? t.invalid_email : t.missing])));
      say(status, t.check_fields, "error");
      return;
    }
    const v = (name) => form.elements[name].value.trim();
    const body = {
      email: v("email"),
      shipping_address: {name: v("name"), line1: v("line1"), city: v("city"), postal_code: v("postal_code"), country: v("country")},
    };
    if (v("discount_code")) body.discount_code = v("discount_code");
    if (form.dataset.language) body.language = form.dataset.language;
    button.disabled = true;
    button.textContent = t.placing;
    say(status, t.reserving, "busy");
    try {
      const res = await send("POST", cartApi + "/checkout", body);
      const data = await json(res);
      if (res.status === 202 || (res.ok && data.checkout_id)) { await poll(data.checkout_id); return; }
      markErrors(data.fields);
      fail(data.message || t.start_failed);
    } catch (e) { fail(t.offline); }
  });
})();
