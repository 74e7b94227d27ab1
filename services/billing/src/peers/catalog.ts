// catalog, asked for the authoritative price, name and weight of each sku an order names.
import { type Product, Product as ProductSchema } from '@trio/contracts/catalog';
import { PeerUnavailable, type RestPeer } from '@trio/service-runtime/peer';

export interface CatalogPeer {
  /** The product of each sku, or undefined for a sku catalog does not know. */
  products(skus: readonly string[]): Promise<Map<string, Product | undefined>>;
}

export function catalogPeer(peer: RestPeer): CatalogPeer {
  async function product(sku: string): Promise<Product | undefined> {
    const reply = await peer.request('GET', `/products/${encodeURIComponent(sku)}`);
    if (reply.status === 404) return undefined;
    if (reply.status !== 200) {
      throw new PeerUnavailable(peer.name, new Error(`GET /products/${sku} answered ${reply.status}`));
    }
    return ProductSchema.parse(reply.body);
  }
  return {
    async products(skus) {
      const found = await Promise.all(skus.map(async (sku) => [sku, await product(sku)] as const));
      return new Map(found);
    },
  };
}
