import type { Db } from '../../db/connection';
import { closeKindergarten, createKindergarten, createRegion, kindergartenOf, listRegions, updateKindergarten } from '../../db/kindergarten-directory';
import { regionSettings } from '../../db/regions';
import { addStaffMember, refreshPerson, regionStaff, removeStaffMember, staffMember, staffMemberView, type NewStaffMember } from '../../db/staff-directory';
import { DEFAULT_RULE_SETTINGS, type KindergartenKind, type RuleSettings } from '../../domain/rule-settings';
import type { PersonRegistry } from '../../domain/registry';
import { ensureRegionSchedules } from '../../schedules/daily-runs';
import { audit } from '../audit';
import { Problem } from '../problems';
import { route, type AnyRoute } from '../route';
import { regionParamsSchema } from '../schemas/staff';
import {
  addStaffMemberSchema,
  closeKindergartenSchema,
  createKindergartenSchema,
  createRegionSchema,
  kindergartenAnswer,
  kindergartenParamsSchema,
  regionAnswer,
  regionsAnswer,
  removeStaffMemberSchema,
  staffListAnswer,
  staffListQuerySchema,
  staffMemberAnswer,
  staffParamsSchema,
  updateKindergartenSchema,
  type AddStaffMember,
} from '../schemas/management';
import { nextPage, pageHeaders } from './public';
import { operatorKeeps, type StaffMember } from '../staff';

/** Regions are created, and operators appointed, by national operators only. */
function requireNational(operator: StaffMember): void {
  if (operator.regionCode !== null) throw new Problem('FORBIDDEN', 'regions and their operators are managed by national operators');
}

/** A region the operator keeps; another region answers as one that does not exist. */
async function keptRegion(db: Db, operator: StaffMember, code: string) {
  const region = operatorKeeps(operator, code) ? await regionSettings(db, code) : undefined;
  if (!region) throw new Problem('NOT_FOUND', `no region ${code} that you keep`);
  return region;
}

/** A kindergarten of a region the operator keeps, else 404 as for a missing one. */
async function keptKindergarten(db: Db, operator: StaffMember, id: number) {
  const kindergarten = await kindergartenOf(db, id);
  if (!kindergarten || !operatorKeeps(operator, kindergarten.regionCode)) throw new Problem('NOT_FOUND', `no kindergarten ${id} in a region you keep`);
  return kindergarten;
}

/** R4.7: a region has kindergartens of the kinds it keeps; correctional ones follow R8 everywhere. */
function checkKind(settings: RuleSettings, kind: KindergartenKind): void {
  if (kind !== 'correctional' && !settings.kindsOnOffer.includes(kind)) {
    throw new Problem('KIND_NOT_OFFERED', `the region has kindergartens of the kinds ${settings.kindsOnOffer.join(', ')}, and correctional ones`, { field: 'kind', in: 'document' });
  }
}

const mismatch = (what: string) => new Problem('SIGNED_CONTENT_MISMATCH', `the signed document names another ${what} than this request`);

/** Where the member will act, checked against the operator's scope: the row to insert, less the person. */
async function scopeOf(db: Db, operator: StaffMember, m: AddStaffMember): Promise<Omit<NewStaffMember, 'iin' | 'organisation_bin'>> {
  switch (m.role) {
    case 'operator':
      requireNational(operator);
      if (m.regionCode !== undefined) await keptRegion(db, operator, m.regionCode);
      return { role: 'operator', region_code: m.regionCode ?? null, kindergarten_id: null, district: null };
    case 'kindergarten_staff': {
      const kindergarten = await keptKindergarten(db, operator, m.kindergartenId!);
      if (kindergarten.closedAt) throw new Problem('KINDERGARTEN_CLOSED', `kindergarten ${kindergarten.id} is closed`, { field: 'kindergartenId', in: 'document' });
      return { role: 'kindergarten_staff', region_code: kindergarten.regionCode, kindergarten_id: kindergarten.id, district: null };
    }
    case 'pmpk_staff':
      await keptRegion(db, operator, m.regionCode!);
      return { role: 'pmpk_staff', region_code: m.regionCode!, kindergarten_id: null, district: m.district! };
  }
}

/** R1.4: a member of staff is a person the registry knows; their row in its mirror is refreshed. */
async function registeredPerson(db: Db, registry: PersonRegistry, iin: string): Promise<void> {
  const person = await registry.findPerson(iin);
  if (!person) throw new Problem('PERSON_NOT_IN_REGISTRY', 'no person with this IIN in the registry of persons', { field: 'iin', in: 'document' });
  await refreshPerson(db, person);
}

/**
 * Managing who may act (issue 17). Operators create regions (national ones only) and
 * kindergartens, and add and remove staff; every change is a signed action (R1.2), recorded in
 * directory_changes with who, when, before and after, and the signed document. A member added acts
 * from their next login with an employee certificate of the BIN; a member removed (or whose
 * kindergarten closes) loses every session under that BIN at once. Role: operator.
 */
