import { z } from 'zod';
import { errorResponses, PROVIDER_ERRORS, READ_ERRORS, readAccess } from '../http/api.schemas.js';
import { symbolParams } from '../market/market.schemas.js';

const nullableText = z.string().nullable();

const companyProfileSchema = z
  .object({
    symbol: z.string(),
    name: nullableText,
    exchange: nullableText,
    currency: nullableText.meta({ description: 'The currency the company reports in.' }),
    industry: nullableText,
    country: nullableText,
    website: nullableText,
    ipo: nullableText.meta({ description: 'YYYY-MM-DD.' }),
    logoUrl: nullableText.meta({ description: 'On this server (the browser never contacts the provider).' }),
  })
  .meta({ id: 'CompanyProfile', description: 'Nulls where the provider has nothing.' });
export type CompanyProfile = z.infer<typeof companyProfileSchema>;

const tags = ['profiles'];
const PROFILE_ERRORS = [...READ_ERRORS, 'validation_error', 'invalid_symbol', ...PROVIDER_ERRORS] as const;

export const profileRouteSchema = {
  tags,
  summary: "A company's profile",
  description: 'From the provider, kept 7 days.',
  security: readAccess,
  params: symbolParams,
  response: { 200: companyProfileSchema, ...errorResponses(PROFILE_ERRORS) },
};

export const logoRouteSchema = {
  tags,
  summary: "A company's logo",
  description: 'Fetched from the provider once and kept in the database.',
  security: readAccess,
  params: symbolParams,
  response: {
    200: {
      description: 'The image, in the type the provider sent.',
      content: {
        'image/*': { schema: z.custom<Uint8Array>().meta({ type: 'string', contentMediaType: 'image/*' }) },
      },
    },
    ...errorResponses(PROFILE_ERRORS, 'no_logo'),
  },
};
