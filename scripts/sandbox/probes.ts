// Network probes on the sandbox's loopback addresses. No MQTT library here: a raw MQTT 3.1.1
// CONNECT/CONNACK proves a broker serves, and `up` must work before `npm install` adds mqtt.js.
import net from 'node:net';

/** True when nothing listens on address:port (we could bind it), false on EADDRINUSE. */
export function portIsFree(address: string, port: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') resolve(false);
      else reject(error);
    });
    server.listen({ host: address, port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** Connects, sends `hello` (if any) and resolves with the first bytes received, or undefined. */
function exchange(address: string, port: number, hello: Buffer | undefined, timeoutMs: number) {
  return new Promise<Buffer | undefined>((resolve) => {
    const socket = net.connect({ host: address, port });
    const finish = (value: Buffer | undefined) => {
      socket.destroy();
      resolve(value);
    };
    socket.setTimeout(timeoutMs, () => finish(undefined));
    socket.once('error', () => finish(undefined));
    socket.once('connect', () => {
      if (hello !== undefined) socket.write(hello);
    });
    socket.once('data', (data) => finish(data));
    socket.once('close', () => finish(undefined));
  });
}

export function tcpAnswers(address: string, port: number, timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: address, port });
    const finish = (value: boolean) => {
      socket.destroy();
      resolve(value);
    };
    socket.setTimeout(timeoutMs, () => finish(false));
    socket.once('error', () => finish(false));
    socket.once('connect', () => finish(true));
  });
}

// MQTT 3.1.1 CONNECT: protocol "MQTT" level 4, clean session, keep-alive 30 s, empty client id
// (allowed with clean session; the broker assigns one).
const CONNECT = Buffer.from([0x10, 12, 0, 4, 0x4d, 0x51, 0x54, 0x54, 4, 0x02, 0, 30, 0, 0]);

/** True when address:port answers an MQTT CONNECT with CONNACK "accepted". */
export async function mqttAccepts(address: string, port: number, timeoutMs = 2_000): Promise<boolean> {
  const reply = await exchange(address, port, CONNECT, timeoutMs);
  return reply !== undefined && reply[0] === 0x20 && reply[1] === 2 && reply[3] === 0;
}

/** True when address:port greets like an SSH server. */
export async function sshGreets(address: string, port: number, timeoutMs = 2_000): Promise<boolean> {
  const banner = await exchange(address, port, undefined, timeoutMs);
  return banner?.toString('latin1').startsWith('SSH-2.0-') ?? false;
}

/** The first line an SSH server sends (RFC 4253 4.2), e.g. SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3. */
export async function sshBanner(
  address: string,
  port: number,
  timeoutMs = 2_000,
): Promise<string | undefined> {
  const banner = (await exchange(address, port, undefined, timeoutMs))?.toString('latin1').split('\r\n')[0];
  return banner?.startsWith('SSH-2.0-') ? banner.trim() : undefined;
}
