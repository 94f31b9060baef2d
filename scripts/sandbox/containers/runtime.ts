// testcontainers' client, set up for the test bed before its first use.
import { type ContainerRuntimeClient, getContainerRuntimeClient } from 'testcontainers';

export function runtimeClient(): Promise<ContainerRuntimeClient> {
  // Nodes are reached by their own loopback addresses on the host's network, never through the
  // "container host" testcontainers works out for mapped ports. Left to itself it looks for the
  // engine's bridge network whenever /.dockerenv exists (as on this machine kind, whose engine
  // has no bridge), and gives up when there is none.
  process.env.TESTCONTAINERS_HOST_OVERRIDE ??= 'localhost';
  // The fleet removes its own containers (see fleet.ts); Ryuk's image cannot be pulled here anyway.
  process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';
  return getContainerRuntimeClient();
}
