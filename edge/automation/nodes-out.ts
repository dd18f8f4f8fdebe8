import {
  defineNode,
  type FlowMessage,
  fieldsOf,
  type NodeDoor,
  publishChecked,
  type Red,
  type RedNode,
  requestId,
} from './node-api.ts';
import {
  DeviceOutConfig,
  QueueOutConfig,
  ScreenOutConfig,
  TechnicianAlertConfig,
} from './node-config.ts';

type Input = (msg: FlowMessage) => Promise<unknown>;

/** Runs each message through `handle`; a failure reaches the flow as the node's error. */
function onInput(node: RedNode, handle: Input) {
  node.on('input', (msg, _send, done) => {
    handle(msg).then(
      () => done(),
      (err: Error) => done(err),
    );
  });
}

/** Queue out: issue a ticket for a service, or call-next / end / open / pause / close. */
function queueOut(red: Red, door: NodeDoor) {
  defineNode(red, 'sb-queue-out', QueueOutConfig, (node, config) => {
    onInput(node, async (msg) => {
      const fields = fieldsOf(msg.payload);
      if (config.action === 'issue') {
        const issue = {
          requestId: requestId(node),
          source: 'bus',
          service: config.service ?? fields.service,
          ...(fields.segment === undefined ? {} : { segment: fields.segment }),
        };
        return publishChecked(door, node, 'queueIssue', {}, issue, msg);
      }

      const counter = config.counter ?? fields.counter;
      if (typeof counter !== 'string') {
        node.error('counter: needed in the node or in msg.payload.counter', msg);
        return false;
      }
      const command = { requestId: requestId(node), action: config.action };
      return publishChecked(door, node, 'queueCounterCommand', { counter }, command, msg);
    });
    return undefined;
  });
}

/** Screen out: an override on some or all screens, its early end, or a theme switch. */
function screenOut(red: Red, door: NodeDoor) {
  defineNode(red, 'sb-screen-out', ScreenOutConfig, (node, config) => {
    const id = `flow-${node.id}`.slice(0, 64);
    const screens = config.screens.length ? { screens: config.screens } : {};
    onInput(node, async (msg) => {
      const fields = fieldsOf(msg.payload);
      if (config.kind === 'theme') {
        const theme = config.theme || fields.theme || msg.payload;
        return publishChecked(door, node, 'screenTheme', {}, { theme, at: door.now() }, msg);
      }

      const title =
        config.title || fields.title || (typeof msg.payload === 'string' ? msg.payload : undefined);
      const text = config.text || fields.text;
      const override = {
        id,
        ...screens,
        title: config.kind === 'cancel' ? (title ?? '-') : title,
        ...(text ? { text } : {}),
        minutes: Number(fields.minutes ?? config.minutes),
        ...(config.kind === 'cancel' ? { cancel: true } : {}),
      };
      return publishChecked(door, node, 'screenOverride', {}, override, msg);
    });
    return undefined;
  });
}

/** Device out: switch a relay or LED, or print on a ticket printer. */
function deviceOut(red: Red, door: NodeDoor) {
  defineNode(red, 'sb-device-out', DeviceOutConfig, (node, config) => {
    onInput(node, async (msg) => {
      const fields = fieldsOf(msg.payload);
      const device = config.device ?? fields.device;
      if (typeof device !== 'string') {
        node.error('device: needed in the node or in msg.payload.device', msg);
        return false;
      }

      if (config.action === 'print') {
        const job = {
          branchName: door.branchName,
          service: 'Test',
          number: 'T000',
          ...fields,
          requestId: requestId(node),
        };
        delete (job as Record<string, unknown>).device;
        return publishChecked(door, node, 'printerJob', { device }, job, msg);
      }

      const on = config.on === 'payload' ? (fields.on ?? msg.payload) : config.on === 'on';
      const command = { requestId: requestId(node), action: 'switch', on };
      return publishChecked(door, node, 'deviceCommand', { device }, command, msg);
    });
    return undefined;
  });
}

/** Technician alert: a line in the technician UI's alerts, from msg.payload or a caught error. */
function technicianAlert(red: Red, door: NodeDoor) {
  defineNode(red, 'sb-technician-alert', TechnicianAlertConfig, (node, config) => {
    onInput(node, async (msg) => {
      const fields = fieldsOf(msg.payload);
      // A Catch node's message carries the error it caught: that is the alert's text.
      const caught = fieldsOf(msg.error).message;
      const text =
        typeof msg.payload === 'string' ? msg.payload : String(fields.message ?? caught ?? '');
      door.alert({
        at: door.now(),
        severity: config.severity,
        title: config.title,
        message: text.slice(0, 300),
        node: node.id,
      });
      node.status({ fill: 'yellow', shape: 'dot', text: config.title });
    });
    return undefined;
  });
}

export function registerOutNodes(red: Red, door: NodeDoor) {
  queueOut(red, door);
  screenOut(red, door);
  deviceOut(red, door);
  technicianAlert(red, door);
}
