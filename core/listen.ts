/**
 * Connections a cloud listener lets wait for accept, instead of Node's 511. A campaign sends
 * thousands of gateways to the cloud at one moment (each fetches the asset), and a broker
 * restart sends them all back at once; while the event loop is busy past 511 waiting, Linux
 * drops the rest (`ListenOverflows` in /proc/net/netstat) and each client waits out SYN
 * retries, past its connect timeout for some. Linux caps it at `net.core.somaxconn` (4096 by
 * default since 5.4).
 */
export const listenBacklog = 4096;
