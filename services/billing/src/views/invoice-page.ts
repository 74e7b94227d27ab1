// The invoice as a printable HTML page for people (programs read the JSON): self-contained, no
// script, no external asset, every value escaped.
import type { Invoice } from '@trio/contracts/billing';
import { formatMoney } from '@trio/contracts/common';
import escapeHtml from 'escape-html';

const styles = `
  body { font: 15px/1.5 system-ui, sans-serif; color: #1b1b1b; max-width: 48rem; margin: 2rem auto; padding: 0 1rem; }
  header { display: flex; justify-content: space-between; align-items: baseline; border-bottom: 2px solid #1b1b1b; }
  h1 { font-size: 1.6rem; margin: 0 0 .5rem; }
  address { font-style: normal; margin: 1.5rem 0; }
  table { width: 100%; border-collapse: collapse; margin-top: 1rem; }
  th, td { padding: .4rem .5rem; text-align: left; border-bottom: 1px solid #ccc; }
  td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
  tfoot td { border: 0; }
  tfoot tr.total td { font-weight: bold; border-top: 2px solid #1b1b1b; }
  .visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
  @media print { body { margin: 0; max-width: none; } a { display: none; } }`;

/** A self-contained printable page: no script, no external asset, every value escaped. */
export function renderInvoiceHtml(invoice: Invoice, customer: { email: string } | undefined): string {
  const e = escapeHtml;
  const address = invoice.billingAddress;
  const addressLines = [
    address.name,
    address.line1,
    address.line2,
    `${address.postalCode} ${address.city}`,
    address.country,
  ].filter((line): line is string => line !== undefined);
  const rows = invoice.lines
    .map(
      (line) => `
        <tr><td>${e(line.name)}<br><small>${e(line.sku)}</small></td><td class="num">${line.qty}</td>
          <td class="num">${e(formatMoney(line.unitPrice))}</td><td class="num">${e(formatMoney(line.lineTotal))}</td></tr>`,
    )
    .join('');
  const rate = `${(invoice.taxRateBasisPoints / 100).toFixed(2).replace(/\.?0+$/, '')} %`;
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Invoice ${e(invoice.number)} · Trio Shop</title>
  <style>${styles}</style>
</head>
<body>
  <main>
    <header><h1>Invoice ${e(invoice.number)}</h1><span>Trio Shop</span></header>
    <p>Issued <time datetime="${e(invoice.issuedAt)}">${e(invoice.issuedAt.slice(0, 10))}</time>
      for order <code>${e(invoice.orderId)}</code></p>
    <address aria-label="Billing address">${addressLines.map(e).join('<br>')}${
      customer === undefined ? '' : `<br>${e(customer.email)}`
    }</address>
    <table>
      <caption class="visually-hidden">Invoice lines</caption>
      <thead><tr><th scope="col">Item</th><th scope="col" class="num">Qty</th>
        <th scope="col" class="num">Unit price</th><th scope="col" class="num">Amount</th></tr></thead>
      <tbody>${rows}
      </tbody>
      <tfoot>
        <tr><td colspan="3">Subtotal</td><td class="num">${e(formatMoney(invoice.totals.subtotal))}</td></tr>
        <tr><td colspan="3">Shipping</td><td class="num">${e(formatMoney(invoice.totals.shipping))}</td></tr>
        <tr><td colspan="3">VAT ${e(rate)}</td><td class="num">${e(formatMoney(invoice.totals.tax))}</td></tr>
        <tr class="total"><td colspan="3">Total</td><td class="num">${e(formatMoney(invoice.totals.total))}</td></tr>
      </tfoot>
    </table>
  </main>
</body>
</html>
`;
}
