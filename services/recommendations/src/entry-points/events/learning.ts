// The handlers of the `recommendations.learning` subscription. The consumer has validated each
// event against its contract (an invalid one went to the DLQ) and passes the inbox transaction.
import type { SubscriptionHandlers } from '@trio/events/consumer';
import type pg from 'pg';
import { learnOrder, learnProduct } from '../../domain/learn.ts';

export const learningHandlers: SubscriptionHandlers<'recommendations.learning', pg.PoolClient> = {
  'product.created': (event, { tx }) => learnProduct(tx, event.payload),
  'product.updated': (event, { tx }) => learnProduct(tx, event.payload),
  'order.confirmed': (event, { tx }) => learnOrder(tx, event.payload),
};
