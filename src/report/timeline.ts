// A shared time axis for the fleet report: every certificate's remaining life as a bar from now to
// its notAfter, on one scale, so a leaf that outlives its intermediate (or an intermediate close to
// the root's end) shows at a glance. Pure geometry: dates in, SVG text out.
import { escapeHtml } from './escape.js';

const DAY_MS = 86_400_000;
export const BAR_WIDTH = 480; // px of the SVG viewBox
const BAR_HEIGHT = 18;
// Leaves live about a year and CAs ten: on one linear scale a leaf with 20 days left is a sliver.
// So the first NEAR_DAYS take NEAR_SHARE of the width and the years beyond share the rest.
const NEAR_DAYS = 400;
const NEAR_SHARE = 0.6;

export interface Axis {
  start: Date;
  end: Date;
  /** Where the scale changes from near (linear, wide) to far (linear, compressed); absent: one scale. */
  near?: Date;
}

/** From now to the latest expiry, at least 30 days so a fleet of near-expired certificates stays readable. */
export function axisFor(now: Date, expiries: readonly Date[]): Axis {
  const latest = Math.max(now.getTime() + 30 * DAY_MS, ...expiries.map((d) => d.getTime()));
  const near = now.getTime() + NEAR_DAYS * DAY_MS;
  // Break the scale only when the far part is at least as long again as the near one.
  return latest > now.getTime() + 2 * NEAR_DAYS * DAY_MS
    ? { start: now, end: new Date(latest), near: new Date(near) }
    : { start: now, end: new Date(latest) };
}

export function daysLeft(now: Date, notAfter: Date): number {
  return Math.floor((notAfter.getTime() - now.getTime()) / DAY_MS);
}

/** Urgency by days left: what an operator should do now, matching rotate's 30-day default window. */
export function urgency(days: number): 'expired' | 'critical' | 'warning' | 'ok' {
  if (days < 0) return 'expired';
  if (days < 14) return 'critical';
  if (days < 30) return 'warning';
  return 'ok';
}

/** The x of a date on the axis, clamped to it, rounded to 0.1 px. */
export function position(axis: Axis, date: Date): number {
  const t = Math.min(Math.max(date.getTime(), axis.start.getTime()), axis.end.getTime());
  const linear = (from: number, to: number, x0: number, x1: number) =>
    x0 + ((t - from) / (to - from)) * (x1 - x0);
  const start = axis.start.getTime();
  const end = axis.end.getTime();
  const x = !axis.near
    ? linear(start, end, 0, BAR_WIDTH)
    : t <= axis.near.getTime()
      ? linear(start, axis.near.getTime(), 0, NEAR_SHARE * BAR_WIDTH)
      : linear(axis.near.getTime(), end, NEAR_SHARE * BAR_WIDTH, BAR_WIDTH);
  return Math.round(x * 10) / 10;
}

function trackSvg(axis: Axis, height: number): string {
  const near = axis.near ? position(axis, axis.near) : BAR_WIDTH;
  const far = axis.near
    ? `<rect class="track far" x="${near}" y="0" width="${BAR_WIDTH - near}" height="${height}"/>`
    : '';
  return `<rect class="track" x="0" y="0" width="${near}" height="${height}"/>${far}`;
}

/**
 * One row's bar: remaining life from now to `notAfter`, plus dashed marks where the intermediate and
 * the root end (a certificate is worth nothing past its issuer's end).
 */
export function barSvg(
  axis: Axis,
  notAfter: Date,
  marks: readonly { label: string; at: Date }[],
  title: string,
): string {
  const days = daysLeft(axis.start, notAfter);
  const width = Math.max(position(axis, notAfter), days >= 0 ? 2 : 0);
  const lines = marks.map((mark) => {
    const x = position(axis, mark.at);
    return `<line class="mark" x1="${x}" x2="${x}" y1="0" y2="${BAR_HEIGHT}"><title>${escapeHtml(mark.label)}</title></line>`;
  });
  return `<svg class="bar" viewBox="0 0 ${BAR_WIDTH} ${BAR_HEIGHT}" width="${BAR_WIDTH}" height="${BAR_HEIGHT}" role="img" aria-label="${escapeHtml(title)}"><title>${escapeHtml(title)}</title>${trackSvg(axis, BAR_HEIGHT)}<rect class="fill ${urgency(days)}" x="0" y="2" width="${width}" height="${BAR_HEIGHT - 4}"/>${lines.join('')}</svg>`;
}

/** Ticks under the bars: every other month on the near part, years on the far part. */
export function axisSvg(axis: Axis): string {
  const ticks: string[] = [];
  let lastLabel = Number.NEGATIVE_INFINITY;
  const cursor = new Date(Date.UTC(axis.start.getUTCFullYear(), axis.start.getUTCMonth() + 1, 1));
  for (; cursor <= axis.end; cursor.setUTCMonth(cursor.getUTCMonth() + 1)) {
    const near = !axis.near || cursor <= axis.near;
    const month = cursor.getUTCMonth();
    if (near ? month % 2 !== 0 : month !== 0) continue;
    const x = position(axis, cursor);
    // a label needs about 50 px: skip one that would overlap the last or leave the picture
    const room = x - lastLabel >= 50 && x >= 20 && x <= BAR_WIDTH - 20;
    const label = near ? cursor.toISOString().slice(0, 7) : String(cursor.getUTCFullYear());
    ticks.push(`<line x1="${x}" x2="${x}" y1="0" y2="6"/>`);
    if (room) {
      ticks.push(`<text x="${x}" y="18" text-anchor="middle">${label}</text>`);
      lastLabel = x;
    }
  }
  return `<svg class="axis" viewBox="0 0 ${BAR_WIDTH} 20" width="${BAR_WIDTH}" height="20" aria-hidden="true">${ticks.join('')}</svg>`;
}
