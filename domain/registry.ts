/** A person as the state registry of persons (ГБД ФЛ) knows them, R1.4. */
export interface Person {
  iin: string;
  lastName: string;
  firstName: string;
  middleName: string | null;
  birthDate: string;
}

/**
 * The state registry of persons. The project reads a mirror in PostgreSQL; a client of the real
 * registry implements the same interface.
 */
export interface PersonRegistry {
  findPerson(iin: string): Promise<Person | undefined>;
  isParentOf(parentIin: string, childIin: string): Promise<boolean>;
}
