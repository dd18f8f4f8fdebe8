import type { Kysely } from 'kysely';
import { SmartBranchError } from '../../core/index.ts';
import { branchExists } from '../fleet/index.ts';
import { leadsDb, upsertStaff } from '../leads/index.ts';
import type { Database } from '../store/index.ts';
import { addUser, branchRoles, NewUser } from '../users/index.ts';
import { RouteBook } from './routebook.ts';

/** HQ users an admin creates: managers who read their branch's leads, and the other roles. */
export function userBook(db: Kysely<Database>, now: () => number): RouteBook {
  const book = new RouteBook();
  book.add({
    method: 'post',
    path: '/api/users',
    summary:
      'Create an HQ user; a branch or relationship manager is put on the staff of their branch',
    access: ['admin'],
    body: NewUser,
    status: 201,
    handler: async (call) => {
      const { branch } = call.body;
      const atBranch = branchRoles.includes(call.body.role) && branch !== undefined;
      if (atBranch && !(await branchExists(db, branch))) {
        throw new SmartBranchError(
          'SB_ERR_INVALID_REQUEST',
          `branch: no branch ${branch}`,
          'branch',
        );
      }

      const user = await addUser(db, call.body, now());
      // On the branch's staff, a manager reads its leads; skills (which leads an RM is
      // assigned) are set later with PUT /api/leads/staff.
      if (atBranch) {
        await upsertStaff(leadsDb(db), {
          userId: user.id,
          branch,
          displayName: user.username,
          skills: [],
          onDuty: true,
        });
      }
      return { ...user, ...(atBranch ? { branch } : {}) };
    },
  });
  return book;
}
