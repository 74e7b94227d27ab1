// One log stream for eight services: each JSON line a service writes becomes one readable line,
// prefixed with the service's name in its own colour. Lines that are not JSON (a crash's stack
// trace on stderr) pass through with the prefix.
import { styleText } from 'node:util';

type Format = Parameters<typeof styleText>[0];
type Colour = Extract<Format, string>;

const palette: Colour[] = [
  'cyan',
  'magenta',
  'yellow',
  'green',
  'blue',
  'redBright',
  'cyanBright',
  'magentaBright',
];

// The services' loggers write the level's name; pino's default is its number.
const levels: Record<string, [string, Colour]> = {
  trace: ['TRACE', 'gray'],
  debug: ['DEBUG', 'gray'],
  info: ['INFO ', 'green'],
  warn: ['WARN ', 'yellow'],
  error: ['ERROR', 'red'],
  fatal: ['FATAL', 'bgRed'],
};
const levelNames: Record<number, string> = {
  10: 'trace',
  20: 'debug',
  30: 'info',
  40: 'warn',
  50: 'error',
  60: 'fatal',
};

// Fields every line has, or that say nothing to a person reading the stream.
const hidden = new Set(['level', 'time', 'msg', 'service', 'pid', 'hostname', 'v']);

export function paint(colour: Colour | Colour[], text: string, colours: boolean): string {
  // Cast: styleText takes one format or a list of them.
  const format = colour as Format;
  return colours ? styleText(format, text, { validateStream: false }) : text;
}

export interface LineFormatter {
  format(service: string, line: string): string;
}

export function createFormatter(names: readonly string[], colours: boolean): LineFormatter {
  const width = Math.max(...names.map((name) => name.length));
  const colourOf = new Map(names.map((name, index) => [name, palette[index % palette.length]!]));
  return {
    format(from, line) {
      const prefixOf = (name: string) =>
        `${paint(colourOf.get(name) ?? 'white', name.padEnd(width), colours)} │ `;
      let record: Record<string, unknown>;
      try {
        record = JSON.parse(line) as Record<string, unknown>;
      } catch {
        return prefixOf(from) + line;
      }
      if (typeof record !== 'object' || record === null || typeof record.msg !== 'string')
        return prefixOf(from) + line;
      // The service that wrote it: the process's own name, except in the monolith (several in one).
      const prefix = prefixOf(
        typeof record.service === 'string' && colourOf.has(record.service) ? record.service : from,
      );
      const level = typeof record.level === 'number' ? levelNames[record.level] : String(record.level);
      const [label, colour] = levels[level ?? ''] ?? ['LOG  ', 'white'];
      const at =
        typeof record.time === 'number' || typeof record.time === 'string'
          ? new Date(record.time)
          : undefined;
      const time =
        at === undefined || Number.isNaN(at.getTime()) ? '--:--:--' : at.toISOString().slice(11, 19);
      const extras = Object.entries(record)
        .filter(([key]) => !hidden.has(key))
        .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
        .join(' ');
      const extra =
        extras === ''
          ? ''
          : ` ${paint('gray', extras.length > 300 ? `${extras.slice(0, 300)}…` : extras, colours)}`;
      return `${prefix}${paint('gray', time, colours)} ${paint(colour, label, colours)} ${record.msg}${extra}`;
    },
  };
}
