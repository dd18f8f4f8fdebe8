import { z } from 'zod';
import { SmartBranchError } from '../../core/index.ts';
import { Id } from '../../protocol/index.ts';
import { BranchSelector, type ControlPlane } from '../campaigns/index.ts';
import {
  branchExists,
  branchModules,
  branchProfile,
  CommandInput,
  gatewayHealth,
  getCommand,
  ModulesInput,
  modulesFollowed,
  ProfileInput,
  PushProfileInput,
  saveProfile,
  sendCommand,
  setModules,
} from '../fleet/index.ts';
import { type Call, param, RouteBook } from './routebook.ts';

const everyHqRole = [
  'admin',
  'marketer',
  'analyst',
  'branch-manager',
  'relationship-manager',
] as const;

/** Fleet operations: gateway health, modules per branch or group, profiles, commands. */
export function operationsBook(plane: ControlPlane, now: () => number): RouteBook {
  const book = new RouteBook();
  const db = plane.db;
  const branch = async (call: Call<unknown, unknown>) => {
    const id = param(call, 'branch', Id);
    if (!(await branchExists(plane.store, id)))
      throw new SmartBranchError('SB_ERR_NOT_FOUND', `branch ${id}`, 'branch');
    return id;
  };

  book.add({
    method: 'get',
    path: '/api/fleet/gateways',
    summary: 'Health of every gateway; silent longer than 2 minutes shows offline',
    access: ['admin'],
    handler: async () => ({
      at: now(),
      gateways: await gatewayHealth(plane.store, plane.offlineAfterMs, now()),
    }),
  });
  book.add({
    method: 'get',
    path: '/api/branches/:branch/modules',
    summary: 'The modules HQ set for a branch and what each of its gateways runs',
    access: everyHqRole,
    handler: async (call) => {
      const id = await branch(call);
      return { ...(await branchModules(db, id)), gateways: await modulesFollowed(plane.store, id) };
    },
  });
  book.add({
    method: 'put',
    path: '/api/branches/:branch/modules',
    summary: "Switch a branch's modules on or off; the gateway follows",
    access: ['admin'],
    body: ModulesInput,
    handler: async (call) =>
      setModules(db, plane.broker, await branch(call), call.body.modules, now()),
  });
  book.add({
    method: 'put',
    path: '/api/modules',
    summary: 'Switch modules for a group of branches chosen by a selector',
    access: ['admin'],
    body: ModulesInput.extend({ branches: BranchSelector }),
    handler: async ({ body }) => {
      const picked = await plane.selectBranches(body.branches);
      for (const id of picked) await setModules(db, plane.broker, id, body.modules, now());
      return { branches: picked };
    },
  });
  book.add({
    method: 'get',
    path: '/api/branches/:branch/profile',
    summary: "A branch's theme, address and coordinates",
    access: everyHqRole,
    handler: async (call) => branchProfile(db, await branch(call)),
  });
  book.add({
    method: 'put',
    path: '/api/branches/:branch/profile',
    summary: "Set a branch's theme, address or coordinates",
    access: ['admin'],
    body: ProfileInput,
    handler: async (call) => saveProfile(db, await branch(call), call.body),
  });
  book.add({
    method: 'post',
    path: '/api/gateways/:gateway/commands',
    summary: 'Send a remote command; it ends acknowledged, failed or timed out',
    access: ['admin'],
    body: CommandInput,
    status: 202,
    handler: async (call) => sendCommand(plane, param(call, 'gateway', Id), call.body, now()),
  });
  book.add({
    method: 'put',
    path: '/api/gateways/:gateway/devices/:device/profile',
    summary:
      "Push a device's new profile (without its bus credentials) to the gateway that runs it; " +
      'it ends applied, failed and rolled back, or timed out',
    access: ['admin'],
    body: PushProfileInput,
    status: 202,
    handler: async (call) => {
      const device = param(call, 'device', Id);
      if (call.body.profile.device !== device) {
        const message = 'profile.device: must be the device in the path';
        throw new SmartBranchError('SB_ERR_INVALID_REQUEST', message, 'profile.device');
      }

      const input = CommandInput.parse({ ...call.body, action: 'push-profile', device });
      return sendCommand(plane, param(call, 'gateway', Id), input, now());
    },
  });
  book.add({
    method: 'get',
    path: '/api/commands/:id',
    summary: 'A command and its answer',
    access: ['admin'],
    handler: async (call) => getCommand(db, param(call, 'id', z.string().min(8).max(64))),
  });
  return book;
}
