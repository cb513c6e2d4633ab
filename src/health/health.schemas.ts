import { z } from 'zod';
import { open, unlimitedErrorResponses } from '../http/api.schemas.js';

const tags = ['operations'];
const security = open;

export const healthzRouteSchema = {
  tags,
  security,
  summary: 'Liveness: the process is running',
  description: 'Stays 200 while the instance drains at shutdown (only `/readyz` turns 503).',
  response: {
    200: z.object({
      status: z.literal('ok'),
      instance: z.string().meta({
        description: 'This process: `INSTANCE_ID`, else its host name and process id.',
        example: 'stock-tracker-7d9f-1',
      }),
      role: z.enum(['single', 'leader', 'follower']).meta({
        description:
          '`single` without a cluster; with `REDIS_URL`, `leader` holds the upstream feed, the others are `follower`s.',
      }),
    }),
    ...unlimitedErrorResponses(),
  },
};

export const readyzRouteSchema = {
  tags,
  security,
  summary: 'Readiness: the database answers, the provider accepts the key, the instance is not shutting down',
  response: {
    200: z.object({
      status: z.literal('ready'),
      symbols: z.object({ live: z.number(), polled: z.number(), leftOut: z.number() }).meta({
        description:
          "Wanted symbols on the provider's socket, polled over REST, and left out (beyond what both can carry; they keep their last quote, marked stale).",
      }),
    }),
    ...unlimitedErrorResponses('not_ready'),
  },
};

export const metricsRouteSchema = {
  tags,
  security,
  summary: 'Prometheus metrics',
  description:
    'Stream clients, frames and quotes sent, tick-to-send latency, ticks ingested, upstream connection and subscriptions, REST calls and budget, database batch write times, Node process metrics. Not secret, not authenticated: keep it behind the proxy if it must not be public.',
  response: {
    200: {
      description: 'Prometheus text exposition format.',
      content: { 'text/plain': { schema: z.string() } },
    },
    ...unlimitedErrorResponses(),
  },
};
