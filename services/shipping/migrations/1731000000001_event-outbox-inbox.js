// The outbox (and inbox) tables of @trio/events, in the shipping schema.
export { down, up } from '@trio/events/migration';
