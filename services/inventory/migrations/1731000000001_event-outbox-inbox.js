// The outbox (and inbox) tables of @trio/events, in the inventory's schema.
export { down, up } from '@trio/events/migration';
