// billing as a separate process, started from src/main.ts as `npm start` would run dist/main.js, so
// that a test can kill it outright (SIGKILL: no shutdown, no closing of anything) in mid-saga.
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface BillingProcess {
  url: string;
  /** Everything it wrote to stdout (its JSON logs). */
  output(): string;
  kill(): Promise<void>;
}

const mainPath = fileURLToPath(new URL('../../src/main.ts', import.meta.url));

export async function spawnBilling(env: Record<string, string>): Promise<BillingProcess> {
  const child: ChildProcess = spawn(process.execPath, [mainPath], {
    env: { ...process.env, ...env, HTTP_PORT: '0', LOG_LEVEL: 'debug', NODE_ENV: 'test' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let errors = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    errors += chunk.toString();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`billing did not start in time:\n${output}\n${errors}`)),
      30_000,
    );
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`billing exited with ${code} before listening:\n${output}\n${errors}`));
    });
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const line = output.split('\n').find((text) => text.includes('"http server listening"'));
      if (line !== undefined) {
        clearTimeout(timer);
        resolve((JSON.parse(line) as { port: number }).port);
      }
    });
  });
  return {
    url: `http://127.0.0.1:${port}`,
    output: () => output,
    async kill() {
      child.kill('SIGKILL');
      await exited;
    },
  };
}
