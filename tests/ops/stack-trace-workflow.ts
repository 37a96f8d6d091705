// Not a test: the workflow tests/ops/stack-trace-worker.ts runs, waiting until it is told to finish.
import { condition, defineSignal, setHandler } from '@temporalio/workflow';

export const finishSignal = defineSignal('finish');

export async function waitsToFinish(): Promise<string> {
  let finished = false;
  setHandler(finishSignal, () => void (finished = true));
  await condition(() => finished);
  return 'finished';
}
