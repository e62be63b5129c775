import type { EventStore, JSONRPCMessage } from '@modelcontextprotocol/server';

/**
 * The last messages of one session's SSE streams, so a client that lost its stream can reconnect
 * with `Last-Event-ID` and miss nothing (2025-era Streamable HTTP resumability). In memory and
 * bounded: the oldest events are dropped past `maxEvents`; a client asking to resume from a
 * dropped event gets nothing replayed. One store per session, dropped with it.
 */
export class SessionEventStore implements EventStore {
  readonly #events: { id: string; streamId: string; message: JSONRPCMessage }[] = [];
  readonly #maxEvents: number;
  #next = 0;

  constructor(maxEvents = 200) {
    this.#maxEvents = maxEvents;
  }

  storeEvent(streamId: string, message: JSONRPCMessage): Promise<string> {
    const id = `${streamId}_${++this.#next}`;
    this.#events.push({ id, streamId, message });
    if (this.#events.length > this.#maxEvents) this.#events.shift();
    return Promise.resolve(id);
  }

  getStreamIdForEventId(eventId: string): Promise<string | undefined> {
    return Promise.resolve(this.#events.find((event) => event.id === eventId)?.streamId);
  }

  async replayEventsAfter(
    lastEventId: string,
    { send }: { send: (eventId: string, message: JSONRPCMessage) => Promise<void> },
  ): Promise<string> {
    const at = this.#events.findIndex((event) => event.id === lastEventId);
    const streamId =
      at === -1 ? lastEventId.replace(/_\d+$/, '') : (this.#events[at]?.streamId ?? '');
    if (at === -1) return streamId;
    for (const event of this.#events.slice(at + 1))
      if (event.streamId === streamId) await send(event.id, event.message);
    return streamId;
  }
}
