import { describe, it, expect } from "vitest";
import fc from "fast-check";
import { sha256 } from "@noble/hashes/sha2.js";
import {
  MerkleBuilder,
  leafHash,
  merkleProof,
  merkleRoot,
  nodeHash,
  rootFromProof,
  verifyMerkleProof,
  type MerkleProof,
} from "../../src/protocol/merkle.ts";

const RUNS = { numRuns: 200 };
const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");
const unhex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, "hex"));
const cat = (...a: Uint8Array[]): Uint8Array => Uint8Array.from(Buffer.concat(a));

// Straight from the RFC 6962 definition, recursively: the reference.
function refRoot(d: readonly Uint8Array[]): Uint8Array {
  if (d.length === 0) return sha256(new Uint8Array(0));
  if (d.length === 1) return sha256(cat(Uint8Array.of(0), d[0]!));
  let k = 1;
  while (k * 2 < d.length) k *= 2;
  return sha256(cat(Uint8Array.of(1), refRoot(d.slice(0, k)), refRoot(d.slice(k))));
}

// The audit path's shape for (index, n): for each sibling bottom-up, whether
// it sits on the left ("L") or right ("R"), from the RFC recursion.
function pathShape(index: number, n: number): string {
  if (n <= 1) return "";
  let k = 1;
  while (k * 2 < n) k *= 2;
  return index < k ? pathShape(index, k) + "R" : pathShape(index - k, n - k) + "L";
}

// Distinct leaves, so that no two positions legitimately share a leaf.
const leavesArb = (min: number, max: number) =>
  fc.uniqueArray(fc.uint8Array({ maxLength: 24 }), {
    minLength: min,
    maxLength: max,
    selector: hex,
    size: "max",
  });

// Certificate Transparency reference vectors (transparency-dev/merkle,
// testonly/constants.go): the 8 leaves, the root of every prefix 0..8, and two
// audit paths in the 8-leaf tree (the source numbers leaves from 1).
const CT_LEAVES = [
  "",
  "00",
  "10",
  "2021",
  "3031",
  "40414243",
  "5051525354555657",
  "606162636465666768696a6b6c6d6e6f",
].map(unhex);
const CT_ROOTS = [
  "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
  "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
  "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
  "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
  "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
  "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
  "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
  "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
  "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
];
const CT_PATHS: { index: number; path: string[] }[] = [
  {
    index: 0,
    path: [
      "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
      "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ],
  },
  {
    index: 5,
    path: [
      "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
      "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    ],
  },
];

describe("merkle roots", () => {
  it("match the Certificate Transparency reference roots for sizes 0..8", () => {
    for (let n = 0; n <= 8; n++)
      expect(hex(merkleRoot(CT_LEAVES.slice(0, n))), `size ${n}`).toBe(CT_ROOTS[n]);
  });

  it("3 leaves, by hand: H(1 ‖ H(1 ‖ L0 ‖ L1) ‖ L2), the odd leaf promoted, not duplicated", () => {
    const d = [Uint8Array.of(0xaa), Uint8Array.of(0xbb), Uint8Array.of(0xcc)];
    const L = d.map((x) => sha256(cat(Uint8Array.of(0x00), x)));
    const n01 = sha256(cat(Uint8Array.of(0x01), L[0]!, L[1]!));
    const root = sha256(cat(Uint8Array.of(0x01), n01, L[2]!));
    expect(hex(merkleRoot(d))).toBe(hex(root));
    // Bitcoin-style duplication would give this instead; it must not.
    const dup = sha256(
      cat(Uint8Array.of(0x01), n01, sha256(cat(Uint8Array.of(0x01), L[2]!, L[2]!))),
    );
    expect(hex(merkleRoot(d))).not.toBe(hex(dup));
    // And [a, b, c] and [a, b, c, c] (the CVE-2012-2459 mutation) differ.
    expect(hex(merkleRoot([...d, d[2]!]))).not.toBe(hex(root));
    // The audit paths follow the same shape.
    expect(merkleProof(d, 0).siblings.map(hex)).toEqual([hex(L[1]!), hex(L[2]!)]);
    expect(merkleProof(d, 1).siblings.map(hex)).toEqual([hex(L[0]!), hex(L[2]!)]);
    expect(merkleProof(d, 2).siblings.map(hex)).toEqual([hex(n01)]);
    expect(hex(leafHash(d[0]!))).toBe(hex(L[0]!));
    expect(hex(nodeHash(L[0]!, L[1]!))).toBe(hex(n01));
  });

  it('empty tree is SHA-256("") and one leaf is its leaf hash with an empty proof', () => {
    expect(hex(merkleRoot([]))).toBe(hex(sha256(new Uint8Array(0))));
    const d = Uint8Array.of(1, 2, 3);
    const root = merkleRoot([d]);
    expect(hex(root)).toBe(hex(sha256(Uint8Array.of(0, 1, 2, 3))));
    const proof = merkleProof([d], 0);
    expect(proof).toEqual({ index: 0, leafCount: 1, siblings: [] });
    expect(verifyMerkleProof(root, d, proof)).toBe(true);
    expect(verifyMerkleProof(root, Uint8Array.of(1, 2), proof)).toBe(false);
  });

  it("agree with the recursive RFC definition, and the builder's prefix roots too", () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 200, size: "max" }),
        (leaves) => {
          expect(hex(merkleRoot(leaves))).toBe(hex(refRoot(leaves)));
          const b = new MerkleBuilder();
          for (let i = 0; i < leaves.length; i++) {
            b.push(leaves[i]!);
            if (i % 17 === 0) expect(hex(b.root())).toBe(hex(refRoot(leaves.slice(0, i + 1))));
          }
          expect(b.leafCount).toBe(leaves.length);
          // root() does not disturb the builder; pushLeafHash is push.
          const c = new MerkleBuilder();
          for (const l of leaves) c.pushLeafHash(leafHash(l));
          expect(hex(c.root())).toBe(hex(b.root()));
        },
      ),
      RUNS,
    );
  });
});

