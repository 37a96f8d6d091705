import Koa from 'koa';
import type { Client } from '@temporalio/client';
import type { Db } from '../db/connection';
import type { PersonRegistry } from '../domain/registry';
import { jsonBody } from './body';
import { devIdentity } from './identity';
import { problemMiddleware } from './problems';
import { applicationRoutes } from './routes/applications';
import { adminRoutes } from './routes/admin';
import { calendarRoutes } from './routes/calendar';
import { publicRoutes } from './routes/public';
import { staffRoutes } from './routes/staff';
import { healthRoutes } from './routes/health';

export interface AppDeps {
  db: Db;
  temporal: Client;
  registry: PersonRegistry;
  /** Honour the X-Dev-Iin header (never in production). */
  devIdentity: boolean;
}

export function createApp(deps: AppDeps): Koa {
  const app = new Koa();
  app.proxy = true;
  app.use(problemMiddleware);
  app.use(jsonBody);
  app.use(devIdentity(deps.devIdentity));
  const routers = [
    healthRoutes(deps),
    publicRoutes(deps),
    applicationRoutes(deps),
    staffRoutes(deps),
    calendarRoutes(deps),
    adminRoutes(deps),
  ];
  for (const router of routers) {
    app.use(router.routes());
    app.use(router.allowedMethods());
  }
  return app;
}
