import { getExternalWorkflowHandle, log } from '@temporalio/workflow';
import { applicationWorkflowId, recomputeDeadlinesSignal } from '../contracts/application';

const SIGNALS_AT_ONCE = 50;

/**
 * Sends the recompute signal to each application, 50 at a time; one closed meanwhile is passed over
 * with a warning. Answers how many were signalled.
 */
export async function signalRecompute(numbers: string[]): Promise<number> {
  let signalled = 0;
  for (let i = 0; i < numbers.length; i += SIGNALS_AT_ONCE) {
    await Promise.all(
      numbers.slice(i, i + SIGNALS_AT_ONCE).map((number) =>
        getExternalWorkflowHandle(applicationWorkflowId(number))
          .signal(recomputeDeadlinesSignal)
          .then(() => signalled++)
          .catch((err) => log.warn('application not signalled (closed meanwhile?)', { number, error: String(err) })),
      ),
    );
  }
  return signalled;
}
