/**
 * `r3mes demo`: apply a scripted window of protocol transactions and print the
 * events and app hash.
 *
 * Placeholder: the protocol engine (src/protocol/) replaces this body.
 */

export interface DemoOptions {
  /** Seed of the block context (block hashes, sortition); same seed, same output. */
  readonly seed: number;
  /** Print one JSON object instead of human-readable lines. */
  readonly json: boolean;
}

export async function runDemo(options: DemoOptions): Promise<void> {
  const message = "demo: placeholder — the protocol state machine is not wired in yet";
  if (options.json) {
    console.log(JSON.stringify({ placeholder: true, seed: options.seed, message }));
  } else {
    console.log(`${message} (seed ${options.seed})`);
  }
}
