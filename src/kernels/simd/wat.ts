/**
 * WebAssembly text of the SIMD kernels, generated so that the register
 * blocking can be unrolled without writing it out by hand. `npm run gen:wasm`
 * assembles it (wabt) into kernels-wasm.ts; a test checks that the committed
 * bytes are what this text assembles to.
 *
 * Only integer SIMD and exact data movement are used, so the results are
 * bit-identical to the scalar code on every engine:
 *
 * - tmatmul: acc[t·m + j] = Σ_k q[t·nb + k]·w[j·nb + k] with q int8 and
 *   w = ternary + 1 in {0, 1, 2} (the "i7" operand of the relaxed dot, which
 *   is deterministic for values in 0..127). Pairs of products (|·| ≤ 512)
 *   accumulate in i16 lanes for at most CHUNK vectors (≤ 512·CHUNK < 2^15),
 *   then widen into i32 lanes. The caller subtracts Σ_k q[t·nb + k] to undo
 *   the +1. T, m and nb must be multiples of TB, RB and 16.
 *
 * And float32 code that performs, operation for operation, the canonical
 * float32 steps of f32.ts (wasm f32 arithmetic is IEEE binary32 with
 * round-to-nearest-even, no fusion, like fr() after each JS operation):
 *
 * - rmsquant: RMSNorm and per-token absmax int8 quantization of T rows of nb
 *   floats (zero-padded past n), as bitlinear.ts rmsNorm and
 *   quantizeActivations. The sum8 lanes 0..3 and 4..7 are two f32x4
 *   accumulators; zero padding adds +0 products, which leave a lane
 *   unchanged (a lane that starts at +0 is never −0). f32x4.nearest is
 *   round-half-to-even; NaN quantizes to 0 as an Int8Array store of NaN does.
 * - rescale: y[t·m + j] = f32(acc[t·mp + j] − acc[t·mp + m])·deq[t], exact
 *   int → f32 for |acc| ≤ 2^24 (the caller guarantees 128·n ≤ 2^24).
 */

/** Tokens and weight rows per register block. */
export const TB = 4;
export const RB = 2;
/** Vectors of 16 products accumulated in i16 lanes before widening (≤ 63). */
export const CHUNK = 32;
/** Weight rows per tile: a tile stays in cache while every token block passes over it. */
export const JT = 64;

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

