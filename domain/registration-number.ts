import { QUEUE_NUMBER_CODE, type QueueType } from './queue';

/**
 * R2.4: `<region prefix>.<UO|KDDO>.<year>.<serial>.1`, e.g. `75.UO.2026.000021.1`. The region's
 * prefix makes numbers unique nationally; the serial counts per region, queue type and year.
 */
export function formatRegistrationNumber(prefix: string, queueType: QueueType, year: number, serial: number): string {
  return `${prefix}.${QUEUE_NUMBER_CODE[queueType]}.${year}.${String(serial).padStart(6, '0')}.1`;
}

/** What a registration number looks like; a serial past 999,999 simply grows a digit. */
export const REGISTRATION_NUMBER_PATTERN = /^\d{2,3}\.(UO|KDDO)\.\d{4}\.\d{6,9}\.\d$/;
