// Where a filing's time goes inside the worker, from the Temporal SDK's own metrics on the worker's
// /metrics (WORKER_METRICS_PORT): each histogram's sum and count before and after the burst give the
// mean over the burst. The SDK reports these durations in milliseconds.

/** A histogram's running sum and count, by metric name and the labels that tell its series apart. */
export type MetricsSnapshot = Map<string, { sum: number; count: number }>;

const LABELS = ['task_queue', 'operation', 'workflow_type', 'activity_type'] as const;
type Labels = Partial<Record<(typeof LABELS)[number], string>>;
const LABEL_PATTERNS = LABELS.map((l) => [l, new RegExp(`${l}="([^"]*)"`)] as const);

/** A series by its name and the labels above (others, such as the namespace, are added together). */
const seriesKey = (name: string, labels: Labels): string => [name, ...LABELS.map((l) => labels[l] ?? '')].join('|');
const labelsOf = (text: string): Labels => Object.fromEntries(LABEL_PATTERNS.map(([l, re]) => [l, re.exec(text)?.[1]]).filter(([, v]) => v !== undefined));

/** Sums and counts of every histogram on the workers' /metrics, added over the workers. */
export async function snapshotWorkerMetrics(urls: readonly string[]): Promise<MetricsSnapshot> {
  const snapshot: MetricsSnapshot = new Map();
  for (const url of urls) {
    const text = await (await fetch(url)).text();
    for (const line of text.split('\n')) {
      const m = /^(\w+)_(sum|count)(?:\{([^}]*)\})? ([0-9.eE+-]+)$/.exec(line);
      if (!m) continue;
      const key = seriesKey(m[1]!, labelsOf(m[3] ?? ''));
      const entry = snapshot.get(key) ?? { sum: 0, count: 0 };
      entry[m[2] as 'sum' | 'count'] += Number(m[4]);
      snapshot.set(key, entry);
    }
  }
  return snapshot;
}

/** The mean (ms) of one series over the interval between two snapshots; null when it saw nothing. */
function meanBetween(before: MetricsSnapshot, after: MetricsSnapshot, key: string): number | null {
  const a = after.get(key);
  const b = before.get(key) ?? { sum: 0, count: 0 };
  if (!a || a.count <= b.count) return null;
  return Math.round((10 * (a.sum - b.sum)) / (a.count - b.count)) / 10;
}

/**
 * A filing's hops in the worker, as means over the burst: its workflow task's wait for a poll and
 * its run (both local activities inside it), each local activity's run and its time from scheduled
 * to done, and the task's completion call to the server.
 */
export function filingHops(before: MetricsSnapshot, after: MetricsSnapshot, taskQueue: string, workflowType: string) {
  const la = (activityType: string) => ({
    running: meanBetween(before, after, seriesKey('temporal_local_activity_execution_latency', { task_queue: taskQueue, workflow_type: workflowType, activity_type: activityType })),
    fromScheduled: meanBetween(before, after, seriesKey('temporal_local_activity_succeed_endtoend_latency', { task_queue: taskQueue, workflow_type: workflowType, activity_type: activityType })),
  });
  return {
    workflowTaskScheduleToStart: meanBetween(before, after, seriesKey('temporal_workflow_task_schedule_to_start_latency', { task_queue: taskQueue })),
    workflowTaskExecution: meanBetween(before, after, seriesKey('temporal_workflow_task_execution_latency', { task_queue: taskQueue, workflow_type: workflowType })),
    loadRuleSettings: la('loadRuleSettings'),
    recordFiling: la('recordFiling'),
    respondWorkflowTaskCompleted: meanBetween(before, after, seriesKey('temporal_request_latency', { operation: 'RespondWorkflowTaskCompleted' })),
  };
}
