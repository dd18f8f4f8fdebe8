import type { RequestHandler } from 'express';
import type { z } from 'zod';
import type { Logger } from '../../core/index.ts';
import { type Channel, channelSchemas, type MessageOf } from '../../protocol/index.ts';
import type { Bus, ChannelParams } from '../bus/index.ts';

/** The part of Node-RED's node API the SmartBranch nodes use (Node-RED ships no types). */
export interface FlowMessage {
  payload?: unknown;
  topic?: string;
  [key: string]: unknown;
}

export interface RedNode {
  id: string;
  on(
    event: 'input',
    handler: (
      msg: FlowMessage,
      send: (msg: FlowMessage) => void,
      done: (err?: Error) => void,
    ) => void,
  ): void;
  on(event: 'close', handler: (done: () => void) => void): void;
  send(msg: FlowMessage): void;
  status(status: {
    fill?: 'red' | 'green' | 'yellow' | 'grey';
    shape?: 'dot' | 'ring';
    text?: string;
  }): void;
  error(text: string, msg?: FlowMessage): void;
}

export interface Red {
  nodes: {
    createNode(node: RedNode, config: unknown): void;
    registerType(type: string, create: (this: RedNode, config: unknown) => void): void;
  };
  httpAdmin: { get(path: string, ...handlers: RequestHandler[]): void };
  auth: { needsPermission(permission: string): RequestHandler };
}

/** A technician alert raised by a flow, shown in the technician UI. */
export interface FlowAlert {
  at: number;
  severity: 'info' | 'warning' | 'critical';
  title: string;
  message: string;
  node: string;
}

/** What the nodes reach in the gateway: the bus in process, the clock, the UI's alerts. */
export interface NodeDoor {
  bus: Bus;
  now(): number;
  log: Logger;
  branchName: string;
  alert(alert: FlowAlert): void;
  /** Device ids from the profiles, offered in the device nodes' edit dialogs. */
  deviceIds(): string[];
}

type Cleanup = () => unknown;

/**
 * Registers a node type whose config is checked by `schema`: a node with a bad config shows
 * the field at fault in red and does nothing; the others run `setup` and its cleanup on close.
 */
export function defineNode<S extends z.ZodType>(
  red: Red,
  type: string,
  schema: S,
  setup: (node: RedNode, config: z.output<S>) => Cleanup | undefined,
) {
  red.nodes.registerType(type, function (this: RedNode, raw: unknown) {
    red.nodes.createNode(this, raw);
    const parsed = schema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const text = `${issue?.path.map(String).join('.') || 'config'}: ${issue?.message}`;
      this.status({ fill: 'red', shape: 'ring', text });
      this.error(`config ${text}`);
      return;
    }

    const cleanup = setup(this, parsed.data);
    this.on('close', (done) => {
      Promise.resolve(cleanup?.()).finally(done);
    });
  });
}

let requests = 0;

/** A request id the queue and devices answer to, unique within this process. */
export function requestId(node: RedNode): string {
  requests += 1;
  return `nr-${node.id}-${requests}`.slice(0, 64);
}

/**
 * Publishes what a node built after checking it with the channel's protocol schema; a message
 * that fails is not sent and the flow hears an error naming the field (a Catch node gets it).
 */
export async function publishChecked<C extends Channel>(
  door: NodeDoor,
  node: RedNode,
  channel: C,
  params: ChannelParams<C>,
  message: unknown,
  msg: FlowMessage,
): Promise<boolean> {
  const checked = channelSchemas[channel].safeParse(message);
  if (!checked.success) {
    const issue = checked.error.issues[0];
    const text = `${channel} ${issue?.path.map(String).join('.') || '(root)'}: ${issue?.message}`;
    node.status({ fill: 'red', shape: 'ring', text });
    node.error(text, msg);
    return false;
  }

  await door.bus.publish(channel, params, checked.data as MessageOf<C>);
  node.status({ fill: 'green', shape: 'dot', text: channel });
  return true;
}

/** Subscribes for a node; the returned cleanup waits for the subscription to end. */
export function listen<C extends Channel>(
  door: NodeDoor,
  channel: C,
  params: Partial<ChannelParams<C>>,
  handler: (message: MessageOf<C>) => void,
): Cleanup {
  const subscribed = door.bus.subscribe(channel, params, handler);
  return async () => (await subscribed)();
}

/** An object payload's fields, or none. */
export function fieldsOf(payload: unknown): Record<string, unknown> {
  return payload && typeof payload === 'object' && !Array.isArray(payload)
    ? (payload as Record<string, unknown>)
    : {};
}
