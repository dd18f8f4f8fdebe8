import type { DeviceProfileInput } from '../../firmware-config/index.ts';

/**
 * Starting points for "add from a profile": one per common device, to be edited before it is
 * added. The bus password is left empty, and required: the form fills in a random one, so
 * no shared placeholder ever becomes a device's login.
 */
export const profileTemplates: Record<string, DeviceProfileInput> = {
  button: {
    device: 'button-1',
    kind: 'button',
    model: 'Call button',
    version: 1,
    connection: { type: 'gpio', pin: 17, activeLow: true },
    bus: { username: 'button-1', password: '' },
    allowSimulated: true,
  },
  door: {
    device: 'door-1',
    kind: 'door',
    model: 'Reed contact',
    version: 1,
    connection: { type: 'gpio', pin: 22 },
    bus: { username: 'door-1', password: '' },
    allowSimulated: true,
  },
  relay: {
    device: 'lights',
    kind: 'relay',
    model: 'Relay board',
    version: 1,
    connection: { type: 'gpio', pin: 27 },
    bus: { username: 'lights', password: '' },
    allowSimulated: true,
  },
  printer: {
    device: 'printer-1',
    kind: 'printer',
    model: 'Epson TM-T20III',
    version: 1,
    connection: { type: 'tcp', address: '127.0.0.1:9100' },
    bus: { username: 'printer-1', password: '' },
  },
};
