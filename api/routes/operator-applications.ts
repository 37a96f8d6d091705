import { readCard } from '../card';
import type { Db } from '../../db/connection';
import { searchApplications } from '../../db/operator-search';
import { recordPersonalDataRead } from '../../db/personal-data-reads';
import { currentRequestId } from '../../telemetry/request-id';
import { audit } from '../audit';
import { withStatusLabel } from '../labels';
import { Problem } from '../problems';
import { route, type AnyRoute } from '../route';
import { applicationParamsSchema } from '../schemas/applications';
import { operatorCardQuerySchema, operatorSearchSchema } from '../schemas/operators';
import { applicationCard, operatorSearchAnswer } from '../schemas/responses';
import type { StaffMember } from '../staff';
import { nextPage, pageHeaders } from './public';

const SEARCH = '/api/v1/admin/applications';
const CARD = '/api/v1/admin/applications/:number';

/**
 * Personal-data law: the read is recorded — who, in what role and region, which route, why, for
 * which request, what it showed — before its answer is sent; if the row cannot be written this
 * throws and the answer is a problem without the data. Then one audit line names the row.
 */
async function recordRead(db: Db, operator: StaffMember, route: string, reason: string, filter: Record<string, unknown>, shown: string[]): Promise<void> {
  const read = {
    readerIin: operator.iin,
    readerRole: operator.role,
    readerRegionCode: operator.regionCode,
    route,
    reason,
    requestId: currentRequestId() ?? null,
    filter,
    shown,
  };
  const id = await recordPersonalDataRead(db, read);
  audit('personal_data_read', { read: id, iin: operator.iin, role: operator.role, regionCode: operator.regionCode, route, shown });
}

/**
 * Operators read the applications of the region they keep (a national operator, every region's),
 * each read with a reason and recorded (personal-data law). Another region's application is not
 * found, exactly as a missing one; a search naming another region finds nothing. Role: operator.
 */
export const OPERATOR_APPLICATION_ROUTES: AnyRoute[] = [
  route({
    operationId: 'searchRegionApplications',
    method: 'get',
    path: SEARCH,
    role: 'operator',
    summary:
      'Search the applications of your region by number, child’s IIN, status, group year (a national operator: of every region, or of `regionCode`), newest first, a page at a time; `reason` is required and the read is recorded with the numbers it showed',
    query: operatorSearchSchema,
    ok: {
      status: 200,
      schema: operatorSearchAnswer,
      headers: pageHeaders,
      links: {
        getRegionApplication: {
          operationId: 'getRegionApplication',
          parameters: { number: '$response.body#/applications/0/number' },
          description: 'R3.3: the card of an application found (with a reason of its own)',
        },
      },
    },
    async handle({ ctx, caller: operator, query: { reason, limit, cursor, ...filter } }, { db }) {
      const { applications, next } = await searchApplications(db, { operatorRegion: operator.regionCode, ...filter }, { limit, after: cursor });
      await recordRead(db, operator, `GET ${SEARCH}`, reason, filter, applications.map((a) => a.number));
      return { applications: applications.map(withStatusLabel), next: nextPage(ctx, next) };
    },
  }),
  route({
    operationId: 'getRegionApplication',
    method: 'get',
    path: CARD,
    role: 'operator',
    summary: 'R3.3: the card of an application of your region, with its history; 404 for another region’s; `reason` is required and the read is recorded',
    params: applicationParamsSchema,
    query: operatorCardQuerySchema,
    ok: { status: 200, schema: applicationCard },
    async handle({ params, caller: operator, query: { reason } }, deps) {
      const { db } = deps;
      const card = await readCard(deps, params.number, { operatorRegion: operator.regionCode });
      // Refused reads record nothing: nothing personal was shown.
      if (!card) throw new Problem('NOT_FOUND', `no application ${params.number} in your region`);
      await recordRead(db, operator, `GET ${CARD}`, reason, { number: card.number }, [card.number]);
      return card;
    },
  }),
];