function tmatmul(): string {
  const pairs = range(TB).flatMap((t) => range(RB).map((r) => [t, r] as const));
  const a16 = (t: number, r: number) => `$s${t}_${r}`;
  const a32 = (t: number, r: number) => `$l${t}_${r}`;
  const locals = [
    ...pairs.flatMap(([t, r]) => [`(local ${a16(t, r)} v128)`, `(local ${a32(t, r)} v128)`]),
    ...range(TB).map((t) => `(local $q${t} v128) (local $qr${t} i32)`),
    ...range(RB).map((r) => `(local $w${r} v128) (local $wr${r} i32)`),
  ].join("\n    ");
  const dots = pairs
    .map(
      ([t, r]) =>
        `(local.set ${a16(t, r)} (i16x8.add (local.get ${a16(t, r)}) (i16x8.relaxed_dot_i8x16_i7x16_s (local.get $q${t}) (local.get $w${r}))))`,
    )
    .join("\n              ");
  const widen = pairs
    .map(
      ([t, r]) =>
        `(local.set ${a32(t, r)} (i32x4.add (local.get ${a32(t, r)}) (i32x4.extadd_pairwise_i16x8_s (local.get ${a16(t, r)}))))`,
    )
    .join("\n          ");
  const hsum = (v: string) =>
    `(i32.add (i32.add (i32x4.extract_lane 0 (local.get ${v})) (i32x4.extract_lane 1 (local.get ${v}))) (i32.add (i32x4.extract_lane 2 (local.get ${v})) (i32x4.extract_lane 3 (local.get ${v}))))`;
  const stores = pairs
    .map(
      ([t, r]) =>
        `(i32.store offset=${4 * r} (i32.add (local.get $acc) (i32.shl (i32.add (i32.mul (i32.add (local.get $t) (i32.const ${t})) (local.get $m)) (local.get $j)) (i32.const 2))) ${hsum(a32(t, r))})`,
    )
    .join("\n        ");
  return `
  (func (export "tmatmul") (param $q i32) (param $w i32) (param $acc i32) (param $T i32) (param $m i32) (param $nb i32)
    (local $t i32) (local $j i32) (local $k i32) (local $kend i32) (local $j0 i32) (local $jend i32)
    ${locals}
    (if (i32.or (i32.eqz (local.get $T)) (i32.or (i32.eqz (local.get $m)) (i32.eqz (local.get $nb)))) (then (return)))
    (loop $tiles
    (local.set $jend (i32.add (local.get $j0) (i32.const ${JT})))
    (if (i32.gt_u (local.get $jend) (local.get $m)) (then (local.set $jend (local.get $m))))
    (local.set $t (i32.const 0))
    (loop $tokens
      ${range(TB)
        .map(
          (t) =>
            `(local.set $qr${t} (i32.add (local.get $q) (i32.mul (i32.add (local.get $t) (i32.const ${t})) (local.get $nb))))`,
        )
        .join("\n      ")}
      (local.set $j (local.get $j0))
      (loop $rows
        ${range(RB)
          .map(
            (r) =>
              `(local.set $wr${r} (i32.add (local.get $w) (i32.mul (i32.add (local.get $j) (i32.const ${r})) (local.get $nb))))`,
          )
          .join("\n        ")}
        ${pairs.map(([t, r]) => `(local.set ${a32(t, r)} (v128.const i64x2 0 0))`).join(" ")}
        (local.set $k (i32.const 0))
        (loop $chunks
          (local.set $kend (i32.add (local.get $k) (i32.const ${16 * CHUNK})))
          (if (i32.gt_u (local.get $kend) (local.get $nb)) (then (local.set $kend (local.get $nb))))
          ${pairs.map(([t, r]) => `(local.set ${a16(t, r)} (v128.const i64x2 0 0))`).join(" ")}
          (loop $inner
            ${range(TB)
              .map(
                (t) =>
                  `(local.set $q${t} (v128.load (i32.add (local.get $qr${t}) (local.get $k))))`,
              )
              .join("\n            ")}
            ${range(RB)
              .map(
                (r) =>
                  `(local.set $w${r} (v128.load (i32.add (local.get $wr${r}) (local.get $k))))`,
              )
              .join("\n            ")}
              ${dots}
            (local.set $k (i32.add (local.get $k) (i32.const 16)))
            (br_if $inner (i32.lt_u (local.get $k) (local.get $kend))))
          ${widen}
          (br_if $chunks (i32.lt_u (local.get $k) (local.get $nb))))
        ${stores}
        (local.set $j (i32.add (local.get $j) (i32.const ${RB})))
        (br_if $rows (i32.lt_u (local.get $j) (local.get $jend))))
      (local.set $t (i32.add (local.get $t) (i32.const ${TB})))
      (br_if $tokens (i32.lt_u (local.get $t) (local.get $T))))
    (local.set $j0 (local.get $jend))
    (br_if $tiles (i32.lt_u (local.get $j0) (local.get $m)))))`;
}

const lane = (v: string, i: number) => `(f32x4.extract_lane ${i} (local.get ${v}))`;

