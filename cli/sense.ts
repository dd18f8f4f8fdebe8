import type { Command } from 'commander';
import { isSmartBranchError, loadConfigFile } from '../core/index.ts';
import { ffmpegInstalled, ffmpegMissingLine } from '../devices/camera/index.ts';
import { analyseVideo, type VideoReport, ZoneFile } from '../edge/sensing/index.ts';

interface SenseOptions {
  zones?: string;
  fps?: string;
  json?: boolean;
}

/**
 * `smartbranch sense <video-or-url>`: the sensing pipeline alone, for the person at the
 * keyboard. Its per-track output is printed, never stored or published.
 */
export function registerSense(program: Command): void {
  program
    .command('sense <video-or-url>')
    .description('run the audience-sensing pipeline on a video file, stream URL or /dev/videoN')
    .option('--zones <zones.json>', 'zone and counting-line file (default: the whole frame)')
    .option('--fps <n>', "frames analysed per second (default: the clip's own rate, at most 15)")
    .option('--json', 'print one JSON object at the end instead of a summary')
    .action(async (input: string, options: SenseOptions) => {
      process.exitCode = await sense(input, options);
    });
}

async function sense(input: string, options: SenseOptions): Promise<number> {
  const fail = (line: string) => {
    process.stderr.write(`sense: ${line}\n`);
    return 1;
  };
  const fps = options.fps === undefined ? undefined : Number(options.fps);
  if (fps !== undefined && !(fps > 0 && fps <= 60))
    return fail(`--fps ${options.fps}: a number above 0 and at most 60`);

  if (!ffmpegInstalled()) return fail(ffmpegMissingLine);

  try {
    const zones = options.zones ? loadConfigFile(options.zones, ZoneFile) : undefined;
    const progress = progressWriter();
    const report = await analyseVideo(input, {
      ...(fps === undefined ? {} : { fps }),
      ...(zones ? { zones } : {}),
      progress: progress.update,
    });
    progress.done();
    process.stdout.write(options.json ? `${JSON.stringify(report)}\n` : summary(input, report));
    return 0;
  } catch (err) {
    // A zone file failing its schema is a config error, and config errors exit 2 everywhere.
    if (isSmartBranchError(err)) {
      fail(err.message.replace(/\n\s*/g, '; '));
      return err.code === 'SB_ERR_INVALID_CONFIG' ? 2 : 1;
    }

    return fail(`cannot analyse ${input}: ${(err as Error).message}`);
  }
}

/** A bar on a terminal, a status line every tenth of the work elsewhere; always on stderr. */
function progressWriter() {
  const tty = process.stderr.isTTY === true;
  let lastTenth = -1;

  const update = (done: number, total: number | null) => {
    const share = total ? Math.min(1, done / total) : null;
    if (tty) {
      const bar = share === null ? '' : `[${'#'.repeat(Math.round(share * 20)).padEnd(20)}] `;
      process.stderr.write(`\r${bar}${done}${total ? `/${total}` : ''} frames`);
      return;
    }

    const tenth = share === null ? Math.floor(done / 50) : Math.floor(share * 10);
    if (tenth === lastTenth) return;

    lastTenth = tenth;
    process.stderr.write(`sense: ${done}${total ? ` of ${total}` : ''} frames\n`);
  };

  return { update, done: () => tty && process.stderr.write('\n') };
}

function summary(input: string, report: VideoReport): string {
  const genders = report.faces.map((face) => `${face.gender} ${face.ageBand}`).join(', ') || 'none';
  return [
    `${input}: ${report.frames} frames over ${report.seconds} s at ${report.fps} fps (${report.backend})`,
    `people: at most ${report.maxPeople}, ${report.tracks} tracks, occupancy per second ${report.occupancy.join(' ')}`,
    `visits: ${report.visits.length}; faces: ${genders}; attention ${report.attentionSeconds} s`,
    `model: ${report.model.name} ${report.model.version}`,
    '',
  ].join('\n');
}
