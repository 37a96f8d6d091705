import type { Knex } from 'knex';

const ACTIVE = `status IN ('queued', 'turn_notified', 'referral_issued')`;

/** R8.1: the categories of need of the correctional queue, in the order the portal lists them. */
const NEED_CATEGORIES = [
  { code: 'speech', name_ru: 'Нарушение речи', name_kk: 'Сөйлеу қабілетінің бұзылуы' },
  { code: 'hearing', name_ru: 'Нарушение слуха', name_kk: 'Есту қабілетінің бұзылуы' },
  { code: 'vision', name_ru: 'Нарушение зрения', name_kk: 'Көру қабілетінің бұзылуы' },
  { code: 'intellectual', name_ru: 'Нарушение интеллекта', name_kk: 'Зияткерлік қабілетінің бұзылуы' },
  { code: 'musculoskeletal', name_ru: 'Нарушение опорно-двигательного аппарата', name_kk: 'Тірек-қимыл аппаратының бұзылуы' },
  { code: 'autism_spectrum', name_ru: 'Расстройства аутистического спектра', name_kk: 'Аутистік спектрдің бұзылыстары' },
  { code: 'delayed_psycho_speech', name_ru: 'Задержка психоречевого развития', name_kk: 'Психикалық-сөйлеу дамуының тежелуі' },
  { code: 'emotional_volitional', name_ru: 'Нарушение эмоционально-волевой сферы', name_kk: 'Эмоционалдық-еріктік саланың бұзылуы' },
  { code: 'complex', name_ru: 'Сложные (комплексные) нарушения развития', name_kk: 'Дамудың күрделі (кешенді) бұзылыстары' },
];

/**
 * The backfill's category for correctional rows filed before categories existed. Only development
 * seeds and tests made such rows (the correctional queue did not work end to end before), and
 * "Нарушение речи" is the category the correctional portal itself shows (seed 002): a family whose
 * child's need differs changes it like the benefit category (R8.1).
 */
const BACKFILL_CATEGORY = 'speech';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('need_categories', (t) => {
    t.text('code').primary();
    t.text('name_ru').notNullable();
    t.text('name_kk').notNullable();
    t.integer('position').notNullable();
  });
  await knex('need_categories').insert(NEED_CATEGORIES.map((c, i) => ({ ...c, position: i + 1 })));

  await knex.schema.alterTable('applications', (t) => {
    t.text('need_category').references('need_categories.code');
  });
  await knex('applications').where({ queue_type: 'correctional' }).update({ need_category: BACKFILL_CATEGORY });
  // R8.1: a correctional application always has a category of need; a general one never has.
  await knex.raw(`ALTER TABLE applications ADD CONSTRAINT applications_need_category_iff_correctional
    CHECK ((need_category IS NOT NULL) = (queue_type = 'correctional'))`);
  // R8.1: the queue counts per region, queue type, group year and — in the correctional queue —
  // category of need (general applications have none, so coalesce keeps them in one range). Queue
  // numbers (db/queue-numbers.ts) and the offer wave (activities/offers.ts) read this index.
  await knex.raw(`CREATE INDEX applications_need_queue_order
    ON applications (region_code, queue_type, group_year, (coalesce(need_category, '')), benefit_rank, registered_at, number) WHERE ${ACTIVE}`);

  // A place of a correctional kindergarten is for one category (required where places are
  // entered: the staff route, seeds, test factories; the kindergarten's kind is another table's).
  await knex.schema.alterTable('places', (t) => {
    t.text('need_category').references('need_categories.code');
  });
  await knex('places')
    .whereIn('kindergarten_id', knex('kindergartens').where({ kind: 'correctional' }).select('id'))
    .update({ need_category: BACKFILL_CATEGORY });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('places', (t) => {
    t.dropColumn('need_category');
  });
  await knex.raw('DROP INDEX applications_need_queue_order');
  await knex.raw('ALTER TABLE applications DROP CONSTRAINT applications_need_category_iff_correctional');
  await knex.schema.alterTable('applications', (t) => {
    t.dropColumn('need_category');
  });
  await knex.schema.dropTable('need_categories');
}
