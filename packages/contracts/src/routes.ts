// Every REST route of the shop, grouped by the service that serves it. The OpenAPI generator and
// the tests walk this list; a service imports only its own table (e.g. `catalogRoutes`).
import { billingRoutes } from './billing.ts';
import { catalogRoutes } from './catalog.ts';
import { frontEndRoutes } from './front-end.ts';
import type { RouteDefinition } from './http.ts';
import { paymentRoutes } from './payment.ts';
import { profilesRoutes } from './profiles.ts';
import { shippingRoutes } from './shipping.ts';

export type RestServiceName = 'front-end' | 'catalog' | 'profiles' | 'payment' | 'billing' | 'shipping';

export interface RestApi {
  readonly service: RestServiceName;
  readonly description: string;
  readonly routes: Readonly<Record<string, RouteDefinition>>;
}

export const restApis: readonly RestApi[] = [
  {
    service: 'front-end',
    description: 'The storefront’s public JSON API (BFF), with cookie sessions',
    routes: frontEndRoutes,
  },
  { service: 'catalog', description: 'Products, categories and the admin API', routes: catalogRoutes },
  { service: 'profiles', description: 'Accounts, sessions and saved addresses', routes: profilesRoutes },
  {
    service: 'payment',
    description: 'Simulated card processor; every mutation is idempotent',
    routes: paymentRoutes,
  },
  { service: 'billing', description: 'Orders, the checkout saga and invoices', routes: billingRoutes },
  {
    service: 'shipping',
    description: 'Shipping quotes, the same as its ZeroRPC method `quote`',
    routes: shippingRoutes,
  },
];

/** A name unique across the shop: `catalog` + `getProduct` → `catalogGetProduct`. */
export function operationId(service: RestServiceName, routeName: string): string {
  const prefix = service.replace(/-([a-z])/g, (_match, letter: string) => letter.toUpperCase());
  return prefix + routeName.charAt(0).toUpperCase() + routeName.slice(1);
}
