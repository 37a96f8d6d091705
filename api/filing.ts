import { WithStartWorkflowOperation, type Client } from '@temporalio/client';
import type { Db } from '../db/connection';
import { currentEnrollment } from '../db/enrollments';
import { regionSettings } from '../db/regions';
import { findActiveApplication } from '../db/applications';
import { allocateRegistrationNumber } from '../db/registration-numbers';
import { almatyDate } from '../domain/almaty-time';
import type { PersonRegistry } from '../domain/registry';
import { parseIin } from '../domain/iin';
import type { applicationWorkflow } from '../workflows/application';
import {
  APPLICATION_TASK_QUEUE,
  APPLICATION_WORKFLOW_TYPE,
  applicationWorkflowId,
  fileApplicationUpdate,
  type ApplicationFiling,
  type ApplicationState,
} from '../contracts/application';
import { checkNeedCategory } from './need-categories';
import { Problem } from './problems';
import type { FileApplicationRequest } from './schemas/applications';

export interface FilingDeps {
  db: Db;
  temporal: Client;
  registry: PersonRegistry;
}

/**
 * R2: checks what only the server can know (region, registry, R2.5), takes a registration number
 * and starts the application's workflow, answering once the workflow has recorded the filing.
 */
export async function fileApplication(
  { db, temporal, registry }: FilingDeps,
  applicantIin: string,
  req: FileApplicationRequest,
  signedDocumentId?: number,
): Promise<ApplicationState> {
  const region = await regionSettings(db, req.regionCode);
  if (!region) throw new Problem('UNKNOWN_REGION', `no region ${req.regionCode}`, { field: 'regionCode' });
  const { settings } = region;
  await checkNeedCategory(db, req.queueType === 'correctional', req.needCategory);

  if (!(await registry.findPerson(applicantIin))) {
    throw new Problem('APPLICANT_NOT_IN_REGISTRY', 'the applicant is not in the registry of persons');
  }
  if (!(await registry.findPerson(req.childIin))) {
    throw new Problem('CHILD_NOT_IN_REGISTRY', 'no child with this IIN in the registry of persons', { field: 'childIin' });
  }
  if (!(await registry.isParentOf(applicantIin, req.childIin))) {
    throw new Problem('NOT_CHILDS_PARENT', 'the registry does not list the applicant as a parent of this child', {
      field: 'childIin',
    });
  }
  const existing = await findActiveApplication(db, req.childIin, req.queueType);
  if (existing) throw duplicate(existing);
  // R7.2: an enrolled child can get no referral, so a place in line would only gather waiting
  // time ahead of children who can take a seat; the departure (R7.3) comes first.
  const enrolled = await currentEnrollment(db, req.childIin);
  if (enrolled) {
    throw new Problem('CHILD_ENROLLED', 'the child is enrolled in a kindergarten; the kindergarten records the departure first (R7.3)', {
      field: 'childIin',
      kindergartenId: enrolled.kindergartenId,
    });
  }

  const registeredAt = Date.now();
  const year = Number(almatyDate(registeredAt).slice(0, 4));
  const number = await allocateRegistrationNumber(db, { code: region.code, prefix: settings.numberPrefix }, req.queueType, year);
  const iin = parseIin(req.childIin);
  if (!iin.valid) throw new Problem('INVALID_IIN_FORMAT', 'the child IIN is not valid', { field: 'childIin' });
  const filing: ApplicationFiling = {
    number,
    regionCode: req.regionCode,
    queueType: req.queueType,
    childIin: req.childIin,
    applicantIin,
    benefitCategory: req.benefitCategory,
    ...(req.needCategory ? { needCategory: req.needCategory } : {}),
    childBirthDate: iin.birthDate,
    groupYear: Number(iin.birthDate.slice(0, 4)),
    language: req.language,
    contacts: req.contacts,
    registeredAt,
    signedDocumentId,
  };
  return temporal.workflow.executeUpdateWithStart(fileApplicationUpdate, {
    startWorkflowOperation: new WithStartWorkflowOperation<typeof applicationWorkflow>(APPLICATION_WORKFLOW_TYPE, {
      workflowId: applicationWorkflowId(number),
      taskQueue: APPLICATION_TASK_QUEUE,
      args: [{ filing }],
      workflowIdConflictPolicy: 'FAIL',
    }),
  });
}

export function duplicate(existingNumber: string): Problem {
  return new Problem('DUPLICATE_APPLICATION', `the child already has an active application ${existingNumber}`, {
    existingNumber,
  });
}

