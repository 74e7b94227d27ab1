// One visit of a virtual shopper: its steps timed from the moment each was meant to be sent (the
// arrival, or the end of the last step plus the think time), so that a slow shop or a late event
// loop shows in the latencies instead of silently lowering the rate (no coordinated omission).
import { setTimeout as sleep } from 'node:timers/promises';
import type { ZodType } from 'zod';
import { type Answer, NoAnswer, type ShopperClient } from './client.ts';
import type { Recorder } from './stats.ts';

/** A step that failed (already recorded): the visit ends there. */
export class StepFailed extends Error {}

export interface CallOptions<T> {
  json?: unknown;
  headers?: Record<string, string>;
  /** Statuses that count as success (200 by default). */
  expect?: readonly number[];
  /** The contract the answer's body must satisfy. */
  schema?: ZodType<T>;
  /** The answer must be an HTML page. */
  html?: boolean;
}

export interface Visit {
  client: ShopperClient;
  /** Sends one request as step `step`; answers the parsed body (or the answer), throws StepFailed. */
  call<T = Answer>(step: string, method: string, path: string, options?: CallOptions<T>): Promise<T>;
  /** Pauses for the think time; the next step is timed from the end of the pause. */
  think(): Promise<void>;
}

export interface VisitContext {
  recorder: Recorder;
  thinkMs: number;
  /** Set when the run cuts the visits still running at its end. */
  isCut(): boolean;
}

export function startVisit(client: ShopperClient, intendedStart: number, context: VisitContext): Visit {
  let intended = intendedStart;
  const { recorder } = context;
  async function call<T>(
    step: string,
    method: string,
    path: string,
    options: CallOptions<T> = {},
  ): Promise<T> {
    // A step due in the future (the first one of a scheduled arrival) waits for its time.
    const early = intended - performance.now();
    if (early > 0) await sleep(early);
    // Past the drain time the run is over: a visit that was thinking sends nothing more.
    if (context.isCut()) throw new StepFailed(`${step}: cut_at_end`);
    recorder.requestSent();
    let answer: Answer;
    try {
      answer = await client.request(method, path, {
        ...(options.json === undefined ? {} : { json: options.json }),
        ...(options.headers === undefined ? {} : { headers: options.headers }),
      });
    } catch (error) {
      const kind = context.isCut() ? 'cut_at_end' : error instanceof NoAnswer ? error.kind : 'client_error';
      recorder.record(step, performance.now() - intended, false, kind);
      throw new StepFailed(`${step}: ${kind}`);
    }
    const end = performance.now();
    let error: string | undefined;
    let parsed: unknown = answer;
    if (!(options.expect ?? [200]).includes(answer.status)) error = `http_${answer.status}`;
    else if (options.html === true && !answer.contentType.startsWith('text/html')) error = 'not_html';
    else if (options.schema !== undefined) {
      const result = options.schema.safeParse(answer.body);
      if (result.success) parsed = result.data;
      else error = 'body_breaks_contract';
    }
    recorder.record(step, end - intended, true, error);
    intended = end;
    if (error !== undefined) throw new StepFailed(`${step}: ${error}`);
    return parsed as T;
  }
  return {
    client,
    call,
    async think() {
      if (context.thinkMs <= 0) return;
      const pause = context.thinkMs * (0.5 + Math.random());
      intended = performance.now() + pause;
      await sleep(pause);
    },
  };
}