export const MANAGEMENT_ROUTES: AnyRoute[] = [
  route({
    operationId: 'createRegion',
    method: 'post',
    path: '/api/v1/admin/regions',
    role: 'operator',
    summary: 'R10: a new region with the default rule settings and its daily schedules; national operators only (403)',
    signed: { action: 'createRegion', fields: createRegionSchema, namesApplication: false, example: { code: 'turkestan', nameRu: 'Туркестанская область', nameKk: 'Түркістан облысы', numberPrefix: '75' } },
    ok: { status: 201, schema: regionAnswer },
    async handle({ caller: operator, signed }, { db, temporal }) {
      requireNational(operator);
      return signed(async ({ params: r, documentId }) => {
        const settings: RuleSettings = { ...DEFAULT_RULE_SETTINGS, numberPrefix: r.numberPrefix };
        const outcome = await createRegion(db, { code: r.code, nameRu: r.nameRu, nameKk: r.nameKk, settings, contacts: r.contacts ?? {} }, { iin: operator.iin, signedDocumentId: documentId });
        if (outcome === 'code') throw new Problem('REGION_EXISTS', `there is a region ${r.code} already`, { field: 'code', in: 'document' });
        if (outcome === 'prefix') throw new Problem('NUMBER_PREFIX_TAKEN', `another region numbers its applications ${r.numberPrefix}`, { field: 'numberPrefix', in: 'document' });
        // R4.3, R4.4: the region's daily publication and offer run from today.
        await ensureRegionSchedules(temporal, r.code, settings);
        audit('region_created', { iin: operator.iin, region: r.code, document: documentId });
        return { code: r.code, nameRu: r.nameRu, nameKk: r.nameKk, numberPrefix: r.numberPrefix };
      });
    },
  }),
  route({
    operationId: 'listRegions',
    method: 'get',
    path: '/api/v1/admin/regions',
    role: 'operator',
    summary: 'R10: every region; national operators only (403)',
    ok: { status: 200, schema: regionsAnswer },
    async handle({ caller: operator }, { db }) {
      requireNational(operator);
      return { regions: await listRegions(db) };
    },
  }),
  route({
    operationId: 'addStaffMember',
    method: 'post',
    path: '/api/v1/admin/staff',
    role: 'operator',
    summary:
      'A member of staff, by IIN (a person of the registry) and employer BIN: an operator of a region or a national one (national operators only, 403), staff of a kindergarten, or ПМПК staff of a district; 404 for another region’s',
    signed: {
      action: 'addStaffMember',
      fields: addStaffMemberSchema,
      namesApplication: false,
      example: { role: 'kindergarten_staff', iin: '750505498711', organisationBin: '990340000033', kindergartenId: '999999' },
    },
    ok: { status: 201, schema: staffMemberAnswer },
    async handle({ caller: operator, signed }, { db, registry }) {
      return signed(async ({ params: m, documentId }) => {
        const scope = await scopeOf(db, operator, m);
        await registeredPerson(db, registry, m.iin);
        const id = await addStaffMember(db, { ...scope, iin: m.iin, organisation_bin: m.organisationBin }, { iin: operator.iin, signedDocumentId: documentId });
        if (id === undefined) throw new Problem('STAFF_MEMBER_EXISTS', `this person is ${m.role.replace('_', ' ')} there already`, { field: 'iin', in: 'document' });
        audit('staff_added', { iin: operator.iin, member: m.iin, role: m.role, region: scope.region_code, document: documentId });
        return staffMemberView(await staffMember(db, id));
      });
    },
  }),
  route({
    operationId: 'removeStaffMember',
    method: 'post',
    path: '/api/v1/admin/staff/:staffId/removal',
    role: 'operator',
    summary:
      'Removes a member of staff; every session they hold under that employer ends at once. Operators are removed by national operators only (403); nobody removes themselves, nor the last national operator (409); 404 for another region’s',
    params: staffParamsSchema,
    signed: { action: 'removeStaffMember', fields: removeStaffMemberSchema, namesApplication: false, example: { staffId: '999999', iin: '750505498711' } },
    ok: { status: 200, schema: staffMemberAnswer },
    async handle({ caller: operator, params, signed }, { db }) {
      const member = await staffMember(db, params.staffId);
      if (!member || !operatorKeeps(operator, member.region_code)) throw new Problem('NOT_FOUND', `no member of staff ${params.staffId} in a region you keep`);
      if (member.role === 'operator') requireNational(operator);
      return signed(async ({ params: doc, documentId }) => {
        if (doc.staffId !== member.id || doc.iin !== member.iin) throw mismatch('member of staff');
        const outcome = await removeStaffMember(db, member.id, { iin: operator.iin, signedDocumentId: documentId });
        if (outcome === 'gone') throw new Problem('NOT_FOUND', `no member of staff ${params.staffId}`);
        if (outcome === 'self') throw new Problem('CANNOT_REMOVE_SELF', 'another operator removes you, not you');
        if (outcome === 'last_national_operator') throw new Problem('LAST_NATIONAL_OPERATOR', 'the last national operator stays: appoint another first');
        audit('staff_removed', { iin: operator.iin, member: member.iin, role: member.role, region: member.region_code, sessionsEnded: outcome.revokedSessions, document: documentId });
        return staffMemberView(member);
      });
    },
  }),
  route({
    operationId: 'listRegionStaff',
    method: 'get',
    path: '/api/v1/admin/regions/:code/staff',
    role: 'operator',
    summary: 'A region’s staff, newest first, a page at a time; 404 for another region’s',
    params: regionParamsSchema,
    query: staffListQuerySchema,
    ok: { status: 200, schema: staffListAnswer, headers: pageHeaders },
    async handle({ ctx, caller: operator, params, query: { limit, cursor, role } }, { db }) {
      const region = await keptRegion(db, operator, params.code);
      const { staff, next } = await regionStaff(db, region.code, { role }, { limit, after: cursor });
      return { staff, next: nextPage(ctx, next) };
    },
  }),
  route({
    operationId: 'createKindergarten',
    method: 'post',
    path: '/api/v1/admin/kindergartens',
    role: 'operator',
    summary: 'R4.7: a new kindergarten of a region they keep (404 for another’s), of a kind the region has',
    signed: {
      action: 'createKindergarten',
      fields: createKindergartenSchema,
      namesApplication: false,
      example: { regionCode: 'almaty', nameRu: 'Ясли-сад № 12', nameKk: '№ 12 бөбекжай-бақшасы', kind: 'state', address: 'г. Алматы, ул. Толе би, 12', phone: '+7 727 000 0012', latitude: '43.2567', longitude: '76.9286', languages: 'kk,ru' },
    },
    ok: { status: 201, schema: kindergartenAnswer },
    async handle({ caller: operator, signed }, { db }) {
      return signed(async ({ params: k, documentId }) => {
        const region = await keptRegion(db, operator, k.regionCode);
        checkKind(region.settings, k.kind);
        const { regionCode, languages, phone, latitude, longitude, ...names } = k;
        const created = await createKindergarten(
          db,
          regionCode,
          { ...names, phone: phone ?? null, latitude: latitude ?? null, longitude: longitude ?? null, languages: languages ?? [] },
          { iin: operator.iin, signedDocumentId: documentId },
        );
        audit('kindergarten_created', { iin: operator.iin, kindergarten: created.id, region: regionCode, document: documentId });
        return created;
      });
    },
  }),
  route({
    operationId: 'updateKindergarten',
    method: 'patch',
    path: '/api/v1/admin/kindergartens/:kindergartenId',
    role: 'operator',
    summary: 'R4.7: changes a kindergarten’s names, address, phone or location (not its kind); 404 for another region’s',
    params: kindergartenParamsSchema,
    signed: { action: 'updateKindergarten', fields: updateKindergartenSchema, namesApplication: false, example: { kindergartenId: '999999', phone: '+7 727 000 0013' } },
    ok: { status: 200, schema: kindergartenAnswer },
    async handle({ caller: operator, params, signed }, { db }) {
      const kindergarten = await keptKindergarten(db, operator, params.kindergartenId);
      return signed(async ({ params: { kindergartenId, ...change }, documentId }) => {
        if (kindergartenId !== kindergarten.id) throw mismatch('kindergarten');
        const updated = await updateKindergarten(db, kindergarten.id, change, { iin: operator.iin, signedDocumentId: documentId });
        audit('kindergarten_updated', { iin: operator.iin, kindergarten: kindergarten.id, change: Object.keys(change), document: documentId });
        return updated;
      });
    },
  }),
  route({
    operationId: 'closeKindergarten',
    method: 'post',
    path: '/api/v1/admin/kindergartens/:kindergartenId/closure',
    role: 'operator',
    summary:
      'Closes a kindergarten (kept, marked closed): its staff can no longer act and their sessions end; refused while a referral to it is active or a child is enrolled there (409); 404 for another region’s',
    params: kindergartenParamsSchema,
    signed: { action: 'closeKindergarten', fields: closeKindergartenSchema, namesApplication: false, example: { kindergartenId: '999999' } },
    ok: { status: 200, schema: kindergartenAnswer },
    async handle({ caller: operator, params, signed }, { db }) {
      const kindergarten = await keptKindergarten(db, operator, params.kindergartenId);
      return signed(async ({ params: doc, documentId }) => {
        if (doc.kindergartenId !== kindergarten.id) throw mismatch('kindergarten');
        const outcome = await closeKindergarten(db, kindergarten.id, { iin: operator.iin, signedDocumentId: documentId });
        if (outcome === 'closed') throw new Problem('KINDERGARTEN_CLOSED', `kindergarten ${kindergarten.id} is closed already`);
        if (outcome === 'in use') throw new Problem('KINDERGARTEN_IN_USE', 'a referral to it is active or a child is enrolled there: its staff register the arrival or record the departure first');
        audit('kindergarten_closed', { iin: operator.iin, kindergarten: kindergarten.id, document: documentId });
        return outcome;
      });
    },
  }),
];
