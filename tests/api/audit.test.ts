import { auditLinesOf } from '../helpers/audit';
import { makeIin } from '../../db/seeds/iin';
import { startApi, type ApiHarness } from '../helpers/api';
import { buildFamily } from '../helpers/factories';

let api: ApiHarness;
beforeAll(async () => {
  api = await startApi();
});
afterAll(() => api?.close());

const auditOf = (run: () => Promise<unknown>) => auditLinesOf(run, (e) => e.startsWith('signed_action'));

describe('the audit log tells a refused signed action from one that took effect', () => {
  it('refusals at filing (DUPLICATE_APPLICATION, CHILD_NOT_IN_REGISTRY, NOT_CHILDS_PARENT) are signed_action_refused with their code', async () => {
    const family = await buildFamily(api.db);
    const stranger = await buildFamily(api.db);
    const [filed] = await auditOf(() => api.file(family));
    // The audit log names people as every log does: an IIN's first six digits.
    expect(filed).toMatchObject({ event: 'signed_action', action: 'fileApplication', iin: `${family.parentIin.slice(0, 6)}******`, document: expect.any(Number) });

    let unknownChild = makeIin('2022-01-05', 'male', 9_876);
    for (let serial = 9_875; await api.db('persons').where({ iin: unknownChild }).first(); serial--) unknownChild = makeIin('2022-01-05', 'male', serial);
    const refusals = await auditOf(async () => {
      expect((await api.file(family)).body.code).toBe('DUPLICATE_APPLICATION');
      expect((await api.file({ parentIin: family.parentIin, childIin: unknownChild })).body.code).toBe('CHILD_NOT_IN_REGISTRY');
      expect((await api.file({ parentIin: family.parentIin, childIin: stranger.childIin })).body.code).toBe('NOT_CHILDS_PARENT');
    });
    expect(refusals.map((e) => [e.event, e.code])).toEqual([
      ['signed_action_refused', 'DUPLICATE_APPLICATION'],
      ['signed_action_refused', 'CHILD_NOT_IN_REGISTRY'],
      ['signed_action_refused', 'NOT_CHILDS_PARENT'],
    ]);
    expect(refusals.every((e) => typeof e.document === 'number')).toBe(true); // the evidence kept is named
  });

  it('refusals by the workflow (ALREADY_CONFIRMED, APPLICATION_CLOSED) are signed_action_refused with their code', async () => {
    const family = await buildFamily(api.db);
    const number = (await api.file(family)).body.number as string;
    const events = await auditOf(async () => {
      expect((await api.act(family.parentIin, number, 'confirm-interest')).status).toBe(200);
      expect((await api.act(family.parentIin, number, 'confirm-interest')).body.code).toBe('ALREADY_CONFIRMED');
      expect((await api.act(family.parentIin, number, 'leave-queue')).status).toBe(200);
      expect((await api.act(family.parentIin, number, 'confirm-interest')).body.code).toBe('APPLICATION_CLOSED');
    });
    expect(events.map((e) => [e.event, e.action, e.code ?? null])).toEqual([
      ['signed_action', 'confirmInterest', null],
      ['signed_action_refused', 'confirmInterest', 'ALREADY_CONFIRMED'],
      ['signed_action', 'leaveQueue', null],
      ['signed_action_refused', 'confirmInterest', 'APPLICATION_CLOSED'],
    ]);
  });
});
