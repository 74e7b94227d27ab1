// The outbox (and inbox) tables of @trio/events, in the catalog's schema.
export { down, up } from '@trio/events/migration';
