/**
 * Virtual peers of the device drivers: GPIO lines, a Firmata board on a virtual serial link
 * and an ESC/POS printer on TCP, each with faults on demand. The drivers run unchanged
 * against them, in tests and wherever a profile lets a simulated device stand in.
 */
export {
  type VirtualBoardOptions,
  type VirtualFirmataBoard,
  virtualFirmataBoard,
  virtualSerialPorts,
} from './firmata.ts';
export { type VirtualGpio, virtualGpio } from './gpio.ts';
export { type VirtualPrinter, virtualPrinter } from './printer.ts';
