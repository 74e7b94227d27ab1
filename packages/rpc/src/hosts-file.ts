// Service discovery natively, without DNS: a file in /etc/hosts format (`127.0.0.2 inventory`),
// read again at each lookup. `npm start -- --replicas inventory=3` writes one (`.trio/hosts`) and
// points the callers at it (RPC_HOSTS_FILE), so that `tcp://inventory:4242` stands for every
// replica, as a compose service name or a Kubernetes headless Service does through DNS; a rolling
// deploy edits the file and the clients follow at their next lookup. Names the file does not know
// are looked up in DNS as usual.
import { readFile } from 'node:fs/promises';
import { type Lookup, lookupAll } from './client-resolve.ts';

/** Every address the file gives `host` (in file order), or DNS's answer when it gives none. */
export function hostsFileLookup(path: string, fallback: Lookup = lookupAll): Lookup {
  return async (host) => {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return fallback(host);
      throw error;
    }
    const addresses = parseHosts(text).get(host.toLowerCase()) ?? [];
    return addresses.length > 0 ? addresses : fallback(host);
  };
}

/** name → addresses, from hosts-file text: `address name [alias…]` per line, `#` comments. */
export function parseHosts(text: string): Map<string, string[]> {
  const names = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const [address, ...hostNames] = (line.split('#', 1)[0] ?? '').trim().split(/\s+/);
    if (address === undefined || address === '') continue;
    for (const name of hostNames) {
      const key = name.toLowerCase();
      const list = names.get(key) ?? [];
      if (!list.includes(address)) list.push(address);
      names.set(key, list);
    }
  }
  return names;
}
