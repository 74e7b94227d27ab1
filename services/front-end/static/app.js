// The storefront's only script, and an optional one: every page works without it. It (1) re-prices
// shipping on the checkout page as the address changes, (2) keeps the "Place order" button from
// being pressed twice, (3) reloads a pending order's page when the order moves on. No inline
// script anywhere: the Content-Security-Policy allows scripts from /static only.
(() => {
  document.documentElement.classList.add('js');

  const moneyFormats = new Map();
  function formatMoney(money) {
    let format = moneyFormats.get(money.currency);
    if (format === undefined) {
      format = new Intl.NumberFormat('en-IE', { style: 'currency', currency: money.currency });
      moneyFormats.set(money.currency, format);
    }
    const digits = format.resolvedOptions().maximumFractionDigits ?? 2;
    return format.format(money.amount / 10 ** digits);
  }

  function daysText(days) {
    if (days.min === days.max) return `${days.min} business day${days.min === 1 ? '' : 's'}`;
    return `${days.min}–${days.max} business days`;
  }

  // Same stand-in as the server's: quotes depend on the country only, but must name a postal code.
  const postalCodeStandIn = '00000';

  function enhanceCheckout(form) {
    const country = form.querySelector('select[name="country"]');
    const postalCode = form.querySelector('input[name="postalCode"]');
    const note = form.querySelector('[data-shipping-note]');
    // Prices follow the address live, so the no-script "Update shipping prices" button goes (and
    // with it its claim to be the form's default button when Enter is pressed).
    for (const button of form.querySelectorAll('.no-js-only')) button.remove();

    let latest = 0;
    async function requote() {
      const request = ++latest;
      const typed = postalCode.value.trim();
      const destination = {
        country: country.value,
        postalCode: typed === '' || typed.length > 20 ? postalCodeStandIn : typed,
      };
      let reply;
      try {
        reply = await fetch('/api/checkout/quote', {
          method: 'POST',
          credentials: 'same-origin',
          headers: { 'content-type': 'application/json', accept: 'application/json' },
          body: JSON.stringify({ destination }),
        });
      } catch {
        reply = undefined;
      }
      if (request !== latest) return;
      const body = reply?.ok ? await reply.json().catch(() => undefined) : undefined;
      for (const price of form.querySelectorAll('[data-shipping-price]')) price.textContent = '';
      for (const days of form.querySelectorAll('[data-shipping-days]')) days.textContent = '';
      if (body === undefined || !Array.isArray(body.options)) {
        note.textContent =
          reply?.status === 400
            ? 'We cannot ship to this country. Choose another one.'
            : 'Shipping prices are not available right now. The price is added when you place the order.';
        return;
      }
      note.textContent = '';
      for (const option of body.options) {
        const price = form.querySelector(`[data-shipping-price="${option.service}"]`);
        const days = form.querySelector(`[data-shipping-days="${option.service}"]`);
        if (price) price.textContent = formatMoney(option.price);
        if (days) days.textContent = `(${daysText(option.estimatedDays)})`;
      }
    }
    country?.addEventListener('change', requote);
    postalCode?.addEventListener('change', requote);

    let submitted = false;
    form.addEventListener('submit', (event) => {
      if (submitted) {
        event.preventDefault();
        return;
      }
      submitted = true;
      const button = form.querySelector('[data-place-order]');
      if (button) {
        button.disabled = true;
        button.textContent = 'Placing order…';
      }
    });
    // Coming back with the browser's back button shows the page from its cache: make it usable.
    window.addEventListener('pageshow', (event) => {
      if (!event.persisted) return;
      submitted = false;
      const button = form.querySelector('[data-place-order]');
      if (button) {
        button.disabled = false;
        button.textContent = 'Place order';
      }
    });
  }

  function pollPendingOrder(order) {
    const id = order.dataset.orderId;
    const started = Date.now();
    const timer = setInterval(async () => {
      // A saga that takes this long has a sweeper behind it; stop asking, the Refresh link stays.
      if (Date.now() - started > 5 * 60_000) {
        clearInterval(timer);
        return;
      }
      try {
        const reply = await fetch(`/api/orders/${encodeURIComponent(id)}`, {
          credentials: 'same-origin',
          headers: { accept: 'application/json' },
        });
        if (!reply.ok) return;
        const body = await reply.json();
        if (body.status !== 'pending') {
          clearInterval(timer);
          window.location.reload();
        }
      } catch {
        // The next tick tries again.
      }
    }, 2000);
  }

  function start() {
    const checkoutForm = document.querySelector('form[data-checkout]');
    if (checkoutForm) enhanceCheckout(checkoutForm);
    const pending = document.querySelector('[data-order-status="pending"][data-order-id]');
    if (pending) pollPendingOrder(pending);
    // A form sent back with errors: take keyboard and screen reader users straight to the summary.
    const problem = document.querySelector('.error-summary, .alert[tabindex="-1"]');
    if (problem) problem.focus();
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
