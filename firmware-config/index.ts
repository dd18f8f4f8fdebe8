/**
 * Device profiles and the firmware their boards must run, checked by zod: a technician's
 * profile file is refused whole with every problem named by its path and line.
 */
export { firmwareProblem, type ReportedFirmware } from './firmware.ts';
export { checkProfile, loadProfiles, parseProfileText } from './load.ts';
export {
  BusCredentials,
  Calibration,
  Connection,
  connectionsOfKind,
  DeviceKind,
  DeviceProfile,
  type DeviceProfileInput,
  FirmwareRequirement,
  ProfileFile,
  PushedProfile,
  Sampling,
} from './schema.ts';
