import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLogCapture } from '../src/logs.ts';

test('a log capture keeps the lines as written and parses them on read', () => {
  const capture = createLogCapture();
  capture.destination.write('{"level":30,"msg":"one"}\n');
  capture.destination.write('{"level":40,"msg":"two"}\n');
  assert.deepEqual(capture.lines(), ['{"level":30,"msg":"one"}\n', '{"level":40,"msg":"two"}\n']);
  assert.deepEqual(capture.logs(), [
    { level: 30, msg: 'one' },
    { level: 40, msg: 'two' },
  ]);
});
