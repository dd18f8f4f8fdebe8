export { closeSession, dropExpiredSessions, openSession, sessionUser } from './sessions.ts';
export {
  addUser,
  branchRoles,
  checkLogin,
  createUser,
  ensureAdmin,
  NewUser,
  Role,
  type User,
} from './users.ts';
