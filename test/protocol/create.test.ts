/**
 * createMessage builds the very object protobuf-es create() builds, for
 * every command and event type: full inits, partial inits (omitted fields at
 * their zero values), no init, and an existing message passed through.
 */
import { create, type DescMessage } from "@bufbuild/protobuf";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createMessage } from "../../src/protocol/create.ts";
import { commandCases, eventCases, messageInitArb } from "./arbitraries.ts";

const sameAsCreate = (desc: DescMessage, init: Record<string, unknown> | undefined) => {
  const ours = createMessage<Record<string, unknown>>(desc, init);
  const theirs = create(desc, init as never) as unknown as Record<string, unknown>;
  expect(Object.keys(ours)).toEqual(Object.keys(theirs));
  expect(ours).toStrictEqual(theirs);
};

describe("createMessage", () => {
  for (const f of [...commandCases, ...eventCases]) {
    const desc = f.message!;
    it(`builds ${desc.typeName} as create() does`, () => {
      sameAsCreate(desc, undefined);
      sameAsCreate(desc, {});
      fc.assert(
        fc.property(
          messageInitArb(desc),
          fc.array(fc.boolean(), { minLength: 32, maxLength: 32 }),
          (init, keep) => {
            sameAsCreate(desc, init);
            // Drop some fields: they take their zero values.
            const partial = Object.fromEntries(Object.entries(init).filter((_, i) => keep[i % 32]));
            sameAsCreate(desc, partial);
          },
        ),
        { numRuns: 30 },
      );
      const m = create(desc);
      expect(createMessage(desc, m as never)).toBe(m);
    });
  }
});
