import type { SelectQueryBuilder } from 'kysely';
import { SmartBranchError } from '../../core/index.ts';
import type { Database } from '../store/index.ts';
import type { Role } from '../users/index.ts';
import { staffOf } from './assignment.ts';
import type { LeadsDb, LeadsTables } from './schema.ts';

export interface Viewer {
  id: string;
  role: Role;
}

/**
 * What a role may see: a relationship manager their own leads and their branch's pool, a
 * branch manager the branch's leads, HQ roles counts only, a merchant nothing.
 */
export type Scope =
  | { kind: 'leads'; userId: string; branch: string | null; whole: boolean }
  | { kind: 'counts' }
  | { kind: 'none' };

export async function scopeOf(db: LeadsDb, viewer: Viewer): Promise<Scope> {
  if (viewer.role === 'relationship-manager' || viewer.role === 'branch-manager') {
    const staff = await staffOf(db, viewer.id);
    const whole = viewer.role === 'branch-manager';
    return { kind: 'leads', userId: viewer.id, branch: staff?.branch ?? null, whole };
  }
  if (viewer.role === 'merchant') return { kind: 'none' };

  return { kind: 'counts' };
}

/** The scope of a viewer who must see leads one by one, or a 403. */
export async function leadScope(db: LeadsDb, viewer: Viewer) {
  const scope = await scopeOf(db, viewer);
  if (scope.kind !== 'leads') {
    throw new SmartBranchError('SB_ERR_FORBIDDEN', `role ${viewer.role} sees counts only`);
  }

  return scope;
}

type LeadQuery<O> = SelectQueryBuilder<Database & LeadsTables, 'leads', O>;

export function withinScope<O>(
  query: LeadQuery<O>,
  scope: Extract<Scope, { kind: 'leads' }>,
): LeadQuery<O> {
  const { userId, branch, whole } = scope;
  if (whole) return query.where('leads.branch', '=', branch ?? '\u0000none');

  return query.where((where) =>
    where.or([
      where('leads.assignee', '=', userId),
      where.and([where('leads.assignee', 'is', null), where('leads.branch', '=', branch ?? '')]),
    ]),
  );
}
