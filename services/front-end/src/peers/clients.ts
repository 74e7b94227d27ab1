// The REST peers the front-end calls, each through a typed client of the peer's route table: a
// call reads `billing.placeOrder(…)`, and billing's handler is the one registered for
// `billingRoutes.placeOrder`. (ZeroRPC peers get their typed clients from @trio/rpc in main.ts.)
import { billingRoutes } from '@trio/contracts/billing';
import { catalogRoutes } from '@trio/contracts/catalog';
import { profilesRoutes } from '@trio/contracts/profiles';
import type { RestPeer } from '@trio/service-runtime/peer';
import { createRestClient, type RestClient } from '@trio/service-runtime/rest-client';

export type CatalogClient = RestClient<typeof catalogRoutes>;
export type ProfilesClient = RestClient<typeof profilesRoutes>;
export type BillingClient = RestClient<typeof billingRoutes>;

export const catalogClient = (peer: RestPeer): CatalogClient => createRestClient(peer, catalogRoutes);
export const profilesClient = (peer: RestPeer): ProfilesClient => createRestClient(peer, profilesRoutes);
export const billingClient = (peer: RestPeer): BillingClient => createRestClient(peer, billingRoutes);
