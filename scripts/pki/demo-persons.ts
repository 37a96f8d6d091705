import { DEMO_FAMILIES, DEMO_STAFF, personRow } from '../../db/seeds/development';
import type { PkiPerson } from './test-pki';

/** The seeded parents (individuals) and staff (employees of their organisation's BIN) get test certificates. */
export function demoPersons(): PkiPerson[] {
  const person = (p: Parameters<typeof personRow>[0], holder: PkiPerson['holder'], organisationBin?: string): PkiPerson => ({
    iin: personRow(p).iin,
    surname: p.last_name.toUpperCase(),
    givenName: p.first_name.toUpperCase(),
    holder,
    organisationBin,
  });
  return [
    ...DEMO_FAMILIES.map((f) => person(f.parent, 'individual')),
    ...DEMO_STAFF.map((s) => person(s.person, 'employee', s.organisation_bin)),
  ];
}
