// The in-process bus's dead letters (the monolith, docs/monolith.md), in shipping's schema beside its outbox.
export { downDeadLetters as down, upDeadLetters as up } from '@trio/events/migration';
