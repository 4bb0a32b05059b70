// Watch streams: a chunked response of JSON lines `{"type":…,"object":…}`. A watch replays the
// kept history after its resourceVersion, then follows live writes; one older than the kept history
// gets the 410 ERROR event the real server sends. Selectors apply per event, so an object that
// stops matching arrives as DELETED and one that starts matching as ADDED, as in Kubernetes.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Clock, Random, TimerHandle } from '../../api/runtime/clock.ts';
import { groupVersion, resourceKey, type ResourceType } from './resource-types.ts';
import { matchesFilter, type ObjectFilter } from './selectors.ts';
import { ApiError, badRequest, statusBody } from './status.ts';
import type { ObjectStore } from './store.ts';
import type { Json, KubeObject, StoreEvent, WatchEventType } from './types.ts';

export interface WatchRequest {
  readonly type: ResourceType;
  readonly version: string;
  readonly namespace: string | undefined;
  readonly filter: ObjectFilter;
  /** '' or '0': start with the current state as ADDED events. */
  readonly resourceVersion: string;
  readonly allowBookmarks: boolean;
  readonly timeoutSeconds: number | undefined;
}

interface ActiveWatch {
  readonly res: ServerResponse;
  readonly bookmark: () => void;
  readonly close: () => void;
}

export interface WatchHubOptions {
  readonly store: ObjectStore;
  readonly clock: Clock;
  readonly random: Random;
  /** How often BOOKMARK events go out on watches that allow them (the real server: about a minute). */
  readonly bookmarkIntervalMs: number;
}

/** The event a filtered watcher sees for a store change, or undefined when it sees nothing. */
export const filteredEvent = (
  e: StoreEvent,
  matches: (o: KubeObject) => boolean,
): WatchEventType | undefined => {
  const now = matches(e.object);
  if (e.type !== 'MODIFIED') return now ? e.type : undefined;
  const before = e.previous !== undefined && matches(e.previous);
  if (now) return before ? 'MODIFIED' : 'ADDED';
  return before ? 'DELETED' : undefined;
};

export class WatchHub {
  private readonly active = new Set<ActiveWatch>();
  private readonly opts: WatchHubOptions;

  constructor(opts: WatchHubOptions) {
    this.opts = opts;
  }

  count(): number {
    return this.active.size;
  }

  /** Cut every watch connection abruptly, as a load balancer or a crashed server would. */
  dropAll(): number {
    const n = this.active.size;
    for (const w of [...this.active]) {
      w.close();
      w.res.socket?.destroy();
    }
    return n;
  }

  /** End every watch cleanly (the server closing at timeoutSeconds does the same). */
  endAll(): void {
    for (const w of [...this.active]) {
      w.close();
      w.res.end();
    }
  }

  bookmarkAll(): void {
    for (const w of this.active) w.bookmark();
  }

  start(req: IncomingMessage, res: ServerResponse, w: WatchRequest): void {
    const { store, clock } = this.opts;
    const key = resourceKey(w.type);
    const apiVersion = groupVersion(w.type.group, w.version);
    const matches = (o: KubeObject): boolean =>
      (w.namespace === undefined || o.metadata.namespace === w.namespace) && matchesFilter(w.filter, o);
    const startRv = this.startRv(w.resourceVersion);

    res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    res.flushHeaders();
    const send = (type: WatchEventType, object: Json | KubeObject): void => {
      res.write(JSON.stringify({ type, object }) + '\n');
    };
    const sendObject = (type: WatchEventType, o: KubeObject): void => send(type, { ...o, apiVersion });

    if (startRv !== undefined && startRv < store.compactedRv()) {
      const gone = new ApiError('Expired', `too old resource version: ${startRv} (${store.compactedRv()})`);
      send('ERROR', statusBody(gone));
      res.end();
      return;
    }

    // Subscribing and replaying happen in one synchronous step, so no write can fall between them.
    const unsubscribe = store.subscribe((e) => {
      if (e.resourceKey !== key || (startRv !== undefined && e.rv <= startRv)) return;
      const t = filteredEvent(e, matches);
      if (t) sendObject(t, e.object);
    });
    if (startRv === undefined) {
      for (const o of store.list(key, w.namespace)) if (matches(o)) sendObject('ADDED', o);
    } else {
      for (const e of store.eventsSince(key, startRv)) {
        const t = filteredEvent(e, matches);
        if (t) sendObject(t, e.object);
      }
    }

    const timers: TimerHandle[] = [];
    const bookmark = (): void => {
      if (w.allowBookmarks) {
        send('BOOKMARK', {
          kind: w.type.kind,
          apiVersion,
          metadata: { resourceVersion: String(store.currentRv()) },
        });
      }
    };
    const tick = (): void => {
      bookmark();
      timers[1] = clock.setTimeout(tick, this.opts.bookmarkIntervalMs);
    };
    const entry: ActiveWatch = {
      res,
      bookmark,
      close: () => {
        unsubscribe();
        for (const t of timers) clock.clearTimeout(t);
        this.active.delete(entry);
      },
    };
    this.active.add(entry);
    timers[0] = clock.setTimeout(() => {
      entry.close();
      res.end();
    }, this.timeoutMs(w.timeoutSeconds));
    if (w.allowBookmarks) timers[1] = clock.setTimeout(tick, this.opts.bookmarkIntervalMs);
    req.on('close', entry.close);
    res.on('close', entry.close);
  }

  private startRv(rv: string): number | undefined {
    if (rv === '' || rv === '0') return undefined;
    const n = Number(rv);
    if (!Number.isInteger(n) || n < 0) throw badRequest(`invalid resource version "${rv}"`);
    return n;
  }

  /** timeoutSeconds when given; otherwise 30–60 minutes, as the real server's default. */
  private timeoutMs(timeoutSeconds: number | undefined): number {
    if (timeoutSeconds !== undefined) return timeoutSeconds * 1000;
    return (1800 + Math.floor(this.opts.random() * 1800)) * 1000;
  }
}
