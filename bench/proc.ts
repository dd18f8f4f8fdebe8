// What the benches read about other processes from Linux's /proc: CPU time and memory.
import { readFileSync } from 'node:fs';

/** Clock ticks per second of /proc's CPU times (USER_HZ), 100 on every Linux the box runs. */
const ticksPerSecond = 100;

/** The fields of /proc/PID/stat after the command name, which may itself hold spaces. */
function statFields(pid: number): string[] {
  return (readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1] ?? '').split(' ');
}

/** User + system CPU seconds of a process, every thread included. */
export function cpuSeconds(pid: number): number {
  const fields = statFields(pid);
  return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
}

/** User + system CPU seconds of the children a process has waited for. */
export function waitedChildrenCpuSeconds(pid: number): number {
  const fields = statFields(pid);
  return (Number(fields[13]) + Number(fields[14])) / ticksPerSecond;
}

/** The process ids of a process's children running now. */
export function childPids(pid: number): number[] {
  try {
    const text = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
    return text ? text.split(' ').map(Number) : [];
  } catch {
    return [];
  }
}

/** Resident memory now (VmRSS) or at its peak (VmHWM), in MiB; 0 for a process gone. */
export function memoryMb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
    return Math.round(kb / 1024);
  } catch {
    return 0;
  }
}
