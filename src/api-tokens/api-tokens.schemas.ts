import { z } from 'zod';
import {
  BODY_ERRORS,
  errorResponses,
  idParams,
  isoDateTime,
  noContent,
  SESSION_ERRORS,
  signedIn,
  signedInWrite,
  TOKEN_SCOPES,
  text,
  WRITE_ERRORS,
} from '../http/api.schemas.js';

/** Longest lifetime a token may be given, in days (ten years); none means it never expires. */
export const MAX_TOKEN_DAYS = 3650;

const scopeSchema = z.enum(TOKEN_SCOPES, {
  error: `A scope is one of ${TOKEN_SCOPES.join(', ')}.`,
});

const createTokenBody = z
  .strictObject({
    name: text('Name')
      .trim()
      .min(1, { error: 'Name is required.' })
      .max(64, { error: 'Name must be at most 64 characters.' }),
    scopes: z
      .array(scopeSchema, { error: 'Scopes are required.' })
      .min(1, { error: 'Choose at least one scope.' })
      .max(TOKEN_SCOPES.length)
      .refine((scopes) => new Set(scopes).size === scopes.length, { error: 'A scope is listed twice.' }),
    expiresAt: isoDateTime.optional().meta({ description: 'When it stops working; in the future.' }),
    expiresInDays: z
      .int({ error: 'Days must be a whole number.' })
      .min(1, { error: 'At least one day.' })
      .max(MAX_TOKEN_DAYS, { error: `At most ${MAX_TOKEN_DAYS} days.` })
      .optional()
      .meta({ description: 'Instead of `expiresAt`: a lifetime from now.' }),
  })
  .refine((body) => body.expiresAt === undefined || body.expiresInDays === undefined, {
    error: 'Give expiresAt or expiresInDays, not both.',
    path: ['expiresInDays'],
  })
  .meta({
    examples: [{ name: 'price script', scopes: ['read'], expiresInDays: 90 }],
    description: 'Without `expiresAt` or `expiresInDays` the token never expires.',
  });
export type CreateTokenInput = z.output<typeof createTokenBody>;

const tokenSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    scopes: z.array(scopeSchema),
    lastFour: z.string().meta({ description: 'The last four characters of the token.' }),
    createdAt: isoDateTime,
    lastUsedAt: isoDateTime.nullable().meta({ description: 'Updated at most once a minute.' }),
    expiresAt: isoDateTime.nullable(),
  })
  .meta({ id: 'ApiToken' });
export type ApiTokenView = z.infer<typeof tokenSchema>;

const tags = ['tokens'];

export const listTokensRouteSchema = {
  tags,
  summary: "The user's personal API tokens",
  description: 'Never the tokens themselves: they are shown once, when created. Needs the session.',
  security: signedIn,
  response: { 200: z.object({ items: z.array(tokenSchema) }), ...errorResponses(SESSION_ERRORS) },
};

export const createTokenRouteSchema = {
  tags,
  summary: 'Create a personal API token',
  description:
    'The answer holds the token (`st_…`) this once; only its SHA-256 is stored. Send it as `Authorization: Bearer st_…`. Needs the session: a token cannot make tokens.',
  security: signedInWrite,
  body: createTokenBody,
  response: {
    201: z.object({
      token: z.string().meta({ description: 'Shown once; keep it like a password.' }),
      id: z.uuid(),
      name: z.string(),
      scopes: z.array(scopeSchema),
      expiresAt: isoDateTime.nullable(),
    }),
    ...errorResponses(BODY_ERRORS, WRITE_ERRORS),
  },
};

export const revokeTokenRouteSchema = {
  tags,
  summary: 'Revoke a personal API token',
  description: 'At once: the next request with it gets 401 `invalid_token`.',
  security: signedInWrite,
  params: idParams,
  response: { 204: noContent, ...errorResponses(WRITE_ERRORS, 'validation_error', 'token_not_found') },
};
