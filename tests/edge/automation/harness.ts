import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { hashPassword } from '../../../core/index.ts';
import {
  type Automation,
  type FlowAlert,
  prepareAutomation,
} from '../../../edge/automation/index.ts';
import { type Bus, startBus } from '../../../edge/bus/index.ts';
import { type CapturedContext, tempDir, testContext } from '../../support/context.ts';

export const cookie = 'sb_gateway_session=open-sesame';

export interface AutomationHarness {
  url: string;
  bus: Bus;
  automation: Automation;
  alerts: FlowAlert[];
  context: CapturedContext;
  dataDir: string;
  /** A request to the editor's API with the technician's session cookie. */
  editor(path: string, init?: RequestInit): Promise<Response>;
  stop(): Promise<void>;
}

/**
 * A real bus and HTTP server with Node-RED embedded as the gateway embeds it; the session
 * check is a fixed cookie here, the gateway's own is tested in tests/edge/ui.
 */
export async function startAutomationHarness(flowsFolder?: string): Promise<AutomationHarness> {
  const context = testContext();
  const dir = tempDir('sb-automation-');
  const bus = await startBus({ branch: 'b1', port: 0, clients: [] }, context);
  const app = express();
  const server = http.createServer(app);
  const alerts: FlowAlert[] = [];
  const automation = prepareAutomation(
    {
      config: flowsFolder ? { flowsFolder } : {},
      server,
      bus,
      dataDir: dir.path,
      branchName: 'Test branch',
      access: {
        technicians: [{ username: 'tech', password: await hashPassword('secret') }],
        sessionUser: (header) => (header?.includes(cookie) ? 'tech' : null),
      },
      alert: (alert) => void alerts.push(alert),
      deviceIds: () => ['lights', 'door-1'],
    },
    context,
  );
  app.use(automation.router);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  await automation.start();
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    bus,
    automation,
    alerts,
    context,
    dataDir: dir.path,
    editor: (path, init = {}) =>
      fetch(`${url}/flows${path}`, {
        ...init,
        headers: { cookie, 'content-type': 'application/json', ...(init.headers ?? {}) },
      }),
    stop: async () => {
      await automation.stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await bus.close();
      dir.remove();
    },
  };
}
