// What every benchmark prints the same way: medians, seconds, the machine's load, a ratio and its target.
import { readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

export const secs = (x: number) => `${x.toFixed(2)} s`.padStart(9);

/** Other work on the machine skews every figure: say how busy it was (1-minute load average). */
export function loadLine(before: boolean): string {
  const one = loadavg()[0] ?? 0;
  const busy = before && one > availableParallelism() / 2 ? ' (busy: expect noisy figures)' : '';
  return `load average ${one.toFixed(2)} on ${availableParallelism()} cores${busy}`;
}

/** "name: 1.23x (target <= 1.5x: met)"; `atLeast` for targets that are a floor. */
export function ratioLine(name: string, ratio: number, target: number, atLeast = false): string {
  const met = atLeast ? ratio >= target : ratio <= target;
  return `${name}: ${ratio.toFixed(2)}x (target ${atLeast ? '>=' : '<='} ${target}x: ${met ? 'met' : 'NOT met'})`;
}

/**
 * CPU seconds (user + system) of this process's finished children (and theirs): /proc/self/stat
 * fields cutime and cstime, in clock ticks of 1/100 s (proc(5); USER_HZ is 100 on Linux). The
 * difference across one child's run is that child's CPU time: what a run costs on an idle machine,
 * where a loaded machine stretches the wall time.
 */
export function childCpuSeconds(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // After "pid (comm) ", field 3 (state) is index 0: cutime is field 16, cstime field 17.
  return (Number(fields[13]) + Number(fields[14])) / 100;
}
