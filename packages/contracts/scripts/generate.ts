// Writes docs/api/openapi.json and docs/api/asyncapi.yaml from the contracts. The staleness test
// (test/api-docs.test.ts) fails when the committed files differ from what this would write.
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildAsyncApiDocument } from '../src/asyncapi.ts';
import { buildOpenApiDocument } from '../src/openapi.ts';
import { asyncApiPath, docsApiDir, openApiPath } from './doc-paths.ts';

mkdirSync(docsApiDir, { recursive: true });
writeFileSync(openApiPath, buildOpenApiDocument());
writeFileSync(asyncApiPath, buildAsyncApiDocument());
console.log(`wrote ${fileURLToPath(openApiPath)}\nwrote ${fileURLToPath(asyncApiPath)}`);
