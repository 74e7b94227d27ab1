// catalog, asked for the authoritative price, name and weight of each sku an order names.
import { catalogRoutes, type Product } from '@trio/contracts/catalog';
import { PeerUnavailable, type RestPeer } from '@trio/service-runtime/peer';
import { createRestClient } from '@trio/service-runtime/rest-client';

export interface CatalogPeer {
  /** The product of each sku, or undefined for a sku catalog does not know. */
  products(skus: readonly string[]): Promise<Map<string, Product | undefined>>;
}

export function catalogPeer(peer: RestPeer): CatalogPeer {
  const catalog = createRestClient(peer, catalogRoutes);
  async function product(sku: string): Promise<Product | undefined> {
    const reply = await catalog.getProduct({ params: { sku } });
    if (reply.status === 404) return undefined;
    if (reply.status !== 200) {
      throw new PeerUnavailable(peer.name, new Error(`catalog getProduct ${sku} answered ${reply.status}`));
    }
    return reply.body;
  }
  return {
    async products(skus) {
      const found = await Promise.all(skus.map(async (sku) => [sku, await product(sku)] as const));
      return new Map(found);
    },
  };
}
