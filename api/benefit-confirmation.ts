import type { Client } from '@temporalio/client';
import { applicationWorkflowId, confirmBenefitUpdate, type ConfirmBenefitRequest } from '../contracts/application';
import { withStatusLabel } from './labels';

/**
 * R5.7, R10.2: sends a signed benefit confirmation to the application's workflow, which checks the
 * confirmer against the region's mode, and answers as `benefitConfirmedAnswer`.
 */
export async function sendBenefitConfirmation(
  temporal: Client,
  number: string,
  signer: string,
  doc: { params: { accepted: boolean; documentIssuedOn: string }; nonce: string; documentId: number },
  kindergartenId?: number,
) {
  // Nonces are unique per signer, so the signer names the update too.
  const requestId = `${signer}:${doc.nonce}`;
  const request: ConfirmBenefitRequest = {
    accepted: doc.params.accepted,
    documentIssuedOn: doc.params.documentIssuedOn,
    ...(kindergartenId !== undefined ? { kindergartenId } : {}),
    requestId,
    actorIin: signer,
    signedDocumentId: doc.documentId,
  };
  const state = await temporal.workflow.getHandle(applicationWorkflowId(number)).executeUpdate(confirmBenefitUpdate, { args: [request], updateId: requestId });
  return withStatusLabel({
    applicationNumber: number,
    status: state.status,
    statusCause: state.statusCause,
    benefitCategory: state.benefitCategory,
    stopListUntil: state.deadlines.stopListUntil ?? null,
  });
}
