// The saga's steps as spans of the checkout's trace. A drive started by the request that placed the
// order runs in that request's context, so each step is a child of billing's REST server span. The
// sweeper resumes a saga later (in this or another process) from the traceparent the order row
// kept: a `checkout resume` span continues the checkout's trace and links to the span that placed
// the order, and the resumed steps are its children.
import {
  context,
  extractContext,
  linkTo,
  SpanStatusCode,
  trace,
  tracer,
} from '@trio/service-runtime/tracing';
import type { OrderRow } from '../data-access/orders.ts';

const sagaTracer = tracer('@trio/billing/saga');

const stepNames: Readonly<Record<string, string>> = {
  pending: 'reserve stock',
  stock_reserved: 'quote shipping',
  shipping_quoted: 'authorize payment',
  payment_authorized: 'confirm',
  confirmed: 'capture payment',
  paid: 'issue invoice',
  compensating: 'compensate',
};

/** The outcome of a step as the span records it. */
export type StepOutcome =
  | { kind: 'moved' }
  | { kind: 'fail'; reason: string }
  | { kind: 'retry'; error: unknown };

/** Runs one step of the saga in a span `checkout <step>`, named by the state it starts from. */
export async function tracedStep<T extends StepOutcome>(order: OrderRow, run: () => Promise<T>): Promise<T> {
  const span = sagaTracer.startSpan(`checkout ${stepNames[order.state] ?? order.state}`, {
    attributes: {
      'trio.order.id': order.id,
      'trio.saga.state': order.state,
      'trio.saga.attempts': order.attempts,
    },
  });
  try {
    const outcome = await context.with(trace.setSpan(context.active(), span), run);
    span.setAttribute('trio.saga.outcome', outcome.kind);
    if (outcome.kind === 'fail') span.setStatus({ code: SpanStatusCode.ERROR, message: outcome.reason });
    if (outcome.kind === 'retry') {
      const error = outcome.error instanceof Error ? outcome.error : new Error(String(outcome.error));
      span.recordException(error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: error.name });
    }
    return outcome;
  } finally {
    span.end();
  }
}

/** Runs a resumed drive under a `checkout resume` span in the order's original trace. */
export async function tracedResume(orderId: string, traceparent: string | null, drive: () => Promise<void>) {
  const parent = traceparent === null ? context.active() : extractContext({ traceparent });
  const span = sagaTracer.startSpan(
    'checkout resume',
    {
      attributes: { 'trio.order.id': orderId },
      links: linkTo(traceparent, { 'trio.link': 'the request that placed the order' }),
    },
    parent,
  );
  try {
    await context.with(trace.setSpan(parent, span), drive);
  } finally {
    span.end();
  }
}
