/**
 * Not a test: a worker in a child process, started with the Node flags `scripts/lib/node-flags.cjs`
 * gives worker/main.ts (or none, `--no-flags` being the test's), on a task queue of its own (argv[2]).
 * It runs a workflow that waits, asks the `__stack_trace` query of it, lets it finish, and prints
 * one JSON line: what the query answered and the workflow's result. tests/ops/stack-traces.test.ts
 * reads it. A child process because Node gives a thread the flags its process started with.
 */
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { finishSignal, waitsToFinish } from './stack-trace-workflow';

async function main(): Promise<void> {
  const taskQueue = process.argv[2];
  if (!taskQueue) throw new Error('usage: stack-trace-worker.ts <task queue>');
  const address = process.env.TEMPORAL_ADDRESS!;
  Runtime.install({ logger: { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} } });
  const connection = await NativeConnection.connect({ address });
  const worker = await Worker.create({ connection, taskQueue, workflowsPath: require.resolve('./stack-trace-workflow') });
  const clientConnection = await Connection.connect({ address });
  const client = new Client({ connection: clientConnection });
  const answer = await worker.runUntil(async () => {
    const handle = await client.workflow.start(waitsToFinish, { taskQueue, workflowId: `${taskQueue}-wf` });
    const stack = await handle.query<string>('__stack_trace').then(
      (trace) => ({ trace }),
      (err: Error) => ({ refused: err.message }),
    );
    await handle.signal(finishSignal);
    return { ...stack, result: await handle.result() };
  });
  await clientConnection.close();
  await connection.close();
  process.stdout.write(`${JSON.stringify(answer)}\n`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
