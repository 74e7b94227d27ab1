// Imported for its effect, before anything else of the shop: see tracing-setup.ts.
import { startTracing } from './tracing-setup.ts';

await startTracing('http/json');
