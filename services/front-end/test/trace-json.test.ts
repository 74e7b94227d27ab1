// The checkout trace, exported as OTLP/HTTP JSON (see support/checkout-trace.ts).
// The side-effect import comes first: it starts the SDK before the shop's modules are evaluated.
import './support/trace-json.ts';
import { checkoutTraceTests } from './support/checkout-trace.ts';

checkoutTraceTests('http/json');
