import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../core/index.ts';
import {
  checkProfile,
  firmwareProblem,
  loadProfiles,
  parseProfileText,
} from '../../firmware-config/index.ts';
import { tempDir } from '../support/context.ts';

const folder = tempDir('sb-profiles-');
afterAll(() => folder.remove());

const goodYaml = `profiles:
  - device: kiosk-button
    kind: button
    model: Arcade button on a Raspberry Pi
    version: 1
    connection: { type: gpio, pin: 17, activeLow: true }
    bus: { username: kiosk-button, password: pw-1 }
  - device: climate-1
    kind: climate-sensor
    model: TMP36 on an Arduino Uno
    version: 3
    connection: { type: firmata, port: /dev/ttyACM0, pin: A0 }
    bus: { username: climate-1, password: pw-2 }
    sampling: { periodMs: 5000, changeThreshold: 0.5 }
    calibration: { scale: 0.48828125, offset: -50, thresholds: { hot: 28 } }
    firmware: { name: StandardFirmata, minVersion: "2.5" }
  - device: printer-1
    kind: printer
    model: Epson TM-T20III
    version: 1
    connection: { type: tcp, address: 192.168.10.40 }
    bus: { username: printer-1, password: pw-3 }
`;

const problemsOf = (text: string): string[] => {
  try {
    parseProfileText('profiles.yaml', text);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).code).toBe('SB_ERR_INVALID_CONFIG');
    return (err as ConfigError).problems;
  }
  throw new Error('the profile file was accepted');
};

describe('device profiles', () => {
  it('loads a YAML file with defaults filled in', () => {
    const file = join(folder.path, 'profiles.yaml');
    writeFileSync(file, goodYaml);

    const { profiles } = loadProfiles(file);

    expect(profiles.map((profile) => profile.device)).toEqual([
      'kiosk-button',
      'climate-1',
      'printer-1',
    ]);
    expect(profiles[0]?.sampling).toEqual({
      periodMs: 1000,
      changeThreshold: 0,
      debounceMs: 50,
      stuckAfterMs: 30_000,
    });
    expect(profiles[1]?.calibration).toEqual({
      scale: 0.48828125,
      offset: -50,
      thresholds: { hot: 28 },
    });
    expect(profiles[2]?.connection).toEqual({
      type: 'tcp',
      address: { host: '192.168.10.40', port: 9100 },
    });
    expect(profiles[0]?.allowSimulated).toBe(false);
  });

  it('loads the example branch file shipped for technicians', () => {
    const example = new URL('../../firmware-config/examples/branch.yaml', import.meta.url);

    const { profiles } = loadProfiles(example.pathname);

    expect(profiles.map((profile) => `${profile.device}:${profile.connection.type}`)).toEqual([
      'kiosk-button:gpio',
      'entrance-door:gpio',
      'entrance-counter:gpio',
      'hall-climate:firmata',
      'hall-air:firmata',
      'screen-power:firmata',
      'ticket-printer:tcp',
    ]);
  });

  it('loads the same profiles from JSON', () => {
    const file = join(folder.path, 'profiles.json');
    writeFileSync(
      file,
      JSON.stringify({
        profiles: [
          {
            device: 'door-1',
            kind: 'door',
            model: 'reed contact',
            version: 2,
            connection: { type: 'gpio', pin: 22 },
            bus: { username: 'door-1', password: 'pw' },
          },
        ],
      }),
    );

    expect(loadProfiles(file).profiles[0]?.connection).toEqual({
      type: 'gpio',
      pin: 22,
      activeLow: false,
    });
  });

  it('names every error of a file by its path and line', () => {
    const broken = goodYaml
      .replace('pin: 17, activeLow: true', 'pin: seventeen, activeLow: true')
      .replace('version: 3', 'version: 0')
      .replace('address: 192.168.10.40', 'address: "printer one:99999"')
      .replace('kind: button', 'kind: buton');

    expect(problemsOf(broken)).toEqual([
      'profiles.0.kind (line 3): Invalid option: expected one of "button"|"pir"|"door"|"relay"|' +
        '"led"|"climate-sensor"|"air-quality"|"light-sensor"|"people-counter"|"printer"',
      'profiles.0.connection.pin (line 6): Invalid input: expected number, received string',
      'profiles.1.version (line 11): Too small: expected number to be >0',
      'profiles.2.connection.address (line 21): must be host or host:port',
    ]);
  });

  it('refuses a kind wired through a connection it cannot use, and a board without firmware', () => {
    const wrong = goodYaml
      .replace('kind: printer', 'kind: door')
      .replace('    firmware: { name: StandardFirmata, minVersion: "2.5" }\n', '');

    expect(problemsOf(wrong)).toEqual([
      'profiles.1.firmware (line 8): a Firmata board needs its firmware named, e.g. ' +
        'StandardFirmata 2.5',
      'profiles.2.connection.type (line 20): a door connects through gpio',
    ]);
  });

  it('refuses a device profiled twice, naming both places', () => {
    const twice = goodYaml.replace('device: printer-1', 'device: kiosk-button');

    expect(problemsOf(twice)).toEqual([
      'profiles.2.device (line 17): device kiosk-button is already profiled at profiles.0',
    ]);
  });

  it('reports a file that is not YAML with its line', () => {
    expect(problemsOf('profiles:\n  - device: a\n   kind: [door\n')[0]).toMatch(
      /^\(file\) \(line \d\):/,
    );
  });

  it('reports a missing file as one problem', () => {
    expect(() => loadProfiles(join(folder.path, 'absent.yaml'))).toThrow(/ENOENT/);
  });

  it('checks one pushed profile and names its first bad field', () => {
    const result = checkProfile({
      device: 'led-1',
      kind: 'led',
      model: 'LED',
      version: 2,
      connection: { type: 'firmata', port: 'ttyACM0', pin: 13 },
      bus: { username: 'led-1', password: 'pw' },
      firmware: { name: 'StandardFirmata', minVersion: '2.5' },
    });

    expect(result).toEqual({
      ok: false,
      path: 'connection.port',
      problems: ['connection.port: must be an absolute device path'],
    });
  });
});

describe('firmware requirement', () => {
  const required = { name: 'StandardFirmata', minVersion: '2.5' };

  it('accepts the sketch name with .ino and a newer version', () => {
    expect(
      firmwareProblem(required, { name: 'StandardFirmata.ino', major: 2, minor: 5 }),
    ).toBeNull();
    expect(firmwareProblem(required, { name: 'StandardFirmata', major: 3, minor: 0 })).toBeNull();
  });

  it('says what the board runs and what it needs when they differ', () => {
    expect(firmwareProblem(required, { name: 'StandardFirmata.ino', major: 2, minor: 3 })).toBe(
      'runs StandardFirmata 2.3, needs StandardFirmata 2.5 or newer',
    );
    expect(
      firmwareProblem(required, { name: 'ConfigurableFirmata.ino', major: 2, minor: 10 }),
    ).toBe('runs ConfigurableFirmata 2.10, needs StandardFirmata 2.5 or newer');
  });
});
