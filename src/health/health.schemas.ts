import { z } from 'zod';
import { open, unlimitedErrorResponses } from '../http/api.schemas.js';

const tags = ['operations'];
const security = open;

export const healthzRouteSchema = {
  tags,
  security,
  summary: 'Liveness: the process is running',
  response: { 200: z.object({ status: z.literal('ok') }), ...unlimitedErrorResponses() },
};

export const readyzRouteSchema = {
  tags,
  security,
  summary: 'Readiness: the database answers and the provider accepts the key',
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
