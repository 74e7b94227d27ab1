// The outbox (and inbox) tables of @trio/events, in the profiles schema.
export { down, up } from '@trio/events/migration';
