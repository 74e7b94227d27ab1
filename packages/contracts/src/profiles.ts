// profiles (REST, :3002): accounts, sessions and saved addresses. A session token is what every
// other service accepts as `Authorization: Bearer`; `GET /sessions/current` is how they check
// that it is still valid (tokens are revocable, so a signature check alone is not enough).
import { z } from 'zod';
import { Address, AddressId, Email, IsoDateTime, text, UserId } from './common.ts';
import { defineRoute, errorResponses } from './http.ts';

export const User = z
  .object({ id: UserId, email: Email, name: z.string().min(1).max(100), createdAt: IsoDateTime })
  .meta({ id: 'User' });
export type User = z.infer<typeof User>;

export const RegisterRequest = z
  .object({
    email: Email,
    password: z.string().min(8, 'must be at least 8 characters').max(128, 'must be at most 128 characters'),
    name: text(100),
  })
  .meta({ id: 'RegisterRequest' });
export type RegisterRequest = z.infer<typeof RegisterRequest>;

// No length rule on login: the answer to a wrong password must not reveal the password policy.
export const LoginRequest = z
  .object({ email: Email, password: z.string().min(1, 'must not be empty').max(128) })
  .meta({ id: 'LoginRequest' });
export type LoginRequest = z.infer<typeof LoginRequest>;

export const Session = z
  .object({
    token: z.string().min(1).describe('Opaque bearer token; never log it'),
    expiresAt: IsoDateTime,
    user: User,
  })
  .meta({ id: 'Session' });
export type Session = z.infer<typeof Session>;

export const SessionInfo = z.object({ user: User, expiresAt: IsoDateTime }).meta({ id: 'SessionInfo' });
export type SessionInfo = z.infer<typeof SessionInfo>;

export const UpdateProfileRequest = z.object({ name: text(100) }).meta({ id: 'UpdateProfileRequest' });
export type UpdateProfileRequest = z.infer<typeof UpdateProfileRequest>;

export const AddressInput = Address.extend({
  label: text(50).optional().describe('e.g. "Home"'),
  isDefault: z.boolean().default(false),
}).meta({ id: 'AddressInput' });
export type AddressInput = z.infer<typeof AddressInput>;

export const SavedAddress = Address.extend({
  id: AddressId,
  label: z.string().optional(),
  isDefault: z.boolean(),
}).meta({ id: 'SavedAddress' });
export type SavedAddress = z.infer<typeof SavedAddress>;

export const SavedAddressList = z.object({ items: z.array(SavedAddress) }).meta({ id: 'SavedAddressList' });
export type SavedAddressList = z.infer<typeof SavedAddressList>;

/** Payload of `user.registered`. */
export const UserRegistered = z
  .object({ userId: UserId, email: Email, name: z.string() })
  .meta({ id: 'UserRegistered' });
export type UserRegistered = z.infer<typeof UserRegistered>;

const UserParams = z.object({ userId: UserId });
const AddressParams = z.object({ userId: UserId, addressId: AddressId });

/** Where the front-end names the shopper's own address for profiles' per-shopper limits. */
export const shopperAddressHeader = 'trio-shopper-address';

export const profilesRoutes = {
  register: defineRoute({
    method: 'post',
    path: '/users',
    summary: 'Create an account; publishes user.registered',
    description:
      'Registrations are limited per shopper address (429 with Retry-After). The front-end names the ' +
      `shopper's address in ${'`'}trio-shopper-address${'`'}; profiles believes it from the front-end only.`,
    headers: z.object({ 'trio-shopper-address': z.ipv4().or(z.ipv6()).optional() }),
    auth: 'none',
    callers: ['front-end'],
    body: RegisterRequest,
    responses: {
      201: { description: 'The new user', body: User },
      ...errorResponses(400, 409, 413, 429),
    },
  }),
  login: defineRoute({
    method: 'post',
    path: '/sessions',
    summary: 'Log in',
    description:
      'An unknown email and a wrong password get the same 401. Failed attempts are counted per email and ' +
      "shopper address, with a doubling wait (429 with Retry-After). The front-end names the shopper's " +
      'address in `trio-shopper-address`; profiles believes it from the front-end only.',
    headers: z.object({ 'trio-shopper-address': z.ipv4().or(z.ipv6()).optional() }),
    auth: 'none',
    callers: ['front-end'],
    body: LoginRequest,
    responses: { 201: { description: 'A new session', body: Session }, ...errorResponses(400, 401, 429) },
  }),
  getCurrentSession: defineRoute({
    method: 'get',
    path: '/sessions/current',
    summary: 'Check a session token and return its user',
    auth: 'session',
    callers: ['front-end', 'billing'],
    responses: { 200: { description: 'The session is valid', body: SessionInfo }, ...errorResponses(401) },
  }),
  logout: defineRoute({
    method: 'delete',
    path: '/sessions/current',
    summary: 'Log out: revoke the session token',
    auth: 'session',
    callers: ['front-end'],
    responses: { 204: { description: 'Revoked' }, ...errorResponses(401) },
  }),
  getUser: defineRoute({
    method: 'get',
    path: '/users/:userId',
    summary: 'Own profile',
    auth: 'session',
    callers: ['front-end'],
    params: UserParams,
    responses: { 200: { description: 'The profile', body: User }, ...errorResponses(400, 401, 404) },
  }),
  updateUser: defineRoute({
    method: 'patch',
    path: '/users/:userId',
    summary: 'Change own profile',
    auth: 'session',
    callers: ['front-end'],
    params: UserParams,
    body: UpdateProfileRequest,
    responses: { 200: { description: 'The changed profile', body: User }, ...errorResponses(400, 401, 404) },
  }),
  listAddresses: defineRoute({
    method: 'get',
    path: '/users/:userId/addresses',
    summary: 'Own saved addresses',
    auth: 'session',
    callers: ['front-end'],
    params: UserParams,
    responses: {
      200: { description: 'The addresses', body: SavedAddressList },
      ...errorResponses(400, 401, 404),
    },
  }),
  addAddress: defineRoute({
    method: 'post',
    path: '/users/:userId/addresses',
    summary: 'Save an address',
    auth: 'session',
    callers: ['front-end'],
    params: UserParams,
    body: AddressInput,
    responses: {
      201: { description: 'The saved address', body: SavedAddress },
      ...errorResponses(400, 401, 404),
    },
  }),
  replaceAddress: defineRoute({
    method: 'put',
    path: '/users/:userId/addresses/:addressId',
    summary: 'Replace a saved address',
    auth: 'session',
    callers: ['front-end'],
    params: AddressParams,
    body: AddressInput,
    responses: {
      200: { description: 'The saved address', body: SavedAddress },
      ...errorResponses(400, 401, 404),
    },
  }),
  deleteAddress: defineRoute({
    method: 'delete',
    path: '/users/:userId/addresses/:addressId',
    summary: 'Delete a saved address',
    auth: 'session',
    callers: ['front-end'],
    params: AddressParams,
    responses: { 204: { description: 'Deleted' }, ...errorResponses(400, 401, 404) },
  }),
} as const;
