import http from 'node:http';
import express from 'express';
import { vi } from 'vitest';

export interface Route {
  method: string;
  path: string;
}

interface Layer {
  route?: { path: string; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
  slash?: boolean;
  rawPath?: unknown;
  name?: string;
}

/**
 * Catches the express app each `http.createServer` in the process is handed, so a test can
 * list the routes a server really serves instead of a list kept by hand.
 */
export function captureApps(): express.Express[] {
  const apps: express.Express[] = [];
  const original = http.createServer.bind(http);
  vi.spyOn(http, 'createServer').mockImplementation(((...args: unknown[]) => {
    const handler = args.find((arg) => typeof arg === 'function');
    if (handler) apps.push(handler as express.Express);
    return (original as (...given: unknown[]) => http.Server)(...args);
  }) as typeof http.createServer);
  return apps;
}

/**
 * Catches every express router made in the process: the gateway's modules sit behind doors
 * that pick their current router per request, so walking the app alone does not reach them.
 */
export function captureRouters(): express.Router[] {
  const routers: express.Router[] = [];
  const original = express.Router;
  vi.spyOn(express, 'Router').mockImplementation(((...args: unknown[]) => {
    const router = (original as (...given: unknown[]) => express.Router)(...args);
    routers.push(router);
    return router;
  }) as typeof express.Router);
  return routers;
}

/** Every route of a router, with the paths of the routers it mounts. */
export function routerRoutes(router: express.Router): Route[] {
  return walk((router as unknown as { stack: Layer[] }).stack, '');
}

/** Every route of an express 5 app, with the paths of the routers it is mounted under. */
export function routesOf(app: express.Express): Route[] {
  const root = (app as unknown as { router: { stack: Layer[] } }).router;
  return walk(root.stack, '');
}

function walk(stack: Layer[], prefix: string): Route[] {
  return stack.flatMap((layer) => {
    if (layer.route) {
      const path = `${prefix}${layer.route.path}`;
      return Object.keys(layer.route.methods).map((method) => ({ method, path }));
    }
    if (!layer.handle?.stack) return [];
    if (layer.slash) return walk(layer.handle.stack, prefix);
    if (typeof layer.rawPath !== 'string') {
      throw new Error(`a router (${layer.name}) is mounted below ${String(layer.rawPath)}`);
    }
    return walk(layer.handle.stack, `${prefix}${layer.rawPath}`);
  });
}

/** What a refused request must look like: 4xx, JSON, no trace of the server's insides. */
export function insideLeaks(text: string): string | null {
  const leak = [
    /\n\s+at .+:\d+:\d+/,
    /node_modules/,
    /\/work\//,
    /\.ts:\d+/,
    /TypeError|ReferenceError/,
  ].find((pattern) => pattern.test(text));
  return leak ? `leaks ${leak}` : null;
}
