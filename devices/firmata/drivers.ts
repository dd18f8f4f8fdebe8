import { SmartBranchError, type Timer } from '../../core/index.ts';
import type { DeviceProfile } from '../../firmware-config/index.ts';
import type { Driver, DriverFactory, DriverHost, Hardware } from '../driver.ts';
import { acquireBoard, type BoardHandle } from './board.ts';

/** The quantity each analog sensor reports, named with its unit where it has one. */
const quantityOfKind: Partial<Record<DeviceProfile['kind'], string>> = {
  'climate-sensor': 'temperatureC',
  'air-quality': 'airQuality',
  'light-sensor': 'lux',
};

/** Firmata boards through johnny-five: analog sensors, LEDs and relays. */
export const firmataDriver: DriverFactory = (host, hardware) =>
  quantityOfKind[host.profile.kind] ? analogSensor(host, hardware) : digitalOutput(host, hardware);

function board(host: DriverHost, hardware: Hardware): Promise<BoardHandle> {
  const { connection, firmware } = host.profile;
  if (connection.type !== 'firmata' || !firmware || !hardware.serial) {
    throw new SmartBranchError('SB_ERR_HARDWARE_MISSING', 'no serial ports on this machine');
  }

  return acquireBoard(
    hardware.serial,
    { path: connection.port, baudRate: connection.baudRate, firmware },
    host.clock,
    host.log,
  );
}

/**
 * Reads an analog pin on the gateway's clock, not johnny-five's Sensor timer, so simulated
 * time drives it: the mean of the readings of each period, corrected by the calibration, is
 * reported when it moved by the change threshold since the last report.
 */
function analogSensor(host: DriverHost, hardware: Hardware): Driver {
  const { profile } = host;
  const quantity = quantityOfKind[profile.kind] ?? 'value';
  let connection: BoardHandle | null = null;
  let timer: Timer | null = null;
  let readings: number[] = [];
  let reported: number | null = null;

  const sample = () => {
    if (readings.length === 0) return;

    const raw = readings.reduce((sum, value) => sum + value, 0) / readings.length;
    readings = [];
    const value = round(raw * profile.calibration.scale + profile.calibration.offset);
    if (reported !== null && Math.abs(value - reported) < profile.sampling.changeThreshold) return;

    reported = value;
    host.telemetry({ [quantity]: value, raw: round(raw), level: level(profile, value) });
  };

  const onReading = (value: number) => void readings.push(value);
  let lost = false;

  return {
    start: async () => {
      const channel = analogChannel(profile);
      connection = await board(host, hardware);
      lost = false;
      connection.onLost((reason) => {
        lost = true;
        timer?.cancel();
        host.lost(reason);
      });
      connection.io.analogRead(channel, onReading);
      timer = host.clock.every(profile.sampling.periodMs, sample);
    },
    stop: async () => {
      timer?.cancel();
      const channel = analogChannel(profile);
      connection?.io.removeListener(`analog-read-${channel}`, onReading);
      if (connection && !lost) connection.io.reportAnalogPin(channel, 0);
      await connection?.release();
      connection = null;
      readings = [];
    },
  };
}

/** LEDs and relays keep the level last asked for, and get it back when the board returns. */
function digitalOutput(host: DriverHost, hardware: Hardware): Driver {
  const { profile } = host;
  let output: { on(): unknown; off(): unknown } | null = null;
  let connection: BoardHandle | null = null;
  let on = false;

  const apply = () => {
    if (on) output?.on();
    else output?.off();
    host.telemetry({ on });
  };

  return {
    start: async () => {
      if (profile.connection.type !== 'firmata') throw new Error('not a Firmata profile');

      const pin = profile.connection.pin;
      connection = await board(host, hardware);
      connection.onLost((reason) => host.lost(reason));
      const { five } = connection;
      if (profile.kind === 'relay') {
        const relay = new five.Relay({ pin, board: connection.board, type: 'NO' });
        output = { on: () => relay.close(), off: () => relay.open() };
      } else {
        output = new five.Led({ pin, board: connection.board });
      }
      apply();
    },
    stop: async () => {
      await connection?.release();
      connection = null;
      output = null;
    },
    switch: async (value) => {
      on = value;
      if (!output) throw new SmartBranchError('SB_ERR_UNAVAILABLE', 'the board is not connected');

      apply();
    },
  };
}

function analogChannel(profile: DeviceProfile): number {
  const pin = profile.connection.type === 'firmata' ? profile.connection.pin : null;
  if (typeof pin === 'string') return Number(pin.slice(1));

  throw new SmartBranchError(
    'SB_ERR_INVALID_CONFIG',
    'an analog sensor needs a pin such as A0',
    'connection.pin',
  );
}

/** The highest named threshold the value reached, or `normal`. */
function level(profile: DeviceProfile, value: number): string {
  const reached = Object.entries(profile.calibration.thresholds)
    .filter(([, threshold]) => value >= threshold)
    .sort((a, b) => b[1] - a[1]);
  return reached[0]?.[0] ?? 'normal';
}

const round = (value: number) => Math.round(value * 100) / 100;
