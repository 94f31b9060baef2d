// When a certificate is due for renewal. A renewal window is written as days before expiry ("30d")
// or as a share of the certificate's whole lifetime ("33%", cert-manager's renewBefore idea): the
// inventory, `rotate --renew-before`, the plan and the client bundles all read it here.

const DAY_MS = 86_400_000;

/** "30d" or "33%": the one syntax of a renewal window. */
export const RENEWAL_WINDOW = /^(\d+)d$|^(\d{1,2})%$/;

export const RENEWAL_WINDOW_HINT = 'days before expiry ("30d") or a share of the lifetime ("33%")';

export function isRenewalWindow(text: string): boolean {
  return RENEWAL_WINDOW.test(text);
}

export interface Lifetime {
  notBefore: Date;
  notAfter: Date;
}

/** How long before notAfter the window opens, in milliseconds. */
export function renewalWindowMs(window: string, lifetime: Lifetime): number {
  const match = RENEWAL_WINDOW.exec(window);
  if (!match) throw new Error(`not a renewal window: ${window} (${RENEWAL_WINDOW_HINT})`);
  if (match[1] !== undefined) return Number(match[1]) * DAY_MS;
  return ((lifetime.notAfter.getTime() - lifetime.notBefore.getTime()) * Number(match[2])) / 100;
}

/** Why the certificate is due ("expired on …", "expires in N days (renew 30d before)"), or undefined. */
export function renewalReason(lifetime: Lifetime, window: string, now: Date): string | undefined {
  const left = lifetime.notAfter.getTime() - now.getTime();
  if (left <= 0) return `expired on ${lifetime.notAfter.toISOString().slice(0, 10)}`;
  if (left <= renewalWindowMs(window, lifetime))
    return `expires in ${Math.floor(left / DAY_MS)} days (renew ${window} before)`;
  return undefined;
}
