import type { FastifyInstance } from 'fastify';

import type { AccountAdministration } from '../../auth/account-administration.js';
import { MAX_PASSWORD_LENGTH } from '../../auth/passwords.js';
import { ROLES } from '../../auth/user-service.js';
import type { TokenListing } from '../../db/repositories/token-repository.js';
import type { Role, UserRow } from '../../db/schema.js';
import type { Authenticator } from '../authentication.js';

export interface AccountRoutesOptions {
  readonly accounts: AccountAdministration;
  readonly authenticator: Authenticator;
}

/** A user as the API returns it: never the password hash. */
interface UserView {
  readonly id: string;
  readonly email: string;
  readonly role: Role;
  readonly createdAt: string;
  readonly disabledAt: string | null;
}

/** An API token as the API lists it: never the secret, which is shown once at creation. */
interface TokenView {
  readonly id: string;
  readonly name: string;
  readonly userId: string;
  readonly email: string;
  readonly createdAt: string;
  readonly lastUsedAt: string | null;
  readonly revokedAt: string | null;
}

const idParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', minLength: 1, maxLength: 64 } },
} as const;

const passwordProperty = { type: 'string', minLength: 1, maxLength: MAX_PASSWORD_LENGTH * 4 } as const;

/** Users and API tokens, for admins: the same operations as `vitrail user` and `vitrail token`. */
export async function accountRoutes(app: FastifyInstance, options: AccountRoutesOptions): Promise<void> {
  const { accounts, authenticator } = options;

  app.get('/api/v1/users', { schema: { tags: ['administration'], summary: 'List users (admins)' } }, async (request) => {
    const principal = await authenticator.require(request);
    return { items: (await accounts.listUsers(principal)).map(toUserView) };
  });

  app.post<{ Body: { email: string; password: string; role: Role } }>(
    '/api/v1/users',
    {
      schema: {
        tags: ['administration'],
        summary: 'Add a user (admins)',
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['email', 'password', 'role'],
          properties: { email: { type: 'string', maxLength: 254 }, password: passwordProperty, role: { type: 'string', enum: [...ROLES] } },
        },
      },
    },
    async (request, reply) => {
      const principal = await authenticator.require(request);
      const user = await accounts.addUser(principal, request.body.email, request.body.password, request.body.role);
      return reply.code(201).send(toUserView(user));
    },
  );

  app.patch<{ Params: { id: string }; Body: { role?: Role; disabled?: boolean; password?: string } }>(
    '/api/v1/users/:id',
    {
      schema: {
        tags: ['administration'],
        summary: 'Change the role, state or password of a user (admins)',
        params: idParams,
        body: {
          type: 'object',
          additionalProperties: false,
          minProperties: 1,
          properties: { role: { type: 'string', enum: [...ROLES] }, disabled: { type: 'boolean' }, password: passwordProperty },
        },
      },
    },
    async (request) => {
      const principal = await authenticator.require(request);
      return toUserView(await accounts.updateUser(principal, request.params.id, request.body));
    },
  );

  app.get('/api/v1/tokens', { schema: { tags: ['administration'], summary: 'List API tokens (admins)' } }, async (request) => {
    const principal = await authenticator.require(request);
    return { items: (await accounts.listTokens(principal)).map(toTokenView) };
  });

  app.post<{ Body: { name: string; userId?: string } }>(
    '/api/v1/tokens',
    {
      schema: {
        tags: ['administration'],
        summary: 'Create an API token, returned once (admins)',
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['name'],
          properties: { name: { type: 'string', maxLength: 200 }, userId: { type: 'string', minLength: 1, maxLength: 64 } },
        },
      },
    },
    async (request, reply) => {
      const principal = await authenticator.require(request);
      const created = await accounts.createToken(principal, request.body.name, request.body.userId);
      return reply.code(201).send(created);
    },
  );

  app.delete<{ Params: { id: string } }>('/api/v1/tokens/:id', { schema: { tags: ['administration'], summary: 'Revoke an API token (admins)', params: idParams } }, async (request, reply) => {
    const principal = await authenticator.require(request);
    await accounts.revokeToken(principal, request.params.id);
    return reply.code(204).send();
  });
}

function toUserView(user: UserRow): UserView {
  return { id: user.id, email: user.email, role: user.role, createdAt: user.created_at, disabledAt: user.disabled_at };
}

function toTokenView(token: TokenListing): TokenView {
  return {
    id: token.id,
    name: token.name,
    userId: token.user_id,
    email: token.email,
    createdAt: token.created_at,
    lastUsedAt: token.last_used_at,
    revokedAt: token.revoked_at,
  };
}
