export * from './clock.ts';
export * from './config.ts';
export * from './errors.ts';
export * from './log.ts';
export * from './metrics.ts';
export * from './versions.ts';
export * from './passwords.ts';
export * from './context.ts';
export { guardPacketSize, maxPacketBytes } from './packet-size.ts';
