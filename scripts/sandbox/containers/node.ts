// What every node image provides (Dockerfile.node), for the fleet, its inventory and the tests.

/** The login user: key-only ssh, sudo without a password (etc/sudoers.d/deploy). */
export const LOGIN_USER = 'deploy';
/** HiveMQ's own user, which its unit runs the broker as and which owns /opt/hivemq. */
export const SERVICE_USER = 'hivemq';
/** The inventory default deploy-tls assumes on a production server. */
export const RESTART_COMMAND = 'systemctl restart hivemq';
