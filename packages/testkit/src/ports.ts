/**
 * Ports for child processes that must be told theirs in advance. `listen(0)` hands out a port of
 * the kernel's ephemeral range, the same range every outgoing connection (to Postgres, NATS, a
 * peer) takes its local port from — so a port free a moment ago can be an outgoing connection's
 * by the time the child binds it. These come from below that range instead, where only listeners
 * that ask for a number live, and are checked free by binding them.
 */
import { readFileSync } from 'node:fs';
import net from 'node:net';

const FIRST_CANDIDATE = 10_000;

/** The lowest port of the kernel's ephemeral range (Linux; 32768 where it cannot be read). */
function ephemeralLow(): number {
  try {
    const [low] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    return Number.isInteger(low) && low > FIRST_CANDIDATE + 1000 ? low : 32_768;
  } catch {
    return 32_768;
  }
}

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A loopback TCP port below the ephemeral range that was free a moment ago. */
export async function freeLoopbackPort(): Promise<number> {
  const span = ephemeralLow() - FIRST_CANDIDATE;
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = FIRST_CANDIDATE + Math.floor(Math.random() * span);
    if (await bindable(port)) return port;
  }
  throw new Error(`no free loopback port found between ${FIRST_CANDIDATE} and ${FIRST_CANDIDATE + span}`);
}
