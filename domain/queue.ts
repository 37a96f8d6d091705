/** R2.1, R8: the queue types, with the code that stands in registration numbers (R2.4). */
export const QUEUE_TYPES = ['general', 'correctional'] as const;
export type QueueType = (typeof QUEUE_TYPES)[number];
export const QUEUE_NUMBER_CODE: Record<QueueType, string> = { general: 'UO', correctional: 'KDDO' };

/** R4.1: benefit categories in queue order — out-of-turn first, then first-priority, then the rest. */
export const BENEFIT_CATEGORIES = ['out_of_turn', 'first_priority', 'none'] as const;
export type BenefitCategory = (typeof BENEFIT_CATEGORIES)[number];
export const BENEFIT_RANK: Record<BenefitCategory, number> = { out_of_turn: 0, first_priority: 1, none: 2 };

export const LANGUAGES = ['kk', 'ru'] as const;
export type Language = (typeof LANGUAGES)[number];