describe("merkle proofs", () => {
  it("match the Certificate Transparency reference audit paths", () => {
    for (const { index, path } of CT_PATHS) {
      const proof = merkleProof(CT_LEAVES, index);
      expect(proof.siblings.map(hex)).toEqual(path);
      expect(verifyMerkleProof(unhex(CT_ROOTS[8]!), CT_LEAVES[index]!, proof)).toBe(true);
    }
  });

  const saltedLeaves = (n: number, salt: Uint8Array): Uint8Array[] =>
    Array.from({ length: n }, (_, i) => cat(salt, Uint8Array.of(i & 255, i >> 8)));
  const checkIndex = (leaves: Uint8Array[], root: Uint8Array, i: number): void => {
    const proof = merkleProof(leaves, i);
    expect(proof.siblings.length).toBe(pathShape(i, leaves.length).length);
    expect(verifyMerkleProof(root, leaves[i]!, proof)).toBe(true);
  };

  // Every index of every tree would cost O(n²) hashes per run (~5 s for 200
  // runs up to 200 leaves), so: every index up to 64 leaves, and for 65..200
  // leaves every shape-critical index (the ends and both sides of each power
  // of two) plus random ones.
  it("verify for every index of random trees of 1..64 leaves", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 64 }), fc.uint8Array({ maxLength: 8 }), (n, salt) => {
        const leaves = saltedLeaves(n, salt);
        const root = merkleRoot(leaves);
        for (let i = 0; i < n; i++) checkIndex(leaves, root, i);
      }),
      RUNS,
    );
  });

  it("verify for edge and random indices of random trees of 65..200 leaves", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 65, max: 200 }),
        fc.uint8Array({ maxLength: 8 }),
        fc.array(fc.nat(199), { minLength: 8, maxLength: 8 }),
        (n, salt, random) => {
          const leaves = saltedLeaves(n, salt);
          const root = merkleRoot(leaves);
          const idx = new Set<number>([0, n - 2, n - 1, ...random.map((r) => r % n)]);
          for (let k = 1; k < n; k *= 2) idx.add(k - 1).add(k);
          for (const i of idx) checkIndex(leaves, root, i);
        },
      ),
      RUNS,
    );
  });

  it("fail when the leaf, a sibling, the index or the sibling list is tampered with", () => {
    fc.assert(
      fc.property(leavesArb(2, 120), fc.nat(), fc.nat(), fc.nat(255), (leaves, a, b, bit) => {
        const n = leaves.length;
        const i = a % n;
        const root = merkleRoot(leaves);
        const proof = merkleProof(leaves, i);
        const leaf = leaves[i]!;
        expect(verifyMerkleProof(root, leaf, proof)).toBe(true);
        // Another leaf at this position.
        expect(verifyMerkleProof(root, leaves[(i + 1 + (b % (n - 1))) % n]!, proof)).toBe(false);
        expect(verifyMerkleProof(root, cat(leaf, Uint8Array.of(0)), proof)).toBe(false);
        // One flipped bit in one sibling.
        const s = b % proof.siblings.length;
        const siblings = proof.siblings.map((x) => x.slice());
        siblings[s]![bit >> 3]! ^= 1 << (bit & 7);
        expect(verifyMerkleProof(root, leaf, { ...proof, siblings })).toBe(false);
        // Another index in the same tree (leaves are distinct).
        const j = (i + 1 + (b % (n - 1))) % n;
        expect(verifyMerkleProof(root, leaf, { ...proof, index: j })).toBe(false);
        // A sibling dropped, added or the list reordered.
        expect(verifyMerkleProof(root, leaf, { ...proof, siblings: proof.siblings.slice(1) })).toBe(
          false,
        );
        expect(
          verifyMerkleProof(root, leaf, { ...proof, siblings: proof.siblings.slice(0, -1) }),
        ).toBe(false);
        expect(
          verifyMerkleProof(root, leaf, { ...proof, siblings: [...proof.siblings, root] }),
        ).toBe(false);
        if (proof.siblings.length > 1) {
          expect(
            verifyMerkleProof(root, leaf, { ...proof, siblings: proof.siblings.slice().reverse() }),
          ).toBe(false);
        }
        // The wrong root.
        expect(verifyMerkleProof(merkleRoot(leaves.slice(0, -1)), leaf, proof)).toBe(false);
      }),
      RUNS,
    );
  });

  it("a tampered leafCount verifies exactly when it yields the same path shape", () => {
    // The proof binds membership; (index, leafCount) are only as good as their
    // source (see verifyMerkleProof). Pin that precisely: a wrong leafCount is
    // accepted iff the RFC path for (index, wrong count) has the same sides.
    let accepted = 0;
    let rejected = 0;
    fc.assert(
      fc.property(leavesArb(1, 100), fc.nat(), fc.integer({ min: 1, max: 300 }), (leaves, a, m) => {
        const n = leaves.length;
        const i = a % n;
        const proof = merkleProof(leaves, i);
        const root = merkleRoot(leaves);
        const ok = verifyMerkleProof(root, leaves[i]!, { ...proof, leafCount: m });
        const same = i < m && pathShape(i, m) === pathShape(i, n);
        expect(ok).toBe(same);
        if (m !== n) {
          if (ok) accepted++;
          else rejected++;
        }
      }),
      RUNS,
    );
    expect(rejected).toBeGreaterThan(0);
    // The documented example: the last leaf of 3 also checks as leaf 1 of 2.
    const d = [Uint8Array.of(1), Uint8Array.of(2), Uint8Array.of(3)];
    const p = merkleProof(d, 2);
    expect(
      verifyMerkleProof(merkleRoot(d), d[2]!, { index: 1, leafCount: 2, siblings: p.siblings }),
    ).toBe(true);
    expect(accepted + rejected).toBeGreaterThan(0);
  });

  it("merkleProof rejects an out-of-range index", () => {
    const d = [Uint8Array.of(1), Uint8Array.of(2)];
    for (const i of [-1, 2, 1.5, Number.NaN]) expect(() => merkleProof(d, i)).toThrow(RangeError);
    expect(() => merkleProof([], 0)).toThrow(RangeError);
  });

  it("verify and rootFromProof never throw on garbage", () => {
    const bytes = fc.oneof(
      fc.uint8Array({ minLength: 32, maxLength: 32 }),
      fc.uint8Array({ maxLength: 40 }),
    );
    const num = fc.oneof(
      fc.integer({ min: -3, max: 300 }),
      fc.double(),
      fc.constant(2 ** 60),
      fc.constant(Number.MAX_SAFE_INTEGER),
    );
    const proofArb = fc.oneof(
      fc.record({ index: num, leafCount: num, siblings: fc.array(bytes, { maxLength: 70 }) }),
      fc.record({ index: fc.anything(), leafCount: fc.anything(), siblings: fc.anything() }),
      fc.anything(),
    );
    fc.assert(
      fc.property(
        fc.oneof(bytes, fc.anything()),
        fc.oneof(bytes, fc.anything()),
        proofArb,
        (root, leaf, proof) => {
          const v = verifyMerkleProof(root as Uint8Array, leaf as Uint8Array, proof as MerkleProof);
          expect(typeof v).toBe("boolean");
          const r = rootFromProof(leaf as Uint8Array, proof as MerkleProof);
          expect(r === undefined || (r instanceof Uint8Array && r.length === 32)).toBe(true);
        },
      ),
      { numRuns: 500 },
    );
    // Siblings that are not arrays or not bytes, huge counts.
    const leaf = Uint8Array.of(1);
    const root = merkleRoot([leaf, leaf]);
    expect(
      verifyMerkleProof(root, leaf, {
        index: 0,
        leafCount: 2,
        siblings: [null as unknown as Uint8Array],
      }),
    ).toBe(false);
    expect(verifyMerkleProof(root, leaf, { index: 0, leafCount: 2 ** 53, siblings: [] })).toBe(
      false,
    );
    expect(
      verifyMerkleProof(root, leaf, {
        index: 0,
        leafCount: 2,
        siblings: "x" as unknown as Uint8Array[],
      }),
    ).toBe(false);
    expect(verifyMerkleProof(root, leaf, null as unknown as MerkleProof)).toBe(false);
  });

  it("proofs in a large tree (index past 2^16) verify", () => {
    const leaves = Array.from({ length: 70_001 }, (_, i) =>
      Uint8Array.of(i & 255, (i >> 8) & 255, i >> 16),
    );
    const root = merkleRoot(leaves);
    for (const i of [0, 65_536, 70_000]) {
      expect(verifyMerkleProof(root, leaves[i]!, merkleProof(leaves, i))).toBe(true);
    }
  });
});
