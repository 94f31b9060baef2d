// Hooks run as real child processes (Node itself as the hook program), so stdin, environment and
// timeout behaviour are the operating system's, not a fake's.
import { describe, expect, it } from 'vitest';
import { hookEnvironment, hookPayload, hookSummary, runHook } from '../../../src/alerts/hooks.js';
import { Secret } from '../../../src/secret.js';

const node = process.execPath;
const summary = hookSummary({
  command: 'rotate',
  event: 'failure',
  ok: false,
  startedAt: new Date('2026-11-27T03:00:00Z'),
  finishedAt: new Date('2026-11-27T03:01:00Z'),
  nodes: [
    { node: 'broker1', result: 'renewed', serial: '3C82', notAfter: '2027-11-27T03:00:00.000Z' },
    { node: 'broker2', result: 'failed', error: 'keystore password hunter22 refused' },
  ],
});

describe('hook summary', () => {
  it('carries the named fields only, and redacts a secret a message quoted', () => {
    const withExtra = hookSummary({
      ...{ command: 'rotate', event: 'success', ok: true, startedAt: new Date(0), finishedAt: new Date(0) },
      nodes: [{ node: 'b', result: 'unchanged', password: 'x' } as never],
    });
    expect(withExtra.nodes).toEqual([{ node: 'b', result: 'unchanged' }]);
    const payload = hookPayload(summary, [new Secret('hunter22', 'env X'), new Secret('3C', 'too short')]);
    expect(JSON.parse(payload).nodes[1].error).toBe('keystore password *** refused');
    expect(payload).toContain('"serial":"3C82"');
  });

  it('passes no variable but a few harmless ones', () => {
    const env = hookEnvironment(
      {
        PATH: '/usr/bin',
        HOME: '/root',
        DEPLOY_TLS_CA_PASSWORD: 'ca',
        HIVEMQ_KEYSTORE_PASSWORD: 'ks',
        AWS_SECRET: 's',
      },
      'failure',
    );
    expect(env).toEqual({ PATH: '/usr/bin', HOME: '/root', DEPLOY_TLS_HOOK_EVENT: 'failure' });
  });
});

describe('runHook', () => {
  it('gives the hook the JSON on stdin and its bare environment', async () => {
    const script =
      'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const j=JSON.parse(s);' +
      'console.log(j.event, j.nodes.length, Object.keys(process.env).filter(k=>k!=="PWD").sort().join(","))})';
    const env = hookEnvironment({ ...process.env, DEPLOY_TLS_CA_PASSWORD: 'ca-secret' }, 'failure');
    const result = await runHook([node, '-e', script], hookPayload(summary, []), { env, timeoutMs: 30_000 });
    expect(result.exitCode).toBe(0);
    expect(result.stdout.trim()).toMatch(/^failure 2 (\w+,)*DEPLOY_TLS_HOOK_EVENT(,\w+)*$/);
    expect(result.stdout).not.toContain('DEPLOY_TLS_CA_PASSWORD');
  });

  it('stops a hook that hangs, and reports one that cannot start, without throwing', async () => {
    const hung = await runHook([node, '-e', 'setInterval(() => {}, 1000)'], '{}\n', {
      env: {},
      timeoutMs: 300,
    });
    expect(hung).toMatchObject({ timedOut: true, signal: 'SIGTERM', exitCode: null });
    const missing = await runHook(['/nonexistent/notify'], '{}\n', { env: {}, timeoutMs: 1000 });
    expect(missing.error).toContain('ENOENT');
    const quiet = await runHook([node, '-e', 'process.exit(3)'], 'x'.repeat(1 << 20), {
      env: {},
      timeoutMs: 30_000,
    });
    expect(quiet.exitCode).toBe(3); // did not read its stdin: no EPIPE crash here
  });
});
