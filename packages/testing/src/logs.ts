// Captures what a service's logger writes: hand `destination` to the logger (a pino destination),
// read the lines back as written or parsed. With TEST_LOG set every line is echoed to stderr.

export interface LogCapture {
  /** A pino destination: every line the logger writes is kept. */
  destination: { write(line: string): void };
  /** Every line written, as written. */
  lines(): string[];
  /** Every line written, parsed as JSON. */
  logs(): Record<string, unknown>[];
}

export function createLogCapture(): LogCapture {
  const lines: string[] = [];
  return {
    destination: {
      write: (line: string) => {
        lines.push(line);
        if (process.env.TEST_LOG) process.stderr.write(line);
      },
    },
    lines: () => lines,
    logs: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}
