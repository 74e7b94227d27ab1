// The outbox (and inbox) tables of @trio/events, in billing's schema.
export { down, up } from '@trio/events/migration';
