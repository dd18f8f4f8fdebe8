export { issueToken } from './fleet.ts';
export { type ApiDeps, createApp, type HttpServer, listen } from './server.ts';
