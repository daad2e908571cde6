import { freeLoopbackPort } from '@meshgate/testkit';

/** A TCP port that was free a moment ago on 127.0.0.1, below the ephemeral range (for child processes that need a fixed port). */
export function freePort(): Promise<number> {
  return freeLoopbackPort();
}
