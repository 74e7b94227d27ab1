// How the pages word and format the shop's values: money, dates, stock, order states and the
// reasons an order failed, in one place so that every page says them the same way.
import type { FailureReason, OrderStatus } from '@trio/contracts/billing';
import { formatMoney } from '@trio/contracts/common';
import type { StockStatus } from '@trio/contracts/front-end';

export { formatMoney };

// Servers run in UTC in production; saying so keeps the time honest for every shopper.
const dateFormat = new Intl.DateTimeFormat('en-IE', {
  dateStyle: 'medium',
  timeStyle: 'short',
  timeZone: 'UTC',
});

export function formatDateTime(iso: string): string {
  return `${dateFormat.format(new Date(iso))} UTC`;
}

export function stockText(stock: { status: StockStatus; available?: number | undefined }): string {
  switch (stock.status) {
    case 'in_stock':
      return 'In stock';
    case 'low_stock':
      return `Only ${stock.available ?? 'a few'} left`;
    case 'out_of_stock':
      return 'Out of stock';
    default:
      return 'Availability unknown';
  }
}

export function estimatedDaysText(days: { min: number; max: number }): string {
  if (days.min === days.max) return `${days.min} business day${days.min === 1 ? '' : 's'}`;
  return `${days.min}–${days.max} business days`;
}

const reasons: Record<FailureReason, string> = {
  payment_declined: 'Your card was declined.',
  insufficient_funds: 'Your card has insufficient funds.',
  expired_card: 'Your card has expired.',
  payment_error: 'The payment could not be processed. Please try again.',
  out_of_stock: 'Some items are no longer in stock.',
  unknown_product: 'Some items are no longer sold.',
  shipping_unavailable: 'We cannot ship to this address.',
  timeout: 'Something went wrong on our side. Please try again.',
  internal_error: 'Something went wrong on our side. Please try again.',
};

export function failureText(reason: FailureReason | undefined): string {
  return reason === undefined ? reasons.internal_error : reasons[reason];
}

const statuses: Record<OrderStatus, string> = {
  pending: 'Pending',
  confirmed: 'Confirmed',
  failed: 'Failed',
  cancelled: 'Cancelled',
};

export function statusText(status: OrderStatus): string {
  return statuses[status];
}

/** A saga step or shipment event, as a customer reads it in the order's history. */
export function historyText(state: string): string {
  const words: Record<string, string> = {
    pending: 'Order received',
    stock_reserved: 'Items reserved',
    shipping_quoted: 'Shipping priced',
    payment_authorized: 'Payment authorized',
    confirmed: 'Order confirmed',
    paid: 'Payment taken',
    invoiced: 'Invoice issued',
    compensating: 'Cancelling',
    failed: 'Order failed',
    cancelled: 'Order cancelled',
    shipment_created: 'Shipment created',
    shipment_dispatched: 'Dispatched',
    shipment_delivered: 'Delivered',
  };
  return words[state] ?? state;
}
