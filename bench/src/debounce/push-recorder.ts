/**
 * What the server of an embedded meshgate did, with times (ms, `performance.now()`): log
 * sequences its follower reached, debounced pushes (and the sequence each pushed) and the
 * endpoint and route ACKs of every proxy. The debounce bench reads its figures off these.
 */
import { performance } from 'node:perf_hooks';
import type { RunningMeshgate } from '@meshgate/cli';
import { TYPE_URL } from '@meshgate/compiler';

export interface Ack {
  at: number;
  proxyId: string;
  typeUrl: string;
  version: string;
}

export interface Push {
  at: number;
  /** The follower's sequence when the push started: every change up to it went out in this push. */
  sequence: number;
  queued: number;
}

export class PushRecorder {
  readonly advances: { at: number; sequence: number }[] = [];
  readonly pushes: Push[] = [];
  readonly acks: Ack[] = [];
  private readonly detach: () => void;

  constructor(private readonly meshgate: RunningMeshgate) {
    const follower = meshgate.xds.follower;
    const ads = meshgate.xds.ads;
    const onAdvanced = (sequence: number) => this.advances.push({ at: performance.now(), sequence });
    const onPush = (queued: number) => this.pushes.push({ at: performance.now(), sequence: follower.sequence, queued });
    const onAck = (proxyId: string, typeUrl: string, version: string) => {
      if (typeUrl === TYPE_URL.endpoint || typeUrl === TYPE_URL.route) this.acks.push({ at: performance.now(), proxyId, typeUrl, version });
    };
    follower.on('advanced', onAdvanced);
    ads.on('push', onPush);
    ads.on('ack', onAck);
    this.detach = () => {
      follower.off('advanced', onAdvanced);
      ads.off('push', onPush);
      ads.off('ack', onAck);
    };
  }

  close(): void {
    this.detach();
  }

  /** Pushes that sent something, from `since` on. */
  pushesSince(since: number): Push[] {
    return this.pushes.filter((p) => p.at >= since && p.queued > 0);
  }

  /** When the follower first held `sequence`. */
  heldAt(sequence: number): number | undefined {
    return this.advances.find((a) => a.sequence >= sequence)?.at;
  }

  /** When the first push carrying `sequence` started. */
  pushedAt(sequence: number): number | undefined {
    return this.pushes.find((p) => p.sequence >= sequence && p.queued > 0)?.at;
  }

  /**
   * Resolves once the server is quiet after the change of log sequence `sequence`: a push carried
   * it, an ACK came after it, nothing is queued or unflushed and no ACK came for `quietMs`.
   */
  async settled(sequence: number, quietMs = 200, timeoutMs = 120_000): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const { queued, unflushed } = this.meshgate.xds.ads.backlog;
      const lastAck = this.acks[this.acks.length - 1]?.at ?? 0;
      const pushedAt = this.pushedAt(sequence);
      const now = performance.now();
      // Every change here concerns every proxy: a push is ACKed before the server is quiet.
      if (pushedAt !== undefined && lastAck > pushedAt && queued === 0 && unflushed === 0 && now - lastAck >= quietMs) return;
      if (now > deadline) throw new Error(`sequence ${sequence} not pushed and ACKed within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  /**
   * When every one of `proxies` had ACKed the version of `typeUrl` each holds last (the final
   * state; every change makes a new one), counted from `since`; throws if they do not hold the
   * same one.
   */
  allAckedFinal(since: number, proxies: number, typeUrl: string = TYPE_URL.endpoint): number {
    const acks = this.acks.filter((a) => a.at >= since && a.typeUrl === typeUrl);
    const last = new Map<string, Ack>();
    for (const ack of acks) last.set(ack.proxyId, ack);
    const versions = new Set([...last.values()].map((a) => a.version));
    if (last.size !== proxies || versions.size !== 1) throw new Error(`${last.size}/${proxies} proxies ACKed, ${versions.size} different final versions`);
    const [final] = versions;
    const first = new Map<string, number>();
    for (const ack of acks) if (ack.version === final && !first.has(ack.proxyId)) first.set(ack.proxyId, ack.at);
    return Math.max(...first.values()) - since;
  }
}
