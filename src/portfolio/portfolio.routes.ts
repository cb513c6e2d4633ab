import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { callerId } from '../auth/access.js';
import type { HoldingsService } from './holdings.service.js';
import type { LedgerService } from './ledger.service.js';
import {
  createAccountRouteSchema,
  createTransactionRouteSchema,
  deleteAccountRouteSchema,
  deleteTransactionRouteSchema,
  getSettingsRouteSchema,
  holdingDetailRouteSchema,
  holdingsRouteSchema,
  listAccountsRouteSchema,
  listTransactionsRouteSchema,
  updateAccountRouteSchema,
  updateSettingsRouteSchema,
  updateTransactionRouteSchema,
} from './portfolio.schemas.js';

/** /portfolio/settings, /accounts, /transactions and /holdings. */
export async function portfolioRoutes(
  app: FastifyInstance,
  { ledger, holdings }: { ledger: LedgerService; holdings: HoldingsService },
): Promise<void> {
  const routes = app.withTypeProvider<ZodTypeProvider>();

  routes.get('/portfolio/settings', { schema: getSettingsRouteSchema }, (request) =>
    ledger.settings(callerId(request)),
  );
  routes.patch('/portfolio/settings', { schema: updateSettingsRouteSchema }, (request) =>
    ledger.updateSettings(callerId(request), request.body),
  );

  routes.get('/accounts', { schema: listAccountsRouteSchema }, async (request) => ({
    accounts: await ledger.listAccounts(callerId(request)),
  }));
  routes.post('/accounts', { schema: createAccountRouteSchema }, async (request, reply) => {
    const account = await ledger.createAccount(callerId(request), request.body);
    return reply.code(201).send({ account });
  });
  routes.patch('/accounts/:id', { schema: updateAccountRouteSchema }, async (request) => ({
    account: await ledger.updateAccount(callerId(request), request.params.id, request.body),
  }));
  routes.delete('/accounts/:id', { schema: deleteAccountRouteSchema }, async (request, reply) => {
    await ledger.deleteAccount(callerId(request), request.params.id, request.query.force);
    return reply.code(204).send();
  });

  routes.get('/transactions', { schema: listTransactionsRouteSchema }, async (request) => {
    const { page, pageSize, ...filter } = request.query;
    const found = await ledger.listTransactions(callerId(request), filter, { page, pageSize });
    return { ...found, page, pageSize };
  });
  routes.post('/transactions', { schema: createTransactionRouteSchema }, async (request, reply) => {
    const transaction = await ledger.createTransaction(callerId(request), request.body);
    return reply.code(201).send({ transaction });
  });
  routes.patch('/transactions/:id', { schema: updateTransactionRouteSchema }, async (request) => ({
    transaction: await ledger.updateTransaction(callerId(request), request.params.id, request.body),
  }));
  routes.delete('/transactions/:id', { schema: deleteTransactionRouteSchema }, async (request, reply) => {
    await ledger.deleteTransaction(callerId(request), request.params.id);
    return reply.code(204).send();
  });

  routes.get('/holdings', { schema: holdingsRouteSchema }, (request) =>
    holdings.holdings(callerId(request), request.query),
  );
  routes.get('/holdings/:symbol', { schema: holdingDetailRouteSchema }, (request) =>
    holdings.holding(callerId(request), request.params.symbol, request.query),
  );
}