function rmsquant(): string {
  const quad = (v: string) =>
    `(i32x4.trunc_sat_f32x4_s (f32x4.min (f32x4.max (f32x4.nearest (f32x4.mul (v128.load offset=${"OFF"} (i32.add (local.get $ur) (local.get $k))) (local.get $sc4))) (v128.const f32x4 -128 -128 -128 -128)) (v128.const f32x4 127 127 127 127)))`.replace(
      "OFF",
      v,
    );
  return `
  (func (export "rmsquant") (param $x i32) (param $u i32) (param $q i32) (param $rs i32) (param $T i32) (param $nb i32) (param $n i32) (param $eps f32)
    (local $t i32) (local $k i32) (local $xr i32) (local $ur i32) (local $qr i32) (local $rb i32)
    (local $v0 v128) (local $v1 v128) (local $a v128) (local $g v128) (local $inv4 v128) (local $sc4 v128)
    (local $ms f32) (local $inv f32) (local $gs f32) (local $sc f32)
    (if (i32.eqz (local.get $T)) (then (return)))
    (local.set $rb (i32.shl (local.get $nb) (i32.const 2)))
    (loop $rows
      (local.set $xr (i32.add (local.get $x) (i32.mul (local.get $t) (local.get $rb))))
      (local.set $ur (i32.add (local.get $u) (i32.mul (local.get $t) (local.get $rb))))
      (local.set $qr (i32.add (local.get $q) (i32.mul (local.get $t) (local.get $nb))))
      (local.set $v0 (v128.const i64x2 0 0))
      (local.set $v1 (v128.const i64x2 0 0))
      (local.set $k (i32.const 0))
      (loop $sq
        (local.set $a (v128.load (i32.add (local.get $xr) (local.get $k))))
        (local.set $v0 (f32x4.add (local.get $v0) (f32x4.mul (local.get $a) (local.get $a))))
        (local.set $a (v128.load offset=16 (i32.add (local.get $xr) (local.get $k))))
        (local.set $v1 (f32x4.add (local.get $v1) (f32x4.mul (local.get $a) (local.get $a))))
        (local.set $k (i32.add (local.get $k) (i32.const 32)))
        (br_if $sq (i32.lt_u (local.get $k) (local.get $rb))))
      (local.set $ms (f32.div
        (f32.add (f32.add (f32.add ${lane("$v0", 0)} ${lane("$v0", 1)}) (f32.add ${lane("$v0", 2)} ${lane("$v0", 3)}))
                 (f32.add (f32.add ${lane("$v1", 0)} ${lane("$v1", 1)}) (f32.add ${lane("$v1", 2)} ${lane("$v1", 3)})))
        (f32.convert_i32_u (local.get $n))))
      (local.set $inv (f32.div (f32.const 1) (f32.sqrt (f32.add (local.get $ms) (local.get $eps)))))
      (local.set $inv4 (f32x4.splat (local.get $inv)))
      (local.set $g (v128.const i64x2 0 0))
      (local.set $k (i32.const 0))
      (loop $norm
        (local.set $a (f32x4.mul (v128.load (i32.add (local.get $xr) (local.get $k))) (local.get $inv4)))
        (v128.store (i32.add (local.get $ur) (local.get $k)) (local.get $a))
        (local.set $g (f32x4.max (local.get $g) (f32x4.abs (local.get $a))))
        (local.set $k (i32.add (local.get $k) (i32.const 16)))
        (br_if $norm (i32.lt_u (local.get $k) (local.get $rb))))
      (local.set $gs (f32.max (f32.max ${lane("$g", 0)} ${lane("$g", 1)}) (f32.max ${lane("$g", 2)} ${lane("$g", 3)})))
      (local.set $sc (if (result f32) (f32.eq (local.get $gs) (f32.const 0)) (then (f32.const 0)) (else (f32.div (f32.const 127) (local.get $gs)))))
      (local.set $sc4 (f32x4.splat (local.get $sc)))
      (f32.store (i32.add (local.get $rs) (i32.shl (local.get $t) (i32.const 3))) (local.get $inv))
      (f32.store offset=4 (i32.add (local.get $rs) (i32.shl (local.get $t) (i32.const 3))) (local.get $sc))
      (local.set $k (i32.const 0))
      (loop $quant
        (v128.store (i32.add (local.get $qr) (i32.shr_u (local.get $k) (i32.const 2)))
          (i8x16.narrow_i16x8_s
            (i16x8.narrow_i32x4_s ${quad("0")} ${quad("16")})
            (i16x8.narrow_i32x4_s ${quad("32")} ${quad("48")})))
        (local.set $k (i32.add (local.get $k) (i32.const 64)))
        (br_if $quant (i32.lt_u (local.get $k) (local.get $rb))))
      (local.set $t (i32.add (local.get $t) (i32.const 1)))
      (br_if $rows (i32.lt_u (local.get $t) (local.get $T)))))`;
}

function rescale(): string {
  return `
  (func (export "rescale") (param $acc i32) (param $y i32) (param $deq i32) (param $T i32) (param $mp i32) (param $m i32)
    (local $t i32) (local $j i32) (local $ar i32) (local $sq i32) (local $d f32)
    (if (i32.or (i32.eqz (local.get $T)) (i32.eqz (local.get $m))) (then (return)))
    (loop $rows
      (local.set $ar (i32.add (local.get $acc) (i32.shl (i32.mul (local.get $t) (local.get $mp)) (i32.const 2))))
      (local.set $sq (i32.load (i32.add (local.get $ar) (i32.shl (local.get $m) (i32.const 2)))))
      (local.set $d (f32.load (i32.add (local.get $deq) (i32.shl (local.get $t) (i32.const 2)))))
      (local.set $j (i32.const 0))
      (loop $cols
        (f32.store (local.get $y) (f32.mul (f32.convert_i32_s (i32.sub (i32.load (i32.add (local.get $ar) (i32.shl (local.get $j) (i32.const 2)))) (local.get $sq))) (local.get $d)))
        (local.set $y (i32.add (local.get $y) (i32.const 4)))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br_if $cols (i32.lt_u (local.get $j) (local.get $m))))
      (local.set $t (i32.add (local.get $t) (i32.const 1)))
      (br_if $rows (i32.lt_u (local.get $t) (local.get $T)))))`;
}

/** The module: one exported, growable memory and the kernels. */
export const kernelsWat = (): string => `(module
  (memory (export "memory") 1)
${tmatmul()}
${rmsquant()}
${rescale()}
)
`;
