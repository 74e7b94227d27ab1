// AMQP headers of the bus. The first two repeat envelope fields (see EventHeaders in the
// contracts); the x-trio-* ones are written by consumers on deliveries they retry or dead-letter,
// and read by the DLQ tool.
export const correlationIdHeader = 'x-correlation-id';
export const traceparentHeader = 'traceparent';

export const trioHeaders = {
  /** Failed handler attempts so far. */
  attempts: 'x-trio-attempts',
  /** Why the message is in the DLQ: a DeadLetterReason. */
  deadReason: 'x-trio-dead-reason',
  /** The validation problem or the handler's last error. */
  error: 'x-trio-error',
  deadLetteredAt: 'x-trio-dead-lettered-at',
  /** The queue the message was consumed from. */
  queue: 'x-trio-queue',
  /** How many times the DLQ tool replayed the message. */
  replays: 'x-trio-replays',
} as const;

export type DeadLetterReason = 'invalid_event' | 'unhandled_type' | 'handler_failed';
