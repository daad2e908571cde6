/**
 * One readiness check for the api, the ca and the xds service: the event log answers, the bus
 * is connected, and the follower has loaded the log and keeps up with it. The result names
 * each check ("ok" or what is wrong) and lists the failed ones, so that `/readyz`'s body says
 * why a replica is out of rotation.
 */
import type { BusStatus } from '@meshgate/bus';

export const DEFAULT_READY_MAX_LAG = 1000;

export interface ReadinessSources {
  store: { headSequence(): Promise<number> };
  bus?: { status(): BusStatus };
  follower?: { readonly sequence: number };
  /** The follower is lagging when the log head is more than this many events ahead of it. */
  maxFollowerLag?: number;
  /** The head when the service started: until the follower reaches it, it is still loading. */
  loadedSequence?: number;
}

export type CheckName = 'store' | 'bus' | 'follower';

export interface Readiness {
  ready: boolean;
  /** The checks that failed, in this order: store, bus, follower. */
  failed: CheckName[];
  store: string;
  bus?: string;
  follower?: string;
  head?: number;
  sequence?: number;
}

export class ReadinessCheck {
  private loaded: boolean;

  constructor(private readonly sources: ReadinessSources) {
    this.loaded = (sources.loadedSequence ?? 0) <= 0;
  }

  async check(): Promise<Readiness> {
    const { store, bus, follower } = this.sources;
    const failed: CheckName[] = [];
    let head: number | undefined;
    let storeDetail = 'ok';
    try {
      head = await store.headSequence();
    } catch (error) {
      storeDetail = error instanceof Error ? error.message : String(error);
      failed.push('store');
    }
    let busDetail: string | undefined;
    if (bus) {
      const status = bus.status();
      busDetail = status.connected ? 'ok' : status.detail;
      if (!status.connected) failed.push('bus');
    }
    let followerDetail: string | undefined;
    if (follower) {
      followerDetail = this.followerDetail(follower.sequence, head);
      if (followerDetail !== 'ok') failed.push('follower');
    }
    return {
      ready: failed.length === 0,
      failed,
      store: storeDetail,
      ...(busDetail === undefined ? {} : { bus: busDetail }),
      ...(followerDetail === undefined ? {} : { follower: followerDetail }),
      ...(head === undefined ? {} : { head }),
      ...(follower ? { sequence: follower.sequence } : {}),
    };
  }

  private followerDetail(sequence: number, head: number | undefined): string {
    const target = this.sources.loadedSequence ?? 0;
    // Loading happens once: after it, falling behind is lag, judged against the limit.
    this.loaded ||= sequence >= target;
    if (!this.loaded) return `loading: at ${sequence} of ${target}`;
    const maxLag = this.sources.maxFollowerLag ?? DEFAULT_READY_MAX_LAG;
    if (head !== undefined && head - sequence > maxLag) {
      return `lagging: at ${sequence}, the log is at ${head} (${head - sequence} behind, more than MESHGATE_READY_MAX_LAG=${maxLag})`;
    }
    return 'ok';
  }
}
