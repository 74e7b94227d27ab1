#!/usr/bin/env node
// `npm run rpc-keys`: a new CURVE key pair for a ZeroRPC server or client, as the settings that
// take it (docs/zerorpc.md). The secret key goes to the service's Secret only; the public key to
// its peers (a server's to its clients' `<SERVER>_CURVE_KEY`, a client's to the servers'
// `RPC_CURVE_ALLOWED_CLIENTS`).
import { newCurveKeyPair } from './curve.ts';

const { publicKey, secretKey } = newCurveKeyPair();
process.stdout.write(`RPC_CURVE_PUBLIC_KEY=${publicKey}\nRPC_CURVE_SECRET_KEY=${secretKey}\n`);
