// The operator's page of faults on demand: GET /faults beside the probes (a service's admin port, or
// its only port when it has none, e.g. the storefront's http://127.0.0.1:3008/faults), listing every
// service's faults as this service last read them from the flags, in the lines `npm run fault --
// list` prints (JSON for a client asking for it). Read-only (`npm run fault` sets them) and for
// loopback callers only: anyone else gets the 404 an unknown path gets.
import type { RequestHandler } from 'express';
import { isLoopbackHost } from '../config.ts';
import { listFaults } from './cli-args.ts';
import type { Faults } from './faults.ts';

export function faultsPage(faults: Faults): RequestHandler {
  return (req, res, next) => {
    if (!isLoopbackHost(req.socket.remoteAddress ?? '')) return next();
    if (req.accepts(['text', 'json']) === 'json') {
      res.json({ faults: faults.all() });
      return;
    }
    res
      .type('text/plain')
      .send(
        `faults on demand (read-only; npm run fault -- set|clear changes them)\n\n${listFaults(faults.all())}\n`,
      );
  };
}
