import { BENEFIT_CATEGORIES, LANGUAGES, QUEUE_TYPES } from '../../domain/queue';
import { APPLICATION_STATUSES, TRANSITION_CAUSES } from '../../domain/statuses';
import { LABELS } from '../../templates/labels';

describe('R3.4 labels in Kazakh and Russian', () => {
  it.each(LANGUAGES)('R3.4 every status, cause, queue type and benefit category has a %s label', (lang) => {
    const labels = LABELS[lang];
    for (const code of APPLICATION_STATUSES) expect(labels.status[code]).toEqual(expect.any(String));
    for (const code of TRANSITION_CAUSES) expect(labels.cause[code]).toEqual(expect.any(String));
    for (const code of QUEUE_TYPES) expect(labels.queueType[code]).toEqual(expect.any(String));
    for (const code of BENEFIT_CATEGORIES) expect(labels.benefitCategory[code]).toEqual(expect.any(String));
  });

  it('R3.4 uses the portal’s own words', () => {
    expect(LABELS.ru.status.referral_issued).toBe('Выдано направление');
    expect(LABELS.kk.status.turn_notified).toBe('Хабарлама жіберілді');
  });
});
