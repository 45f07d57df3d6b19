/** The live feed (`/events`, server-sent): new blocks into the store, new txs into `liveTxs`. */
import { blockInfoOf, type EventStore } from "./events.ts";

export interface LiveTx {
  readonly height: number;
  readonly hash: string;
  readonly code: number;
  /** Type URLs of its messages. */
  readonly actions: readonly string[];
}

/** The txs seen live, newest first (at most 50). */
export const liveTxs: LiveTx[] = [];

export const connectLive = (
  store: EventStore,
  indicator: (connected: boolean) => void,
): EventSource => {
  const es = new EventSource("/events");
  es.addEventListener("status", (m) =>
    indicator(Boolean(JSON.parse((m as MessageEvent).data).connected)),
  );
  es.addEventListener("error", () => indicator(false));
  es.addEventListener("open", () => indicator(true));
  es.addEventListener("tx", (m) => {
    const t = JSON.parse((m as MessageEvent).data) as LiveTx;
    liveTxs.unshift(t);
    liveTxs.length = Math.min(liveTxs.length, 50);
  });
  es.addEventListener("block", (m) => {
    const b = JSON.parse((m as MessageEvent).data);
    const gap = store.latest > 0 && b.height > store.latest + 1;
    store.add(blockInfoOf(b.height, b.txResults, b.events));
    indicator(true);
    // Missed blocks (a reconnect): fetched before the pages redraw.
    if (gap) void store.fill(b.height).then(() => store.changed());
    else store.changed();
  });
  return es;
};
