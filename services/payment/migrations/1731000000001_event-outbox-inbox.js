// The outbox (and inbox) tables of @trio/events, in payment's schema.
export { down, up } from '@trio/events/migration';
