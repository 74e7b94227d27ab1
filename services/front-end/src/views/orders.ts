// The customer's orders: the list, and one order with its lines, totals and history. A pending
// order page carries its id and status as data attributes for app.js to poll; without script it
// offers a "Refresh" link.
import type { Order } from '@trio/contracts/billing';
import { failureText, formatDateTime, formatMoney, historyText, statusText } from './format.ts';
import { html, type SafeHtml } from './html.ts';

export function orderPath(id: string): string {
  return `/orders/${encodeURIComponent(id)}`;
}

export function invoicePath(id: string): string {
  return `/invoices/${encodeURIComponent(id)}`;
}

export function ordersPage(orders: readonly Order[]): SafeHtml {
  if (orders.length === 0) {
    return html`<h1>Your orders</h1>
<p>You have not placed an order yet.</p>
<p><a href="/">Start shopping</a></p>`;
  }
  return html`<h1>Your orders</h1>
<div class="table-scroll">
<table class="orders">
  <caption class="visually-hidden">Your orders, newest first</caption>
  <thead><tr><th scope="col">Date</th><th scope="col">Order</th><th scope="col">Status</th><th scope="col" class="numeric">Total</th><th scope="col">Invoice</th></tr></thead>
  <tbody>${orders.map(
    (order) => html`<tr>
    <td><time datetime="${order.createdAt}">${formatDateTime(order.createdAt)}</time></td>
    <td><a href="${orderPath(order.id)}">Order ${order.id.slice(0, 8)}</a></td>
    <td><span class="status status--${order.status}">${statusText(order.status)}</span></td>
    <td class="numeric">${formatMoney(order.totals.total)}</td>
    <td>${order.invoiceId === undefined ? html`<span class="muted">None</span>` : html`<a href="${invoicePath(order.invoiceId)}">Invoice</a>`}</td>
  </tr>`,
  )}</tbody>
</table>
</div>`;
}

function orderHeading(order: Order): SafeHtml {
  switch (order.status) {
    case 'confirmed':
      return html`<h1>Order confirmed</h1>
<p class="lead">Thank you! We have your order and will send it soon.</p>`;
    case 'pending':
      return html`<h1>Order pending</h1>
<p class="lead" aria-live="polite">We are still processing your order. This page updates by itself. <a href="${orderPath(order.id)}">Refresh</a></p>`;
    case 'failed':
      return html`<h1>Order failed</h1>
<div class="alert alert--error" role="alert"><p>${failureText(order.reason)}</p></div>`;
    default:
      return html`<h1>Order cancelled</h1>`;
  }
}

export function orderPage(order: Order): SafeHtml {
  const { totals } = order;
  const address = order.shipping.address;
  return html`<div class="order" data-order-id="${order.id}" data-order-status="${order.status}">
${orderHeading(order)}
<dl class="details">
  <dt>Order number</dt><dd data-testid="order-id">${order.id}</dd>
  <dt>Placed</dt><dd><time datetime="${order.createdAt}">${formatDateTime(order.createdAt)}</time></dd>
  <dt>Status</dt><dd>${statusText(order.status)}</dd>
${order.traceId !== undefined && html`<dt>Trace id</dt><dd><code data-testid="trace-id">${order.traceId}</code></dd>`}
</dl>
${order.invoiceId !== undefined && html`<p><a class="button button--secondary" href="${invoicePath(order.invoiceId)}">View invoice</a></p>`}
<section aria-labelledby="items-title">
  <h2 id="items-title">Items</h2>
  <div class="table-scroll">
  <table class="order-lines">
    <thead><tr><th scope="col">Product</th><th scope="col" class="numeric">Quantity</th><th scope="col" class="numeric">Price</th><th scope="col" class="numeric">Total</th></tr></thead>
    <tbody>${order.lines.map(
      (line) => html`<tr>
      <td>${line.name}</td>
      <td class="numeric">${line.qty}</td>
      <td class="numeric">${formatMoney(line.unitPrice)}</td>
      <td class="numeric">${formatMoney(line.lineTotal)}</td>
    </tr>`,
    )}</tbody>
    <tfoot>
      <tr><th scope="row" colspan="3">Subtotal</th><td class="numeric">${formatMoney(totals.subtotal)}</td></tr>
      <tr><th scope="row" colspan="3">Shipping (${order.shipping.service === 'express' ? 'Express' : 'Standard'})</th><td class="numeric">${formatMoney(totals.shipping)}</td></tr>
      <tr><th scope="row" colspan="3">VAT</th><td class="numeric">${formatMoney(totals.tax)}</td></tr>
      <tr class="total"><th scope="row" colspan="3">Total</th><td class="numeric">${formatMoney(totals.total)}</td></tr>
    </tfoot>
  </table>
  </div>
</section>
<section aria-labelledby="address-title">
  <h2 id="address-title">Delivery address</h2>
  <address>${address.name}<br>${address.line1}<br>${address.line2 !== undefined && html`${address.line2}<br>`}${address.postalCode} ${address.city}<br>${address.country}</address>
</section>
<section aria-labelledby="history-title">
  <h2 id="history-title">History</h2>
  <ol class="history">${order.history.map(
    (entry) =>
      html`<li><span>${historyText(entry.state)}</span> <time class="muted" datetime="${entry.at}">${formatDateTime(entry.at)}</time></li>`,
  )}</ol>
</section>
<p><a href="/orders">All your orders</a></p>
</div>`;
}
