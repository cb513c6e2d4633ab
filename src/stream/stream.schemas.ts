import { z } from 'zod';
import { alertKindSchema } from '../alerts/alerts.schemas.js';
import { errorResponses, isoDateTime, READ_ERRORS, readAccess } from '../http/api.schemas.js';
import { feedStatusSchema, quoteSchema } from '../market/market.schemas.js';

/** Frames the server sends on `/api/v1/stream`, one JSON object per WebSocket message. */
const snapshotFrameSchema = z
  .object({ type: z.literal('snapshot'), quotes: z.array(quoteSchema) })
  .meta({ id: 'SnapshotFrame', description: "First frame: the latest quote of each of the user's symbols." });

const quotesFrameSchema = z.object({ type: z.literal('quotes'), quotes: z.array(quoteSchema) }).meta({
  id: 'QuotesFrame',
  description: 'The latest value of each symbol that changed: at most one frame per STREAM_INTERVAL_MS.',
});

const statusFrameSchema = z
  .object({ type: z.literal('status'), feed: feedStatusSchema })
  .meta({ id: 'StatusFrame', description: 'After the snapshot, and whenever the feed changes.' });

const alertFrameSchema = z
  .object({
    type: z.literal('alert'),
    alert: z.object({
      id: z.uuid().meta({ description: "The firing's id (the same as its webhook-id)." }),
      alertId: z.uuid(),
      symbol: z.string().nullable().meta({ description: 'null for an alert on the whole portfolio.' }),
      kind: alertKindSchema,
      threshold: z.number(),
      price: z.number(),
      firedAt: isoDateTime,
      message: z.string(),
    }),
  })
  .meta({
    id: 'AlertFrame',
    description: "One of the user's alerts fired: sent on every open stream of that user.",
  });

const streamFrameSchema = z
  .discriminatedUnion('type', [snapshotFrameSchema, quotesFrameSchema, statusFrameSchema, alertFrameSchema])
  .meta({ id: 'StreamFrame' });
export type StreamFrame = z.infer<typeof streamFrameSchema>;

export const streamRouteSchema = {
  tags: ['stream'],
  summary: 'Live prices (WebSocket)',
  description:
    "Upgrade to a WebSocket with the session cookie, from this site's own pages, or with an API token holding `read` (`Authorization: Bearer st_…`, from a script; the stream closes with 1008 when the token is revoked). The server sends `StreamFrame`s (see `x-stream-frames`); anything the client sends is ignored. A socket that stops draining gets only the latest values, and is closed with 1013 if it stays stuck for 15 s. Closed with 4001 when its session ends (do not reconnect: sign in again) and with 4008 when the user already has STREAMS_PER_USER streams open.",
  security: readAccess,
  'x-stream-frames': { $ref: '#/components/schemas/StreamFrame' },
  response: {
    101: z.undefined().meta({ description: 'Switching protocols: frames follow.' }),
    ...errorResponses(READ_ERRORS, 'forbidden_origin'),
  },
};
