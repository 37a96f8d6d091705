import type { Db } from './connection';
import type { Person, PersonRegistry } from '../domain/registry';

/** The registry read from its mirror tables `persons` and `person_parents`. */
export class MirroredPersonRegistry implements PersonRegistry {
  constructor(private readonly db: Db) {}

  async findPerson(iin: string): Promise<Person | undefined> {
    const row = await this.db('persons').where({ iin }).first();
    if (!row) return undefined;
    return {
      iin: row.iin,
      lastName: row.last_name,
      firstName: row.first_name,
      middleName: row.middle_name,
      birthDate: row.birth_date,
    };
  }

  async isParentOf(parentIin: string, childIin: string): Promise<boolean> {
    const row = await this.db('person_parents').where({ parent_iin: parentIin, child_iin: childIin }).first('child_iin');
    return Boolean(row);
  }
}
