import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Role } from "../../src/gen/remes/v1/types_pb.ts";
import { labelAddress as addr } from "../../src/protocol/address.ts";
import { command } from "../../src/protocol/commands.ts";
import { activeOfRole, isActive } from "../../src/protocol/staking.ts";
import type { State } from "../../src/protocol/state.ts";
import { given, REMES, registerValidator } from "./given.ts";

/** What activeOfRole answered before it kept a sorted list (indexes.ts): a walk of every role, filtered and sorted. */
const naive = (state: Readonly<State>, role: Role) =>
  [...state.roles.values()]
    .filter((r) => r.role === role && isActive(state, r))
    .map((r) => r.address)
    .sort();

const VALIDATORS = [0, 1, 2, 3].map((i) => addr(`remes1val${i}`));
const NEWCOMERS = [0, 1].map((i) => addr(`remes1new${i}`));

const step = fc.oneof(
  fc.record({
    k: fc.constant("unbond" as const),
    who: fc.constantFrom(...VALIDATORS),
    amount: fc.bigInt({ min: 1n, max: 25_000n }),
  }),
  fc.record({
    k: fc.constant("bond" as const),
    who: fc.constantFrom(...VALIDATORS, ...NEWCOMERS),
    amount: fc.bigInt({ min: 1n, max: 15_000n }),
  }),
  fc.record({
    k: fc.constant("register" as const),
    who: fc.constantFrom(...NEWCOMERS),
    amount: fc.bigInt({ min: 5_000n, max: 20_000n }),
  }),
);

describe("active roles sorted by address (kept between blocks)", () => {
  it("always equals a fresh walk of the roles, through bonds, unbonds below the minimum, registrations and rejected txs", () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(step, { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 8 }),
        (blocks) => {
          const chain = given({
            params: { unbondingBlocks: 40 },
            validators: Object.fromEntries(
              VALIDATORS.map((v, i) => [v, 12_000n + BigInt(i) * 4_000n]),
            ),
            accounts: Object.fromEntries([...VALIDATORS, ...NEWCOMERS].map((a) => [a, 40_000n])),
          });
          expect(activeOfRole(chain.state, Role.VALIDATOR).map((r) => r.address)).toEqual(
            naive(chain.state, Role.VALIDATOR),
          );
          for (const cmds of blocks) {
            chain.exec(
              ...cmds.map((c) =>
                c.k === "register"
                  ? registerValidator(c.who, c.amount)
                  : command(c.k, {
                      address: c.who,
                      role: Role.VALIDATOR,
                      amount: c.amount * REMES,
                    }),
              ),
            );
            const got = activeOfRole(chain.state, Role.VALIDATOR);
            expect(got.map((r) => r.address)).toEqual(naive(chain.state, Role.VALIDATOR));
            // The records are the state's own (stakes read live).
            for (const r of got)
              expect(chain.state.roles.get(`${Role.VALIDATOR}/${r.address}`)).toBe(r);
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});
