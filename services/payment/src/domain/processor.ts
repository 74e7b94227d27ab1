// The simulated card processor: the test card numbers of the public payment sandboxes, and the
// brand and last four digits that are all that is kept of a card. A number maps to a behaviour,
// and the behaviour (with the expiry) decides the verdict: a stored card keeps its behaviour, not
// its number, so that its token answers exactly as the card itself did.
import type { CardInput, PaymentFailureCode, StoredCard } from '@trio/contracts/payment';

/** What the processor does with a card; the `cards.behaviour` column allows exactly these. */
export type CardBehaviour = 'approve' | 'card_declined' | 'insufficient_funds' | 'processing_error' | 'slow';

export type Verdict = { approved: true } | { approved: false; code: PaymentFailureCode; message: string };

/** A stored card as the processor sees it: never a number, only what decides the verdict. */
export interface CardOnFile extends StoredCard {
  behaviour: CardBehaviour;
}

const testCards: Record<string, CardBehaviour> = {
  '4242424242424242': 'approve',
  '4000000000000002': 'card_declined',
  '4000000000009995': 'insufficient_funds',
  '4000000000000119': 'processing_error',
  '4000000000003220': 'slow',
};

const refusals: Record<Exclude<CardBehaviour, 'approve' | 'slow'>, string> = {
  card_declined: 'The card was declined',
  insufficient_funds: 'The card has insufficient funds',
  processing_error: 'An error occurred while processing the card; try again',
};

/** Any number not listed (and passing Luhn) is approved. */
export function behaviourOf(number: string): CardBehaviour {
  return Object.hasOwn(testCards, number) ? testCards[number]! : 'approve';
}

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

/** What is kept of a card typed by a customer, under a new token; the number and CVC stop here. */
export function cardOnFile(card: CardInput): CardOnFile {
  return {
    token: `tok_${crypto.randomUUID().replaceAll('-', '')}`,
    brand: brandOf(card.number),
    last4: card.number.slice(-4),
    expMonth: card.expMonth,
    expYear: card.expYear,
    behaviour: behaviourOf(card.number),
  };
}

/** A card is valid through the last day of its expiry month. */
export function isExpired(card: { expMonth: number; expYear: number }, now: Date): boolean {
  const year = now.getUTCFullYear();
  return card.expYear < year || (card.expYear === year && card.expMonth < now.getUTCMonth() + 1);
}

const expired: Verdict = { approved: false, code: 'expired_card', message: 'The card has expired' };

/** The verdict on a behaviour and an expiry; an expired card is refused whatever its behaviour. */
export async function verdictFor(
  card: { behaviour: CardBehaviour; expMonth: number; expYear: number },
  slowCardDelayMs: number,
): Promise<Verdict> {
  if (isExpired(card, new Date())) return expired;
  switch (card.behaviour) {
    case 'approve':
      return { approved: true };
    case 'slow':
      await new Promise((resolve) => setTimeout(resolve, slowCardDelayMs));
      return { approved: true };
    default:
      return { approved: false, code: card.behaviour, message: refusals[card.behaviour] };
  }
}

/** What the processor says to a card as typed. */
export function authorizeCard(card: CardInput, slowCardDelayMs: number): Promise<Verdict> {
  const { expMonth, expYear } = card;
  return verdictFor({ behaviour: behaviourOf(card.number), expMonth, expYear }, slowCardDelayMs);
}

/** What the processor says to a card on file: the same as to the card it was stored from. */
export function authorizeStoredCard(card: CardOnFile, slowCardDelayMs: number): Promise<Verdict> {
  return verdictFor(card, slowCardDelayMs);
}
