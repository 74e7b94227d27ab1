// Named scenarios of the fakes: each fake lists its own (payment: approve, decline, slow, down…),
// one is current per fake, and it can be switched at run time through the control server that
// `npm run dev -- <svc> --fake-peers` prints (PUT /scenarios/<fake>/<scenario>), or for one REST
// request with the `Trio-Fake-Scenario` header. Every fake has `slow` (answers after
// `slowMs`) and `down` (REST: the connection is dropped unanswered; ZeroRPC: no answer, so the
// caller's deadline runs out), the two ways a real peer fails.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export const scenarioHeader = 'trio-fake-scenario';
export const slowMs = 3_000;

export const commonScenarios = {
  slow: `answers as the default scenario does, after ${slowMs / 1000} s`,
  down: 'never answers: a REST connection is dropped, a ZeroRPC call runs into its deadline',
} as const;

export interface FakeScenarios {
  /** The fake's name: the service it stands in for. */
  fake: string;
  /** Scenario name → what the fake then does; the first is the default. */
  scenarios: Readonly<Record<string, string>>;
}

export class ScenarioBoard {
  readonly #fakes = new Map<string, { scenarios: Readonly<Record<string, string>>; current: string }>();

  register(fake: FakeScenarios): void {
    const scenarios = { ...fake.scenarios, ...commonScenarios };
    this.#fakes.set(fake.fake, { scenarios, current: Object.keys(fake.scenarios)[0] ?? 'slow' });
  }

  /** The scenario for one call: the requested one when the fake has it, else the current one. */
  scenario(fake: string, requested?: string): string {
    const entry = this.#fakes.get(fake);
    if (entry === undefined) throw new Error(`no fake named ${fake}`);
    return requested !== undefined && requested in entry.scenarios ? requested : entry.current;
  }

  set(fake: string, scenario: string): void {
    const entry = this.#fakes.get(fake);
    if (entry === undefined) throw new Error(`no fake named ${fake}: ${[...this.#fakes.keys()].join(', ')}`);
    if (!(scenario in entry.scenarios)) {
      throw new Error(
        `the ${fake} fake has no scenario ${scenario}: ${Object.keys(entry.scenarios).join(', ')}`,
      );
    }
    entry.current = scenario;
  }

  list(): { fake: string; current: string; scenarios: Readonly<Record<string, string>> }[] {
    return [...this.#fakes].map(([fake, entry]) => ({ fake, ...entry }));
  }
}

/**
 * The control server: `GET /scenarios` lists every fake with its scenarios and the current one,
 * `PUT /scenarios/<fake>/<scenario>` switches (204; 404 naming the valid ones otherwise).
 */
export async function serveControl(board: ScenarioBoard, port = 0): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const answer = (status: number, body?: unknown) => {
      res.writeHead(status, body === undefined ? {} : { 'content-type': 'application/json' });
      res.end(body === undefined ? undefined : JSON.stringify(body, null, 2));
    };
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (req.method === 'GET' && (path === '/' || path === '/scenarios')) return answer(200, board.list());
    const match = /^\/scenarios\/([a-z-]+)\/([a-z-]+)$/.exec(path);
    if ((req.method === 'PUT' || req.method === 'POST') && match !== null) {
      try {
        board.set(match[1] ?? '', match[2] ?? '');
        return answer(204);
      } catch (error) {
        return answer(404, { error: { code: 'not_found', message: (error as Error).message } });
      }
    }
    answer(404, {
      error: { code: 'not_found', message: 'GET /scenarios or PUT /scenarios/<fake>/<scenario>' },
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}
