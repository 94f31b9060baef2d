// The test bed behind one interface: the namespace sandbox (per-node mount namespaces on this
// machine) and the container fleet (one Debian container per node) both satisfy it, so the demo,
// `npm run sandbox` and the e2e tests never ask which one runs. DEPLOY_TLS_FLEET picks one
// (select.ts).

export type Log = (line: string) => void;

/** A node as deploy-tls and the tests see it: a name, the name clients use, and its address. */
export interface FleetNode {
  index: number;
  name: string;
  host: string;
  address: string;
}

/** The result of a command run as root on a node; stdout is bytes, so files survive intact. */
export interface NodeExecResult {
  code: number;
  stdout: Buffer;
  stderr: string;
}

export interface NodeStatus {
  name: string;
  address: string;
  /** The sshd banner (e.g. SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3), undefined when none answers. */
  sshBanner: string | undefined;
  brokerPid: number | undefined;
  mqtt: boolean;
  mqttTls: boolean;
  /** What only this kind of fleet has (namespace holder PID, container id, memory). */
  details: Record<string, string>;
}

export interface Fleet {
  /** As DEPLOY_TLS_FLEET names it: `namespace` or `container:<release>`. */
  readonly id: string;
  /** Files on this machine that `up` writes for deploy-tls and for people. */
  readonly paths: {
    /** The fleet's own folder (under .sandbox/). */
    state: string;
    inventory: string;
    knownHosts: string;
    /** The private key the inventory logs in with. */
    sshKey: string;
    /** HiveMQ's config.xsd, for `xmllint --schema` on this machine. */
    configXsd: string;
    pkiDir: string;
  };
  /** Who the inventory logs in as, and whether deploy-tls must use sudo (ssh.become). */
  readonly login: { user: string; become: boolean };
  /** The user the broker runs as: keystores are 0640 root:<serviceUser>. */
  readonly serviceUser: string;
  /** The inventory's restart command, run over ssh (through sudo when become). */
  readonly restartCommand: string;
  /** The node's command to start or stop the broker, like restartCommand. */
  serviceCommand(action: 'start' | 'stop'): string;
  /** The port every node's sshd listens on (after `up`). */
  sshPort(): number;
  /** Node `index` (1-based) of this fleet, whether or not it runs. */
  node(index: number): FleetNode;
  /** Address `index` of the fleet's net: nodes use 1..N; tests use others for "nothing there". */
  address(index: number): string;

  /** Starts (or repairs) N nodes and writes the inventory; running nodes keep their state. */
  up(options: { nodes: number; log?: Log; sshPort?: number }): Promise<FleetNode[]>;
  /** Stops and removes everything `up` started. */
  down(options?: { log?: Log }): Promise<void>;
  status(): Promise<NodeStatus[]>;
  /** Lines `sandbox up` prints: how to reach the fleet by hand. */
  usage(nodes: readonly FleetNode[]): string[];

  /**
   * Runs argv as root on the node without going through its sshd: how tests look behind
   * deploy-tls's back (files, processes). `input` goes to stdin.
   */
  exec(node: FleetNode, argv: string[], input?: Buffer | string): Promise<NodeExecResult>;
  /** PID of the running broker (as the node sees it), undefined when none runs. */
  brokerPid(node: FleetNode): Promise<number | undefined>;
}
