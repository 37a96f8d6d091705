import { setTimeout as sleep } from 'node:timers/promises';
import type { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { SearchAttributeType } from '@temporalio/common';
import { APPLICATION_SEARCH_ATTRIBUTES } from '../contracts/search-attributes';

/** The server's indexed type of each SDK search attribute type the workflows use. */
export const INDEXED_TYPE: Partial<Record<SearchAttributeType, temporal.api.enums.v1.IndexedValueType>> = {
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
  const listed = await customAttributesOf(connection, namespace);
  const missing = Object.fromEntries(Object.entries(searchAttributes).filter(([name]) => !(listed && name in listed)));
  if (Object.keys(missing).length === 0) return;
  try {
    await connection.operatorService.addSearchAttributes({ namespace, searchAttributes: missing });
  } catch (err) {
    // Another worker starting at the same moment may have added them first.
    if (!/already exists/i.test(String((err as Error).message))) throw err;
  }
  // The time-skipping test server uses them at once and cannot list them.
  if (listed === undefined) return;
  // A Temporal server's services each read the namespace's attributes from a cache refreshed every
  // NAMESPACE_CACHE_REFRESH (system.namespaceCacheRefreshInterval): a workflow task upserting one
  // before then fails with BadSearchAttributes (seen on a fresh cluster's first filing). Wait until
  // they are listed, then two refreshes more.
  const deadline = Date.now() + 30_000;
  for (;;) {
    const now = (await customAttributesOf(connection, namespace)) ?? {};
    if (Object.keys(missing).every((name) => name in now)) break;
    if (Date.now() > deadline) throw new Error(`search attributes ${Object.keys(missing).join(', ')} not listed 30 s after being added`);
    await sleep(250);
  }
  await sleep(2 * NAMESPACE_CACHE_REFRESH_MS);
}

/** The server's default system.namespaceCacheRefreshInterval (2 s in Temporal server 1.32). */
const NAMESPACE_CACHE_REFRESH_MS = 2_000;

/** The namespace's custom search attributes; undefined where the server cannot list them (the time-skipping test server). */
async function customAttributesOf(connection: Connection, namespace: string): Promise<Record<string, unknown> | undefined> {
  try {
    return (await connection.operatorService.listSearchAttributes({ namespace })).customAttributes ?? {};
  } catch {
    return undefined;
  }
}
