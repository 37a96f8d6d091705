import type { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { SearchAttributeType } from '@temporalio/common';
import { APPLICATION_SEARCH_ATTRIBUTES } from '../contracts/search-attributes';

const INDEXED_TYPE: Partial<Record<SearchAttributeType, temporal.api.enums.v1.IndexedValueType>> = {
  [SearchAttributeType.KEYWORD]: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  [SearchAttributeType.INT]: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_INT,
};

/**
 * Registers the workflows' custom search attributes on the namespace, idempotently. Without them
 * every workflow task that upserts one fails.
 */
export async function registerSearchAttributes(connection: Connection, namespace: string): Promise<void> {
  const searchAttributes: Record<string, temporal.api.enums.v1.IndexedValueType> = {};
  for (const key of APPLICATION_SEARCH_ATTRIBUTES) {
    const type = INDEXED_TYPE[key.type];
    if (type === undefined) throw new Error(`no indexed type for ${key.name}`);
    searchAttributes[key.name] = type;
  }
  let existing: Record<string, unknown> = {};
  try {
    const listed = await connection.operatorService.listSearchAttributes({ namespace });
    existing = listed.customAttributes ?? {};
  } catch {
    // The time-skipping test server cannot list them; adding is idempotent there.
  }
  const missing = Object.fromEntries(Object.entries(searchAttributes).filter(([name]) => !(name in existing)));
  if (Object.keys(missing).length === 0) return;
  try {
    await connection.operatorService.addSearchAttributes({ namespace, searchAttributes: missing });
  } catch (err) {
    // Another worker starting at the same moment may have added them first.
    if (!/already exists/i.test(String((err as Error).message))) throw err;
  }
}
