import Koa from 'koa';
import type { Client } from '@temporalio/client';
import type { Db } from '../db/connection';
import type { PersonRegistry } from '../domain/registry';
import type { AuthSettings } from './auth-settings';
import { jsonBody } from './body';
import { refuseUnsafeText } from './text-safety';
import { problemMiddleware } from './problems';
import { ROUTES } from './routes';
import { routerOf, type AnswerCheck } from './route';
import { sessionMiddleware } from './session';
import type { SignatureVerifier } from './signature/verifier';

export interface AppDeps {
  db: Db;
  temporal: Client;
  registry: PersonRegistry;
  /** R1: verifies signed XML (login and actions). */
  verifier: SignatureVerifier;
  auth: AuthSettings;
  /** Sees every answer before it is sent: the API tests hold each to its declared schema. */
  answerCheck?: AnswerCheck;
}

/** The API's one router, made from the route table (api/routes/index.ts). */
export function apiRouter(deps: AppDeps) {
  return routerOf(ROUTES, deps, deps.answerCheck);
}

export function createApp(deps: AppDeps): Koa {
  const app = new Koa();
  app.proxy = true;
  app.use(problemMiddleware);
  app.use(jsonBody);
  app.use(refuseUnsafeText);
  app.use(sessionMiddleware(deps.db));
  const router = apiRouter(deps);
  app.use(router.routes());
  app.use(router.allowedMethods());
  return app;
}
