// The simulated card processor: the test card numbers of the public payment sandboxes, and the
// brand and last four digits that are all that is kept of a card.
import type { CardInput, PaymentFailureCode, StoredCard } from '@trio/contracts/payment';

export type Verdict = { approved: true } | { approved: false; code: PaymentFailureCode; message: string };

const approved: Verdict = { approved: true };

const testCards: Record<string, Verdict | 'slow'> = {
  '4242424242424242': approved,
  '4000000000000002': { approved: false, code: 'card_declined', message: 'The card was declined' },
  '4000000000009995': {
    approved: false,
    code: 'insufficient_funds',
    message: 'The card has insufficient funds',
  },
  '4000000000000119': {
    approved: false,
    code: 'processing_error',
    message: 'An error occurred while processing the card; try again',
  },
  '4000000000003220': 'slow',
};

export function brandOf(number: string): StoredCard['brand'] {
  const prefix = (length: number) => Number(number.slice(0, length));
  if (number.startsWith('4')) return 'visa';
  if ((prefix(2) >= 51 && prefix(2) <= 55) || (prefix(4) >= 2221 && prefix(4) <= 2720)) return 'mastercard';
  if (number.startsWith('34') || number.startsWith('37')) return 'amex';
  if (number.startsWith('6011') || number.startsWith('65') || (prefix(3) >= 644 && prefix(3) <= 649)) {
    return 'discover';
  }
  return 'unknown';
}

/** A card is valid through the last day of its expiry month. */
export function isExpired(card: { expMonth: number; expYear: number }, now: Date): boolean {
  const year = now.getUTCFullYear();
  return card.expYear < year || (card.expYear === year && card.expMonth < now.getUTCMonth() + 1);
}

const expired: Verdict = { approved: false, code: 'expired_card', message: 'The card has expired' };

/** What the processor says to a new card; any number not listed (and passing Luhn) is approved. */
export async function authorizeCard(card: CardInput, slowCardDelayMs: number): Promise<Verdict> {
  if (isExpired(card, new Date())) return expired;
  const verdict = testCards[card.number] ?? approved;
  if (verdict !== 'slow') return verdict;
  await new Promise((resolve) => setTimeout(resolve, slowCardDelayMs));
  return approved;
}

/** A card on file was approved once; only its expiry can change the answer. */
export function authorizeStoredCard(card: { expMonth: number; expYear: number }): Verdict {
  return isExpired(card, new Date()) ? expired : approved;
}
