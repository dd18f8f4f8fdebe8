import type { Kysely } from 'kysely';
import { listBranches } from '../fleet/index.ts';
import type { Database } from '../store/index.ts';
import type { BranchSelector } from './model.ts';
import { controlDb } from './schema.ts';

/** A branch as targeting sees it: the config's fields and HQ's profile. */
export interface TargetBranch {
  id: string;
  region: string | null;
  tags: string[];
  theme: string | null;
}

/**
 * The extension point for catchment attributes (population within 3 km, ...), filled by the
 * insights module: numeric attributes per branch id. Absent: a catchment criterion selects
 * nothing, so a campaign never goes out wider than asked.
 */
export type CatchmentSource = (
  branches: readonly string[],
) => Promise<Map<string, Record<string, number>>>;

export async function targetBranches(db: Kysely<Database>): Promise<TargetBranch[]> {
  const [branches, profiles] = await Promise.all([
    listBranches(db),
    controlDb(db).selectFrom('branch_profiles').select(['branch', 'theme']).execute(),
  ]);
  const themes = new Map(profiles.map((profile) => [profile.branch, profile.theme]));
  return branches.map((branch) => ({
    id: branch.id,
    region: branch.region,
    tags: branch.tags,
    theme: themes.get(branch.id) ?? null,
  }));
}

/** The ids of the branches a selector picks, in id order. */
export async function selectBranches(
  selector: BranchSelector,
  branches: readonly TargetBranch[],
  catchment?: CatchmentSource,
): Promise<string[]> {
  const picked = branches.filter((branch) => matchesFields(selector, branch));
  if (!selector.catchment) return picked.map((branch) => branch.id);

  const attributes = catchment ? await catchment(picked.map((b) => b.id)) : new Map();
  return picked
    .filter((branch) => {
      const values = attributes.get(branch.id) ?? {};
      return (selector.catchment ?? []).every((condition) => {
        const value = values[condition.attribute];
        if (value === undefined) return false;

        return (condition.min ?? -Infinity) <= value && value <= (condition.max ?? Infinity);
      });
    })
    .map((branch) => branch.id);
}

function matchesFields(selector: BranchSelector, branch: TargetBranch): boolean {
  if (selector.branches && !selector.branches.includes(branch.id)) return false;
  if (selector.regions && !(branch.region && selector.regions.includes(branch.region)))
    return false;
  if (selector.tags && !selector.tags.some((tag) => branch.tags.includes(tag))) return false;
  if (selector.themes && !(branch.theme && selector.themes.includes(branch.theme))) return false;
  return true;
}
