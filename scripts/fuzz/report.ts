// The findings of the fuzz runs, from Schemathesis's NDJSON event files: every failed check, grouped
// by check, then by operation and answer, each with the shortest request seen as its reproduction.
// Server errors are sent once more, one at a time, to read their cause from the API's log.
import { readFindings, type RunResult } from './findings';
import { render, type RenderOptions } from './render';
import { splitByCause } from './replay';

export type { RunResult } from './findings';

export interface SummaryOptions extends RenderOptions {
  /** The API's log, where it writes `METHOD /path failed <error>` for every 500. */
  apiLog: string;
  /** A live session of the role, to replay server errors with; undefined for anonymous. */
  tokenFor(role: string): Promise<string | undefined>;
}

export async function summarise(results: RunResult[], options: SummaryOptions): Promise<{ text: string; failed: boolean }> {
  const recording = readFindings(results);
  // Each server error once more, alone, to read its cause in the API's log: one finding per cause.
  await splitByCause(recording.findings, options.apiLog, options.tokenFor);
  return render(results, recording, options);
}
