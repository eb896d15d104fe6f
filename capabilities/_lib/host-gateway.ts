/**
 * How an app container reaches a service that runs on the host (Redis, PostgreSQL).
 * The service listens on loopback and on the default Docker bridge gateway; the container
 * resolves `host.docker.internal` to that gateway. Never on a public address.
 */
export const DOCKER_BRIDGE_GATEWAY = '172.17.0.1';
export const DOCKER_BRIDGE_SUBNET = '172.17.0.0/16';
export const HOST_ALIAS = 'host.docker.internal';
export const HOST_GATEWAY_RUN_ARGS: readonly string[] = [`--add-host=${HOST_ALIAS}:host-gateway`];
