/** The explorer's list of id fields put back when left out as proto3 defaults names real numeric fields of events.proto. */
import { ScalarType } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { NUMERIC_IDS } from "../../src/explorer/web/event-defaults.ts";
import { EventSchema } from "../../src/gen/remes/v1/events_pb.ts";

describe("the explorer's event id defaults", () => {
  it("name numeric fields of the events they list", () => {
    const byCase = new Map(EventSchema.fields.map((f) => [f.localName, f.message!]));
    for (const [type, keys] of Object.entries(NUMERIC_IDS)) {
      const m = byCase.get(type);
      expect(m, type).toBeDefined();
      for (const k of keys) {
        const f = m!.fields.find((x) => x.jsonName === k);
        expect(f, `${type}.${k}`).toBeDefined();
        expect(
          f!.fieldKind === "scalar" && [ScalarType.UINT32, ScalarType.UINT64].includes(f!.scalar),
        ).toBe(true);
      }
    }
  });
});
