import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Db } from '../../db/connection';
import { APPLICATION_TASK_QUEUE } from '../../contracts/application';
import { offerPlacesWorkflow, publishPlacesWorkflow } from '../../workflows/offer';
import { finished } from './lifecycle';
import { eventually } from './waits';

type DailyRun<T> = (input: { regionCode: string }) => Promise<T>;

/** Starts a region's daily run (R4.3 publication, R4.4 offer) now, as its schedule would. */
export const startRun = <T>(env: TestWorkflowEnvironment, workflow: DailyRun<T>, regionCode: string) =>
  env.client.workflow.start(workflow, {
    workflowId: `test-${workflow.name}-${randomUUID()}`,
    taskQueue: APPLICATION_TASK_QUEUE,
    args: [{ regionCode }],
  });

/** The result of a daily run that ends without waiting on time (a publication; an offer with nothing to offer). */
export const runToEnd = async <T>(env: TestWorkflowEnvironment, workflow: DailyRun<T>, regionCode: string): Promise<T> =>
  finished(await startRun(env, workflow, regionCode), `${workflow.name} for ${regionCode} to finish`);

/**
 * R4.3 then R4.4: publishes the region's new places and starts the morning offer. Gives the run (it
 * lives until the choice window ends), its wave's row and the applications the wave chose — what the
 * offer query (`FIRST_ELIGIBLE`) picked, in number order, before any of them is signalled.
 */
export async function publishAndOffer(env: TestWorkflowEnvironment, db: Db, regionCode: string) {
  await runToEnd(env, publishPlacesWorkflow, regionCode);
  const run = await startRun(env, offerPlacesWorkflow, regionCode);
  const wave = await eventually(() => db('offer_waves').where({ id: run.workflowId }).first(), Boolean, `the offer wave ${run.workflowId} chosen`);
  const chosen: string[] = await db('offer_wave_applications').where({ wave_id: run.workflowId }).orderBy('application_number').pluck('application_number');
  return { run, wave, chosen };
}
