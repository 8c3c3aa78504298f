// Product page (product.html): the variant picker shows the chosen variant's price and stock, and "Add to cart"
// adds to the shopper's cart (the `cart` cookie), starting one when there is none. The page's own URLs are
// the form's data- attributes, and what it says in the page's language is its data-messages.
(() => {
  const form = document.getElementById("add-to-cart");
  if (!form || !window.fetch) return;
  const {cartsApi, cartPage, cookiePath} = form.dataset;
  const t = JSON.parse(form.dataset.messages);
  const select = form.elements.variant_id, qty = form.elements.quantity;
  const price = document.getElementById("price"), stock = document.getElementById("stock");
  const status = document.getElementById("cart-status"), button = document.getElementById("add-button");
  const label = button.textContent;
  const sync = () => {
    const o = select.options[select.selectedIndex];
    if (!o) return;
    price.textContent = o.dataset.price;
    const left = Number(o.dataset.available);
    stock.hidden = !(left > 0 && left <= 5);
    stock.textContent = t.only_left.replace("{count}", left);
  };
  select.addEventListener("change", sync);
  sync();
  const say = (text, isError) => { status.textContent = text; status.classList.toggle("is-error", !!isError); };
  const readCart = () => (document.cookie.match(/(?:^|;\s*)cart=([^;]*)/) || [])[1];
  const saveCart = (id) => {
    document.cookie = "cart=" + encodeURIComponent(id) + "; path=" + cookiePath + "; max-age=2592000; SameSite=Lax" + (location.protocol === "https:" ? "; Secure" : "");
  };
  const post = (url, body) => fetch(url, {
    method: "POST", credentials: "same-origin",
    headers: {"Content-Type": "application/json", "Accept": "application/json"},
    body: JSON.stringify(body),
  });
  const message = async (res, fallback) => {
    try { const data = await res.json(); return data.message || fallback; } catch (e) { return fallback; }
  };
  const newCart = async () => {
    const res = await post(cartsApi, {});
    if (!res.ok) throw new Error(await message(res, t.cart_failed));
    const cart = await res.json();
    saveCart(cart.id);
    return cart.id;
  };
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const option = select.options[select.selectedIndex];
    const item = {variant_id: JSON.parse(option.dataset.id), quantity: parseInt(qty.value, 10) || 1};
    button.disabled = true;
    button.textContent = t.adding;
    say("");
    try {
      let id = readCart() ? decodeURIComponent(readCart()) : await newCart();
      let res = await post(cartsApi + "/" + encodeURIComponent(id) + "/items", item);
      // A cart that is gone (404) or already checked out (409, fields.cart) is replaced by a new one.
      const done = res.status === 409 && ((await res.clone().json().catch(() => ({}))).fields || {}).cart === "checked out";
      if (res.status === 404 || done) {
        id = await newCart();
        res = await post(cartsApi + "/" + encodeURIComponent(id) + "/items", item);
      }
      if (res.ok) {
        say(t.added);
        location.href = cartPage;
        return;
      }
      say(await message(res, res.status === 409 ? t.not_enough : t.failed), true);
    } catch (e) {
      say(e instanceof TypeError ? t.offline : e.message, true);
    }
    button.disabled = false;
    button.textContent = label;
  });
})();
