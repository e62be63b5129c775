import type { McpConnection, McpScope } from './backend.js';
import { inScope } from './catalog.js';

type Listener = (connections: readonly McpConnection[]) => void;

export interface ConnectionWatcherOptions {
  /** How often each watched tenant's connections are read. Defaults to 2 s. */
  intervalMs?: number;
  /** Most tenants watched at once; one more is refused. Defaults to 1,000. */
  maxWatched?: number;
  onError?: (error: unknown) => void;
}

interface Watched {
  fetch: () => Promise<McpConnection[]>;
  listeners: Set<Listener>;
  timer: NodeJS.Timeout;
  running: boolean;
}

/**
 * Notices when a tenant's connections change (created, deleted, re-authorised, needing
 * re-authorisation) by reading them every `intervalMs` — one read per watched tenant however many
 * sessions watch it. Polling rather than the event log because a deleted connection records no
 * event, and because `joinery mcp` watches through the HTTP API. A tenant is read only while some
 * session listens; `close()` stops everything.
 */
export class ConnectionWatcher {
  readonly #entries = new Map<string, Watched>();
  readonly #intervalMs: number;
  readonly #maxWatched: number;
  readonly #onError: (error: unknown) => void;
  #closed = false;

  constructor(options: ConnectionWatcherOptions = {}) {
    this.#intervalMs = options.intervalMs ?? 2_000;
    this.#maxWatched = options.maxWatched ?? 1_000;
    this.#onError = options.onError ?? (() => {});
  }

  get watched(): number {
    return this.#entries.size;
  }

  /** Calls `listener` with the tenant's connections after every read; answers the unsubscribe. */
  subscribe(key: string, fetch: () => Promise<McpConnection[]>, listener: Listener): () => void {
    if (this.#closed) throw new Error('the connection watcher is closed');
    let entry = this.#entries.get(key);
    if (!entry) {
      if (this.#entries.size >= this.#maxWatched)
        throw new Error(`already watching ${this.#maxWatched} tenants' connections`);
      const created: Watched = {
        fetch,
        listeners: new Set(),
        running: false,
        timer: setInterval(() => void this.#read(created), this.#intervalMs),
      };
      created.timer.unref();
      entry = created;
      this.#entries.set(key, entry);
    }
    const watched = entry;
    watched.listeners.add(listener);
    return () => {
      watched.listeners.delete(listener);
      if (watched.listeners.size === 0 && this.#entries.get(key) === watched) {
        clearInterval(watched.timer);
        this.#entries.delete(key);
      }
    };
  }

  async #read(entry: Watched): Promise<void> {
    // A slow store does not stack reads up: the next tick waits for this one.
    if (entry.running || this.#closed) return;
    entry.running = true;
    try {
      const connections = await entry.fetch();
      for (const listener of [...entry.listeners]) listener(connections);
    } catch (error) {
      this.#onError(error);
    } finally {
      entry.running = false;
    }
  }

  close(): void {
    this.#closed = true;
    for (const entry of this.#entries.values()) clearInterval(entry.timer);
    this.#entries.clear();
  }
}

/** What a session's tool list depends on: its connections in scope, their integrations and states. */
export function scopeFingerprint(connections: readonly McpConnection[], scope: McpScope): string {
  return inScope(connections, scope)
    .map((c) => `${c.id}:${c.integration}:${c.state}`)
    .join('|');
}

/**
 * A listener that calls `onChange` when the session's fingerprint differs from the one it saw
 * last; the first read only records it (`initial` when already known).
 */
export function onScopeChange(scope: McpScope, onChange: () => void, initial?: string): Listener {
  let last = initial;
  return (connections) => {
    const next = scopeFingerprint(connections, scope);
    if (last !== undefined && next !== last) onChange();
    last = next;
  };
}
