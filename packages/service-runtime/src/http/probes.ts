// The endpoints the platform polls: liveness, readiness and Prometheus metrics. Mounted ahead of
// request logging so that probes every few seconds neither flood the log nor skew latency figures.
import { Router } from 'express';
import type { Health } from '../health.ts';
import type { Metrics } from '../metrics.ts';

export function probes(health: Health, metrics: Metrics): Router {
  const router = Router();
  // Liveness depends on nothing: if this answers, the event loop runs and a restart would not help.
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const report = await health.check();
    res.status(report.status === 'ok' ? 200 : 503).json(report);
  });
  router.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  return router;
}
