import { z } from 'zod';
import { open, unlimitedErrorResponses } from './api.schemas.js';

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
  summary: 'Readiness: the database answers',
  response: { 200: z.object({ status: z.literal('ready') }), ...unlimitedErrorResponses('not_ready') },
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
