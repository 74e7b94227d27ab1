// ZeroMQ's CURVE security for the shop's ZeroRPC ports: the connection is encrypted and the server
// proves its key to the client (which knows the server's public key beforehand); the server lets
// in only clients whose public key is on its allow-list. The allow-list is enforced by a ZAP
// handler (ZeroMQ's authentication protocol, RFC 27): one REP socket per process on
// `inproc://zeromq.zap.01` of the default context, which libzmq asks about every new connection of
// a socket that has a ZAP domain. Each server gets a domain of its own, so several servers in one
// process (the tests' in-process shop) keep separate allow-lists.
//
// Keys are Z85 text (40 characters), as `zmq.curveKeyPair()` and pyzmq's `zmq.curve_keypair()` make.
import { createPrivateKey, createPublicKey } from 'node:crypto';
import type { Logger } from 'pino';
import { curveKeyPair, Reply } from 'zeromq';

/** A server's side: its own key pair, and the public keys of the clients it lets in. */
export interface CurveServerKeys {
  secretKey: string;
  allowedClients: readonly string[];
}

/** A client's side: its own key pair, and the public key of the server it calls. */
export interface CurveClientKeys {
  publicKey: string;
  secretKey: string;
  serverKey: string;
}

/** A new CURVE key pair, Z85 text: what to put in RPC_CURVE_* settings (`npm run rpc-keys`). */
export function newCurveKeyPair(): { publicKey: string; secretKey: string } {
  return curveKeyPair();
}

/** A CURVE key as text: 40 characters of ZeroMQ's Z85 alphabet. */
export const z85Key = /^[0-9a-zA-Z.\-:+=^!/*?&<>()[\]{}@%$#]{40}$/;

export function assertCurveKey(name: string, key: string): void {
  if (!z85Key.test(key)) throw new Error(`${name} must be a 40-character Z85 CURVE key`);
}

// Z85 (ZeroMQ RFC 32): 4 bytes ↔ 5 characters, base 85.
const alphabet = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#';

/** The Z85 text of a 32-byte key, as ZAP hands it over in binary. */
export function z85Encode(bytes: Uint8Array): string {
  let text = '';
  for (let offset = 0; offset < bytes.length; offset += 4) {
    let value =
      ((bytes[offset]! << 24) >>> 0) +
      (bytes[offset + 1]! << 16) +
      (bytes[offset + 2]! << 8) +
      bytes[offset + 3]!;
    const chunk: string[] = [];
    for (let i = 0; i < 5; i++) {
      chunk.unshift(alphabet[value % 85]!);
      value = Math.floor(value / 85);
    }
    text += chunk.join('');
  }
  return text;
}

/** The 32 bytes of a Z85 key (the inverse of z85Encode). */
export function z85Decode(text: string): Uint8Array {
  if (text.length % 5 !== 0) throw new Error('a Z85 text is a multiple of 5 characters');
  const bytes = new Uint8Array((text.length / 5) * 4);
  for (let chunk = 0; chunk < text.length / 5; chunk++) {
    let value = 0;
    for (let i = 0; i < 5; i++) {
      const digit = alphabet.indexOf(text[chunk * 5 + i]!);
      if (digit === -1) throw new Error(`'${text[chunk * 5 + i]}' is not a Z85 character`);
      value = value * 85 + digit;
    }
    if (value > 0xffffffff) throw new Error('a Z85 group is larger than 32 bits');
    new DataView(bytes.buffer).setUint32(chunk * 4, value);
  }
  return bytes;
}

// PKCS#8 wrapping of a raw 32-byte X25519 private key (RFC 8410), for node:crypto to import it.
const x25519Pkcs8Prefix = Buffer.from('302e020100300506032b656e04220420', 'hex');

/**
 * The public key that belongs to a CURVE secret key (both Z85): CURVE keys are X25519 keys, so
 * node:crypto derives it. Used to check that a configured pair belongs together.
 */
export function curvePublicKey(secretKey: string): string {
  assertCurveKey('a CURVE secret key', secretKey);
  const privateKey = createPrivateKey({
    key: Buffer.concat([x25519Pkcs8Prefix, z85Decode(secretKey)]),
    format: 'der',
    type: 'pkcs8',
  });
  const { x } = createPublicKey(privateKey).export({ format: 'jwk' });
  return z85Encode(Buffer.from(x!, 'base64url'));
}

interface Domain {
  allowed: ReadonlySet<string>;
  log: Logger;
  onRefused(): void;
}

const domains = new Map<string, Domain>();
let handler: Reply | undefined;
let nextDomain = 0;

async function answerZap(socket: Reply): Promise<void> {
  for await (const frames of socket) {
    // [version, request id, domain, address, identity, mechanism, credentials…]
    const [version, requestId, domainFrame, address, , mechanism, clientKey] = frames;
    const domain = domains.get(domainFrame?.toString() ?? '');
    const key = clientKey === undefined || clientKey.length !== 32 ? undefined : z85Encode(clientKey);
    const allowed =
      domain !== undefined &&
      mechanism?.toString() === 'CURVE' &&
      key !== undefined &&
      domain.allowed.has(key);
    if (!allowed) {
      domain?.onRefused();
      domain?.log.warn(
        { clientKey: key, address: address?.toString(), mechanism: mechanism?.toString() },
        'rpc server refused a client whose CURVE key is not allowed',
      );
    }
    await socket.send([
      version ?? '1.0',
      requestId ?? '',
      allowed ? '200' : '400',
      allowed ? 'OK' : 'client key not allowed',
      allowed ? key : '',
      '',
    ]);
  }
}

/**
 * Registers a server's allow-list under a ZAP domain of its own, to give its socket; `release`
 * forgets it when the server closes (and stops the handler when no server needs it).
 */
export function reserveCurveDomain(
  keys: CurveServerKeys,
  log: Logger,
  onRefused: () => void,
): { domain: string; release(): void } {
  assertCurveKey('the server secret key', keys.secretKey);
  for (const key of keys.allowedClients) assertCurveKey('an allowed client key', key);
  nextDomain += 1;
  const domain = `trio-rpc-${nextDomain}`;
  domains.set(domain, { allowed: new Set(keys.allowedClients), log, onRefused });
  return {
    domain,
    release() {
      domains.delete(domain);
      if (domains.size === 0 && handler !== undefined) {
        handler.close();
        handler = undefined;
      }
    },
  };
}

/**
 * Starts the process's ZAP handler if it is not running. Before a CURVE server binds: libzmq lets
 * every client in when no handler answers (ZMQ_ZAP_ENFORCE_DOMAIN is off by default).
 */
export async function ensureZapHandler(): Promise<void> {
  if (handler !== undefined) return;
  const socket = new Reply({ linger: 0 });
  handler = socket;
  await socket.bind('inproc://zeromq.zap.01');
  void answerZap(socket).catch(() => undefined);
}
