export { closeSession, dropExpiredSessions, openSession, sessionUser } from './sessions.ts';
export { checkLogin, createUser, ensureAdmin, Role, type User } from './users.ts';
