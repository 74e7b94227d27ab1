// Writes docs/api/openapi.json, docs/api/asyncapi.yaml and docs/api/zerorpc.json from the contracts. The staleness test
// (test/api-docs.test.ts) fails when the committed files differ from what this would write.
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildAsyncApiDocument } from '../src/asyncapi.ts';
import { buildOpenApiDocument } from '../src/openapi.ts';
import { buildZeroRpcDocument } from '../src/zerorpc.ts';
import { asyncApiPath, docsApiDir, openApiPath, zeroRpcPath } from './doc-paths.ts';

mkdirSync(docsApiDir, { recursive: true });
writeFileSync(openApiPath, buildOpenApiDocument());
writeFileSync(asyncApiPath, buildAsyncApiDocument());
writeFileSync(zeroRpcPath, buildZeroRpcDocument());
for (const path of [openApiPath, asyncApiPath, zeroRpcPath]) console.log(`wrote ${fileURLToPath(path)}`);
