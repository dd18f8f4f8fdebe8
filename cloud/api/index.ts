export { type ApiDeps, createApp, type HttpServer, listen } from './server.ts';
export { issueToken } from './fleet.ts';
