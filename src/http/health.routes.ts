import type { FastifyInstance } from 'fastify';
import type { DatabaseHandle } from '../db/database.js';
import { AppError } from '../errors.js';

export async function healthRoutes(
  app: FastifyInstance,
  { database }: { database: DatabaseHandle },
): Promise<void> {
  app.get('/healthz', { config: { rateLimit: false } }, async () => ({ status: 'ok' }));

  app.get('/readyz', { config: { rateLimit: false } }, async () => {
    try {
      await Promise.race([
        database.ping(),
        new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), 2000).unref()),
      ]);
    } catch {
      throw new AppError('not_ready');
    }
    return { status: 'ready' };
  });
}
