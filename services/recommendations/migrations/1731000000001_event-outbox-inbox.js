// The inbox (and outbox) tables of @trio/events, in the recommendations schema. Only the inbox is
// used: it makes each event count once. The service publishes nothing.
export { down, up } from '@trio/events/migration';
