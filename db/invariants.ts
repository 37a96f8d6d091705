import type { Db } from './connection';

export interface PlaceViolation {
  placeId: number;
  total: number;
  free: number;
  held: number;
}

/**
 * R4.8: no place holds more referrals than seats, and every free count equals its seats less the
 * referrals that hold one (active or used). An empty list means the invariant holds.
 */
export async function placeInvariantViolations(db: Db): Promise<PlaceViolation[]> {
  const { rows } = await db.raw(`
    SELECT p.id AS place_id, p.total, p.free, count(r.id) AS held
    FROM places p
    LEFT JOIN referrals r ON r.place_id = p.id AND r.state IN ('active', 'used')
    GROUP BY p.id
    HAVING count(r.id) > p.total OR p.free <> p.total - count(r.id)
    ORDER BY p.id`);
  return rows.map((r: { place_id: number; total: number; free: number; held: string }) => ({
    placeId: r.place_id,
    total: r.total,
    free: r.free,
    held: Number(r.held),
  }));
}
