// Where the generated API documents live: docs/api at the repository root.
export const docsApiDir = new URL('../../../docs/api/', import.meta.url);
export const openApiPath = new URL('openapi.json', docsApiDir);
export const asyncApiPath = new URL('asyncapi.yaml', docsApiDir);
export const zeroRpcPath = new URL('zerorpc.json', docsApiDir);
