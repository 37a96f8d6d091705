import type { Knex } from 'knex';
import { GENESIS_HASH } from '../../domain/chain';

/**
 * R11.3: the region's chain head advanced in one call — locked, its next entries numbered and hashed,
 * moved — so that an append is one statement (db/chain.ts `appendChainEntries`) and the head stays
 * locked for that statement and the commit, not for three round trips and the commit: every filing
 * of a region appends to its one chain, and on a filing burst the head was where they waited. Each
 * entry's hash is SHA-256 of its canonical form (domain/chain.ts), completed here from the part after
 * seq and prevHash (`canonicalTail`); the caller checks each against its own computation.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`CREATE FUNCTION chain_advance(p_region text, p_tails text[])
    RETURNS TABLE (ord integer, seq integer, prev_hash text, hash text) LANGUAGE plpgsql VOLATILE AS $$
    DECLARE
      head_seq integer;
      head_hash text;
    BEGIN
      SELECT c.seq, c.hash INTO head_seq, head_hash FROM chain_heads c WHERE c.region_code = p_region FOR UPDATE;
      IF NOT FOUND THEN
        -- Two first appends at once: one inserts, the other waits for its commit and then finds the row.
        INSERT INTO chain_heads (region_code, seq, hash) VALUES (p_region, 0, '${GENESIS_HASH}') ON CONFLICT (region_code) DO NOTHING;
        SELECT c.seq, c.hash INTO head_seq, head_hash FROM chain_heads c WHERE c.region_code = p_region FOR UPDATE;
      END IF;
      FOR i IN 1..coalesce(array_length(p_tails, 1), 0) LOOP
        ord := i;
        prev_hash := head_hash;
        head_seq := head_seq + 1;
        seq := head_seq;
        head_hash := encode(sha256(convert_to('[' || head_seq || ',"' || head_hash || '",' || p_tails[i], 'UTF8')), 'hex');
        hash := head_hash;
        RETURN NEXT;
      END LOOP;
      UPDATE chain_heads c SET seq = head_seq, hash = head_hash WHERE c.region_code = p_region;
      RETURN;
    END $$`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP FUNCTION chain_advance(text, text[])');
}
