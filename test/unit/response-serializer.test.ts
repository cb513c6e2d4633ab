import Fastify from 'fastify';
import { validatorCompiler } from 'fastify-type-provider-zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AppError } from '../../src/errors.js';
import { errorResponses } from '../../src/http/api.schemas.js';
import { registerErrorHandling } from '../../src/http/error-handler.js';
import { responseSerializer } from '../../src/http/response-serializer.js';
import { createLogger } from '../../src/logger.js';

describe('answers checked against the documented responses', () => {
  const logs: string[] = [];
  const app = Fastify();

  beforeAll(async () => {
    app.setValidatorCompiler(validatorCompiler);
    app.setSerializerCompiler(
      responseSerializer(createLogger('info', { write: (line: string) => void logs.push(line) })),
    );
    registerErrorHandling(app, { appShell: false });
    const schema = { response: { 200: z.object({ price: z.number() }), ...errorResponses('no_logo') } };
    app.get('/documented-error', { schema }, async () => {
      throw new AppError('no_logo');
    });
    app.get('/undocumented-error', { schema }, async () => {
      throw new AppError('unknown_symbol');
    });
    app.get('/wrong-body', { schema }, async () => ({ price: 'twelve' }) as unknown as { price: number });
    await app.ready();
  });
  afterAll(() => app.close());

  it('sends a documented error as documented, and logs nothing', async () => {
    const response = await app.inject({ method: 'GET', url: '/documented-error' });
    expect(response.statusCode).toBe(404);
    expect(response.json().error.code).toBe('no_logo');
    expect(logs.filter((line) => line.includes('does not document'))).toEqual([]);
  });

  it('still sends an undocumented error code in the one error shape, and logs the gap', async () => {
    const response = await app.inject({ method: 'GET', url: '/undocumented-error' });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({ error: { code: 'unknown_symbol', message: expect.any(String) } });
    const gap = logs.find((line) => line.includes('an error answer the route does not document'));
    expect(JSON.parse(gap ?? '{}')).toMatchObject({
      level: 50,
      url: '/undocumented-error',
      code: 'unknown_symbol',
    });
  });

  it('refuses a success body that breaks its schema with 500 internal_error', async () => {
    const response = await app.inject({ method: 'GET', url: '/wrong-body' });
    expect(response.statusCode).toBe(500);
    expect(response.json().error.code).toBe('internal_error');
  });
});
