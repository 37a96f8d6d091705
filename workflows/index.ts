// The workflow bundle's entry: every workflow the worker runs.
export { applicationWorkflow } from './application';
export { offerPlacesWorkflow, publishPlacesWorkflow } from './offer';
export { announceCalendarChangeWorkflow, correctStopListsWorkflow } from './corrections';
export { noticeDispatcherWorkflow } from './notice-dispatcher';
export { documentDispatcherWorkflow } from './document-dispatcher';
