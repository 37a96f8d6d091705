import Koa from 'koa';
import type { Client } from '@temporalio/client';
import type { Db } from '../db/connection';
import type { PersonRegistry } from '../domain/registry';
import type { AuthSettings } from './auth-settings';
import { jsonBody } from './body';
import { refuseUnsafeText } from './text-safety';
import { problemMiddleware } from './problems';
import { applicationRoutes } from './routes/applications';
import { adminRoutes } from './routes/admin';
import { authRoutes } from './routes/auth';
import { calendarRoutes } from './routes/calendar';
import { docsRoutes } from './routes/docs';
import { publicRoutes } from './routes/public';
import { regionRoutes } from './routes/regions';
import { staffRoutes } from './routes/staff';
import { healthRoutes } from './routes/health';
import { sessionMiddleware } from './session';
import type { SignatureVerifier } from './signature/verifier';

export interface AppDeps {
  db: Db;
  temporal: Client;
  registry: PersonRegistry;
  /** R1: verifies signed XML (login and actions). */
  verifier: SignatureVerifier;
  auth: AuthSettings;
}

/** Every router of the API; the OpenAPI document lists each of their routes (a test checks). */
export function apiRouters(deps: AppDeps) {
  return [
    healthRoutes(deps),
    docsRoutes(),
    publicRoutes(deps),
    authRoutes(deps),
    applicationRoutes(deps),
    staffRoutes(deps),
    calendarRoutes(deps),
    regionRoutes(deps),
    adminRoutes(deps),
  ];
}

export function createApp(deps: AppDeps): Koa {
  const app = new Koa();
  app.proxy = true;
  app.use(problemMiddleware);
  app.use(jsonBody);
  app.use(refuseUnsafeText);
  app.use(sessionMiddleware(deps.db));
  for (const router of apiRouters(deps)) {
    app.use(router.routes());
    app.use(router.allowedMethods());
  }
  return app;
}
