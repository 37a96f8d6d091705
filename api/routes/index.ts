import type { AnyRoute } from '../route';
import { ADMIN_ROUTES } from './admin';
import { APPLICATION_ROUTES } from './applications';
import { AUTH_ROUTES } from './auth';
import { CALENDAR_ROUTES } from './calendar';
import { CHAIN_ROUTES } from './chain';
import { DOCS_ROUTES } from './docs';
import { DOCUMENT_ROUTES } from './documents';
import { HEALTH_ROUTES } from './health';
import { KINDERGARTEN_ROUTES } from './kindergartens';
import { MANAGEMENT_ROUTES } from './management';
import { NOTICE_ROUTES } from './notices';
import { OPERATOR_APPLICATION_ROUTES } from './operator-applications';
import { PMPK_ROUTES } from './pmpk';
import { PUBLIC_ROUTES } from './public';
import { REGION_ROUTES } from './regions';
import { STAFF_ROUTES } from './staff';
import { UPLOAD_ROUTES } from './uploads';

/** Every route of the API, declared once: the router and the OpenAPI document are made from this. */
export const ROUTES: readonly AnyRoute[] = [
  ...HEALTH_ROUTES,
  ...DOCS_ROUTES,
  ...PUBLIC_ROUTES,
  ...CHAIN_ROUTES,
  ...KINDERGARTEN_ROUTES,
  ...AUTH_ROUTES,
  ...APPLICATION_ROUTES,
  ...DOCUMENT_ROUTES,
  ...UPLOAD_ROUTES,
  ...STAFF_ROUTES,
  ...PMPK_ROUTES,
  ...CALENDAR_ROUTES,
  ...REGION_ROUTES,
  ...ADMIN_ROUTES,
  ...MANAGEMENT_ROUTES,
  ...NOTICE_ROUTES,
  ...OPERATOR_APPLICATION_ROUTES,
];
