import { SmartBranchError, type Timer } from '../../core/index.ts';
import type { PrinterJob } from '../../protocol/index.ts';
import type { DriverFactory, DriverHost } from '../driver.ts';
import { ticketBytes } from './escpos.ts';
import { type PrinterTransport, tcpPrinter, usbPrinter } from './transport.ts';

/**
 * Ticket printers: ESC/POS over TCP or a USB device file. The paper sensor is read every
 * sampling period and before each ticket, so paper-out shows as a degraded device and a job
 * sent then is refused with SB_ERR_PAPER_OUT instead of vanishing into a printer that
 * cannot print it.
 */
export const printerDriver: DriverFactory = (host) => {
  let transport: PrinterTransport | null = null;
  let poll: Timer | null = null;
  let paperOut = false;
  let printed = 0;

  const checkPaper = async (): Promise<boolean> => {
    const status = await (transport?.paper() ?? Promise.resolve('unknown' as const));
    const out = status === 'out';
    if (out !== paperOut) {
      paperOut = out;
      host.condition(out ? 'out of paper' : null);
      host.telemetry({ paper: out ? 'out' : 'ok', printed });
    }
    return !out;
  };

  return {
    start: async () => {
      transport = await open(host);
      transport.onLost((reason) => {
        poll?.cancel();
        host.lost(reason);
      });
      paperOut = false;
      await checkPaper();
      poll = host.clock.every(host.profile.sampling.periodMs, () => void checkPaper());
    },
    stop: async () => {
      poll?.cancel();
      await transport?.close();
      transport = null;
    },
    print: async (job: PrinterJob) => {
      if (!transport) throw new SmartBranchError('SB_ERR_UNAVAILABLE', 'the printer is offline');
      if (!(await checkPaper())) throw new SmartBranchError('SB_ERR_PAPER_OUT', transport.label);

      await transport.write(ticketBytes(job));
      printed += 1;
      host.telemetry({ printed, number: job.number, paper: 'ok' });
    },
  };
};

function open(host: DriverHost): Promise<PrinterTransport> {
  const { connection } = host.profile;
  if (connection.type === 'tcp') {
    return tcpPrinter(connection.address.host, connection.address.port, host.clock);
  }
  if (connection.type === 'usb') return usbPrinter(connection.device);

  throw new SmartBranchError('SB_ERR_INVALID_CONFIG', 'a printer connects by tcp or usb');
}
