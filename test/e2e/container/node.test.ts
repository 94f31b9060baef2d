// What a container fleet's nodes have that a production server has and the namespace sandbox has
// not: a login user that is not root and gets root through sudo, systemd as PID 1 running HiveMQ
// with HiveMQ's own unit as user `hivemq`, and the OpenSSH of a given Debian release. Runs only on
// container fleets (vitest.config.ts selects this folder for DEPLOY_TLS_FLEET=container:<release>).
import { beforeAll, describe, expect, it } from 'vitest';
import { RELEASES, type ReleaseName } from '../../../scripts/sandbox/containers/releases.js';
import { sshBanner } from '../../../scripts/sandbox/probes.js';
import { waitFor } from '../../../scripts/sandbox/processes.js';
import {
  brokerPid,
  fleet,
  NODE_PATHS,
  node,
  nodes,
  restartBroker,
  run,
  ssh,
  sshArgs,
  sshOk,
  sshPort,
  uniqueTopic,
  waitUntilMqttAccepts,
} from '../support/fleet.js';
import { roundTrip } from '../support/mqtt.js';
import { resetToPlain } from '../support/reset.js';

const release = fleet.id.replace(/^container:/, '') as ReleaseName;

beforeAll(async () => {
  expect(Object.keys(RELEASES)).toContain(release);
  await resetToPlain(nodes);
}, 300_000);

describe('the login user', () => {
  it('is not root, cannot change HiveMQ files by itself, and is root through sudo -n', async () => {
    expect((await sshOk(node(1), 'id -un')).trim()).toBe(fleet.login.user);
    expect(fleet.login.user).not.toBe('root');
    const denied = await ssh(node(1), `touch ${NODE_PATHS.home}/conf/deploy-tls-e2e`);
    expect(denied.code).not.toBe(0);
    expect(denied.stderr).toContain('Permission denied');
    expect((await sshOk(node(1), 'sudo -n id -un')).trim()).toBe('root');
  });

  it('root cannot log in over ssh, even with the fleet key', async () => {
    const args = sshArgs(node(1));
    args[args.length - 1] = `root@${node(1).address}`;
    const result = await run('ssh', [...args, 'true']);
    expect(result.code).toBe(255);
    expect(result.stderr).toContain('Permission denied');
  });
});

describe('HiveMQ under systemd', () => {
  it("runs from HiveMQ's unit as user hivemq, with systemd as PID 1", async () => {
    const unit = await sshOk(
      node(1),
      'sudo -n systemctl show --property=User --property=FragmentPath --property=ActiveState hivemq',
    );
    expect(unit).toContain('User=hivemq');
    expect(unit).toContain('FragmentPath=/etc/systemd/system/hivemq.service');
    expect(unit).toContain('ActiveState=active');
    const pid = await brokerPid(node(1));
    expect(pid).toBeDefined();
    expect((await sshOk(node(1), `ps -o user= -p ${pid}`)).trim()).toBe('hivemq');
    expect((await sshOk(node(1), 'cat /proc/1/comm')).trim()).toBe('systemd');
  });

  it('the inventory restart command gives a new main PID and the broker serves again', async () => {
    const target = node(3);
    const before = await brokerPid(target);
    const started = Date.now();
    await restartBroker(target, 60_000);
    const restartReturnedMs = Date.now() - started;
    await waitUntilMqttAccepts(target, 60_000);
    console.log(
      `[measure] ${target.name}: sudo ${fleet.restartCommand} returned after ${restartReturnedMs} ms, serving after ${Date.now() - started} ms`,
    );
    const after = await brokerPid(target);
    expect(after).toBeDefined();
    expect(after).not.toBe(before);
    expect(await roundTrip(`mqtt://${target.address}:1883`, uniqueTopic('after-restart'), 'still here')).toBe(
      'still here',
    );
  });

  it("systemd brings back a broker that died (the unit's Restart=always)", async () => {
    const target = node(2);
    const before = await brokerPid(target);
    await sshOk(target, `sudo -n kill -KILL ${before}`);
    const after = await waitFor(
      `${target.name}'s broker to be restarted by systemd`,
      async () => {
        const pid = await brokerPid(target);
        return pid !== undefined && pid !== before ? pid : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    expect(after).not.toBe(before);
    await waitUntilMqttAccepts(target, 60_000);
  });
});

describe(`Debian ${release}`, () => {
  it.each(nodes.map((n) => [n.name, n] as const))("%s runs the release's OpenSSH", async (_, target) => {
    const banner = await sshBanner(target.address, sshPort());
    expect(banner).toMatch(
      new RegExp(`^SSH-2\\.0-OpenSSH_${RELEASES[release].openssh.replace('.', '\\.')}p\\d`),
    );
    expect(await sshOk(target, '. /etc/os-release && echo "$VERSION_CODENAME"')).toBe(`${release}\n`);
  });
});
