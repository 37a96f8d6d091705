import type { Config } from '../config';
import {
  NOTICE_DISPATCHER_TASK_QUEUE,
  NOTICE_DISPATCHER_WORKFLOW_ID,
  NOTICE_DISPATCHER_WORKFLOW_TYPE,
  type NoticeDispatcherInput,
} from '../contracts/notices';
import { dispatcherSettings, dispatcherStarter } from './start-once';

/** The dispatcher's input from the worker's configuration. */
export const dispatcherInput = (c: Config): NoticeDispatcherInput => dispatcherSettings(c, 'NOTICE');

/** Starts the notice dispatcher unless one runs (worker/start-once.ts); whether this call started it. */
export const startNoticeDispatcher = dispatcherStarter(NOTICE_DISPATCHER_WORKFLOW_TYPE, NOTICE_DISPATCHER_WORKFLOW_ID, NOTICE_DISPATCHER_TASK_QUEUE);
