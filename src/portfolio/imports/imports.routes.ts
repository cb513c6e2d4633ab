import multipart from '@fastify/multipart';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { callerId } from '../../auth/access.js';
import { AppError } from '../../errors.js';
import {
  exportRouteSchema,
  importCommitRouteSchema,
  importPreviewRouteSchema,
} from '../portfolio.schemas.js';
import type { ImportsService } from './imports.service.js';

/** The largest import file. */
const MAX_IMPORT_BYTES = 10 * 1024 * 1024;

const accountIdField = z.uuid({ error: 'accountId must be the id of one of your accounts.' }).optional();

/**
 * The form's file and accountId. Multipart is accepted by these routes only (registered in their
 * own scope), with its own size limit: the app's 16 KiB body limit, which @fastify/multipart would
 * otherwise take as its file limit, does not apply to the file.
 */
async function readForm(
  request: FastifyRequest,
): Promise<{ text: string; fileName?: string; accountId?: string }> {
  if (!request.isMultipart()) {
    throw new AppError(
      'unsupported_media_type',
      'Send the file as multipart/form-data, with the fields file and accountId.',
    );
  }
  let file: { text: string; fileName?: string } | undefined;
  let accountId: unknown;
  for await (const part of request.parts()) {
    if (part.type === 'file') {
      const content = await part.toBuffer();
      if (part.fieldname === 'file')
        file = { text: content.toString('utf8'), fileName: part.filename || undefined };
    } else if (part.fieldname === 'accountId') {
      accountId = part.value === '' ? undefined : part.value;
    }
  }
  if (!file) {
    throw new AppError('validation_error', 'Choose a file to import.', {
      file: ['Choose a file to import.'],
    });
  }
  const account = accountIdField.safeParse(accountId);
  if (!account.success) {
    const message = account.error.issues[0]?.message ?? 'Invalid accountId.';
    throw new AppError('validation_error', message, { accountId: [message] });
  }
  return { ...file, accountId: account.data };
}

export async function importsRoutes(api: FastifyInstance, { imports }: { imports: ImportsService }) {
  await api.register(multipart, {
    limits: { fileSize: MAX_IMPORT_BYTES, files: 1, fields: 5, parts: 8 },
  });
  const routes = api.withTypeProvider<ZodTypeProvider>();

  routes.post('/imports/preview', { schema: importPreviewRouteSchema }, async (request) => {
    return imports.preview(callerId(request), await readForm(request));
  });

  routes.post('/imports/:previewId/commit', { schema: importCommitRouteSchema }, async (request) => {
    return imports.commit(callerId(request), request.params.previewId);
  });

  routes.get('/exports', { schema: exportRouteSchema }, async (request, reply) => {
    const file = await imports.export(callerId(request), request.query.format);
    return reply
      .type(file.contentType)
      .header('content-disposition', `attachment; filename="${file.fileName}"`)
      .send(file.body);
  });
}
