;; layerwise's WebAssembly SIMD kernels. Assembled by `npm run build:wasm` (wabt) into
;; kernels-wasm.ts, which embeds the bytes as base64 so that the module loads in Node and browsers
;; alike. The TypeScript kernels in ../kernels.ts and ../conv.ts are the reference and fallback.
;;
;; Memory is owned by the JavaScript side (wasm-backend.ts), which lays out the operands, the packed
;; panels and a scratch tile, and grows the memory as needed. All pointers are byte offsets; all
;; matrices are row-major float32.
;;
;; GEMM follows Goto and van de Geijn: op(B) is packed into panels of NR = 8 columns, op(A) into
;; panels of MR = 4 rows (times alpha), and a 4x8 register-blocked microkernel accumulates
;; C[4, 8] += Apanel · Bpanel with eight f32x4 accumulators. The summation order over k is fixed
;; by the block sizes alone, so the same inputs always give the same bits. The drivers at the end
;; (gemm, conv_dk) run whole products, or the part of one that a worker thread is given.
(module
  ;; MEMORY (assemble.ts writes an own memory, or an imported shared one for worker threads)

  ;; C[4 x 8] += Apanel[kc x 4] · Bpanel[kc x 8] ($add 1), or C = the product ($add 0: C is not
  ;; read); C rows are ldc floats apart.
  (func $micro (param $pa i32) (param $pb i32) (param $c i32) (param $ldc i32) (param $kc i32) (param $add i32)
    (local $c00 v128) (local $c01 v128) (local $c10 v128) (local $c11 v128)
    (local $c20 v128) (local $c21 v128) (local $c30 v128) (local $c31 v128)
    (local $b0 v128) (local $b1 v128) (local $a v128) (local $end i32) (local $row i32)
    (local.set $end (i32.add (local.get $pb) (i32.shl (local.get $kc) (i32.const 5))))
    (block $done
      (br_if $done (i32.eqz (local.get $kc)))
      (loop $p
        (local.set $b0 (v128.load (local.get $pb)))
        (local.set $b1 (v128.load offset=16 (local.get $pb)))
        (local.set $a (v128.load32_splat (local.get $pa)))
        (local.set $c00 (f32x4.add (local.get $c00) (f32x4.mul (local.get $a) (local.get $b0))))
        (local.set $c01 (f32x4.add (local.get $c01) (f32x4.mul (local.get $a) (local.get $b1))))
        (local.set $a (v128.load32_splat offset=4 (local.get $pa)))
        (local.set $c10 (f32x4.add (local.get $c10) (f32x4.mul (local.get $a) (local.get $b0))))
        (local.set $c11 (f32x4.add (local.get $c11) (f32x4.mul (local.get $a) (local.get $b1))))
        (local.set $a (v128.load32_splat offset=8 (local.get $pa)))
        (local.set $c20 (f32x4.add (local.get $c20) (f32x4.mul (local.get $a) (local.get $b0))))
        (local.set $c21 (f32x4.add (local.get $c21) (f32x4.mul (local.get $a) (local.get $b1))))
        (local.set $a (v128.load32_splat offset=12 (local.get $pa)))
        (local.set $c30 (f32x4.add (local.get $c30) (f32x4.mul (local.get $a) (local.get $b0))))
        (local.set $c31 (f32x4.add (local.get $c31) (f32x4.mul (local.get $a) (local.get $b1))))
        (local.set $pa (i32.add (local.get $pa) (i32.const 16)))
        (local.set $pb (i32.add (local.get $pb) (i32.const 32)))
        (br_if $p (i32.lt_u (local.get $pb) (local.get $end)))))
    (local.set $row (i32.shl (local.get $ldc) (i32.const 2)))
    (if (i32.eqz (local.get $add))
      (then
        (v128.store (local.get $c) (local.get $c00))
        (v128.store offset=16 (local.get $c) (local.get $c01))
        (local.set $c (i32.add (local.get $c) (local.get $row)))
        (v128.store (local.get $c) (local.get $c10))
        (v128.store offset=16 (local.get $c) (local.get $c11))
        (local.set $c (i32.add (local.get $c) (local.get $row)))
        (v128.store (local.get $c) (local.get $c20))
        (v128.store offset=16 (local.get $c) (local.get $c21))
        (local.set $c (i32.add (local.get $c) (local.get $row)))
        (v128.store (local.get $c) (local.get $c30))
        (v128.store offset=16 (local.get $c) (local.get $c31))
        (return)))
    (v128.store (local.get $c) (f32x4.add (v128.load (local.get $c)) (local.get $c00)))
    (v128.store offset=16 (local.get $c) (f32x4.add (v128.load offset=16 (local.get $c)) (local.get $c01)))
    (local.set $c (i32.add (local.get $c) (local.get $row)))
    (v128.store (local.get $c) (f32x4.add (v128.load (local.get $c)) (local.get $c10)))
    (v128.store offset=16 (local.get $c) (f32x4.add (v128.load offset=16 (local.get $c)) (local.get $c11)))
    (local.set $c (i32.add (local.get $c) (local.get $row)))
    (v128.store (local.get $c) (f32x4.add (v128.load (local.get $c)) (local.get $c20)))
    (v128.store offset=16 (local.get $c) (f32x4.add (v128.load offset=16 (local.get $c)) (local.get $c21)))
    (local.set $c (i32.add (local.get $c) (local.get $row)))
    (v128.store (local.get $c) (f32x4.add (v128.load (local.get $c)) (local.get $c30)))
    (v128.store offset=16 (local.get $c) (f32x4.add (v128.load offset=16 (local.get $c)) (local.get $c31))))

  ;; C[mc x nc] += packed A block · packed B block ($add 1), or C = the product ($add 0). Full 4x8
  ;; tiles go straight to C; edge tiles go through the 32-float scratch tile at $tmp, and only their
  ;; valid part is added to (or stored in) C.
  (func $gemm_block (export "gemm_block") (param $pa i32) (param $pb i32) (param $c i32) (param $ldc i32)
    (param $mc i32) (param $nc i32) (param $kc i32) (param $tmp i32) (param $add i32)
    (local $jr i32) (local $ir i32) (local $mr i32) (local $nr i32) (local $panelB i32) (local $ct i32)
    (local $i i32) (local $j i32)
    (block $jdone
      (loop $jloop
        (br_if $jdone (i32.ge_u (local.get $jr) (local.get $nc)))
        (local.set $nr (select (i32.const 8) (i32.sub (local.get $nc) (local.get $jr))
          (i32.ge_u (i32.sub (local.get $nc) (local.get $jr)) (i32.const 8))))
        (local.set $panelB (i32.add (local.get $pb) (i32.shl (i32.mul (local.get $jr) (local.get $kc)) (i32.const 2))))
        (local.set $ir (i32.const 0))
        (block $idone
          (loop $iloop
            (br_if $idone (i32.ge_u (local.get $ir) (local.get $mc)))
            (local.set $mr (select (i32.const 4) (i32.sub (local.get $mc) (local.get $ir))
              (i32.ge_u (i32.sub (local.get $mc) (local.get $ir)) (i32.const 4))))
            (local.set $ct (i32.add (local.get $c)
              (i32.shl (i32.add (i32.mul (local.get $ir) (local.get $ldc)) (local.get $jr)) (i32.const 2))))
            (if (i32.and (i32.eq (local.get $mr) (i32.const 4)) (i32.eq (local.get $nr) (i32.const 8)))
              (then
                (call $micro
                  (i32.add (local.get $pa) (i32.shl (i32.mul (local.get $ir) (local.get $kc)) (i32.const 2)))
                  (local.get $panelB) (local.get $ct) (local.get $ldc) (local.get $kc) (local.get $add)))
              (else
                (call $micro
                  (i32.add (local.get $pa) (i32.shl (i32.mul (local.get $ir) (local.get $kc)) (i32.const 2)))
                  (local.get $panelB) (local.get $tmp) (i32.const 8) (local.get $kc) (i32.const 0))
                (local.set $i (i32.const 0))
                (loop $ti
                  (local.set $j (i32.const 0))
                  (loop $tj
                    (f32.store
                      (i32.add (local.get $ct) (i32.shl (i32.add (i32.mul (local.get $i) (local.get $ldc)) (local.get $j)) (i32.const 2)))
                      (select
                        (f32.add
                          (f32.load (i32.add (local.get $ct) (i32.shl (i32.add (i32.mul (local.get $i) (local.get $ldc)) (local.get $j)) (i32.const 2))))
                          (f32.load (i32.add (local.get $tmp) (i32.shl (i32.add (i32.shl (local.get $i) (i32.const 3)) (local.get $j)) (i32.const 2)))))
                        (f32.load (i32.add (local.get $tmp) (i32.shl (i32.add (i32.shl (local.get $i) (i32.const 3)) (local.get $j)) (i32.const 2))))
                        (local.get $add)))
                    (local.set $j (i32.add (local.get $j) (i32.const 1)))
                    (br_if $tj (i32.lt_u (local.get $j) (local.get $nr))))
                  (local.set $i (i32.add (local.get $i) (i32.const 1)))
                  (br_if $ti (i32.lt_u (local.get $i) (local.get $mr))))))
            (local.set $ir (i32.add (local.get $ir) (i32.const 4)))
            (br $iloop)))
        (local.set $jr (i32.add (local.get $jr) (i32.const 8)))
        (br $jloop))))

  ;; Packs op(B)[0:kc, 0:n] into panels of 8 columns, zero-padded: panel q holds, for each p,
  ;; op(B)[p, 8q .. 8q + 8). op(B)[p, j] is at src + 4 · (p · rs + j · cs).
  (func $pack_b (export "pack_b") (param $src i32) (param $rs i32) (param $cs i32) (param $kc i32) (param $n i32) (param $dst i32)
    (local $jp i32) (local $p i32) (local $j i32) (local $nr i32) (local $from i32)
    (block $jdone
      (loop $jloop
        (br_if $jdone (i32.ge_u (local.get $jp) (local.get $n)))
        (local.set $nr (select (i32.const 8) (i32.sub (local.get $n) (local.get $jp))
          (i32.ge_u (i32.sub (local.get $n) (local.get $jp)) (i32.const 8))))
        (local.set $p (i32.const 0))
        (if (i32.and (i32.eq (local.get $cs) (i32.const 1)) (i32.eq (local.get $nr) (i32.const 8)))
          (then
            ;; Contiguous rows: two vector copies per p.
            (loop $pv
              (local.set $from (i32.add (local.get $src)
                (i32.shl (i32.add (i32.mul (local.get $p) (local.get $rs)) (local.get $jp)) (i32.const 2))))
              (v128.store (local.get $dst) (v128.load (local.get $from)))
              (v128.store offset=16 (local.get $dst) (v128.load offset=16 (local.get $from)))
              (local.set $dst (i32.add (local.get $dst) (i32.const 32)))
              (local.set $p (i32.add (local.get $p) (i32.const 1)))
              (br_if $pv (i32.lt_u (local.get $p) (local.get $kc)))))
          (else
            (block $pdone
              (loop $ps
                (br_if $pdone (i32.ge_u (local.get $p) (local.get $kc)))
                (v128.store (local.get $dst) (v128.const i32x4 0 0 0 0))
                (v128.store offset=16 (local.get $dst) (v128.const i32x4 0 0 0 0))
                (local.set $j (i32.const 0))
                (loop $js
                  (f32.store
                    (i32.add (local.get $dst) (i32.shl (local.get $j) (i32.const 2)))
                    (f32.load (i32.add (local.get $src)
                      (i32.shl (i32.add (i32.mul (local.get $p) (local.get $rs))
                        (i32.mul (i32.add (local.get $jp) (local.get $j)) (local.get $cs))) (i32.const 2)))))
                  (local.set $j (i32.add (local.get $j) (i32.const 1)))
                  (br_if $js (i32.lt_u (local.get $j) (local.get $nr))))
                (local.set $dst (i32.add (local.get $dst) (i32.const 32)))
                (local.set $p (i32.add (local.get $p) (i32.const 1)))
                (br $ps)))))
        (local.set $jp (i32.add (local.get $jp) (i32.const 8)))
        (br $jloop))))

  ;; Packs alpha · op(A)[0:mc, 0:kc] into panels of 4 rows, zero-padded: panel q holds, for each
  ;; p, alpha · op(A)[4q .. 4q + 4, p]. op(A)[i, p] is at src + 4 · (i · rs + p · cs).
  (func $pack_a (export "pack_a") (param $src i32) (param $rs i32) (param $cs i32) (param $mc i32) (param $kc i32) (param $dst i32) (param $alpha f32)
    (local $ip i32) (local $p i32) (local $i i32) (local $mr i32) (local $va v128)
    (local $r0 i32) (local $r1 i32) (local $r2 i32) (local $r3 i32) (local $t0 v128) (local $t1 v128) (local $t2 v128) (local $t3 v128)
    (local.set $va (f32x4.splat (local.get $alpha)))
    (block $idone
      (loop $iloop
        (br_if $idone (i32.ge_u (local.get $ip) (local.get $mc)))
        (local.set $mr (select (i32.const 4) (i32.sub (local.get $mc) (local.get $ip))
          (i32.ge_u (i32.sub (local.get $mc) (local.get $ip)) (i32.const 4))))
        (local.set $p (i32.const 0))
        (if (i32.and (i32.eq (local.get $rs) (i32.const 1)) (i32.eq (local.get $mr) (i32.const 4)))
          (then
            ;; A stored transposed: the 4 rows of a column are contiguous.
            (loop $pv
              (v128.store (local.get $dst)
                (f32x4.mul (local.get $va) (v128.load (i32.add (local.get $src)
                  (i32.shl (i32.add (i32.mul (local.get $p) (local.get $cs)) (local.get $ip)) (i32.const 2))))))
              (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
              (local.set $p (i32.add (local.get $p) (i32.const 1)))
              (br_if $pv (i32.lt_u (local.get $p) (local.get $kc)))))
          (else
            (if (i32.and (i32.eq (local.get $cs) (i32.const 1)) (i32.eq (local.get $mr) (i32.const 4)))
              (then
                ;; A stored by rows: four values of each of the 4 rows, transposed in registers into
                ;; four columns (the same products by alpha as the scalar loop below, which takes
                ;; the last kc mod 4 columns).
                (local.set $r0 (i32.add (local.get $src) (i32.shl (i32.mul (local.get $ip) (local.get $rs)) (i32.const 2))))
                (local.set $r1 (i32.add (local.get $r0) (i32.shl (local.get $rs) (i32.const 2))))
                (local.set $r2 (i32.add (local.get $r1) (i32.shl (local.get $rs) (i32.const 2))))
                (local.set $r3 (i32.add (local.get $r2) (i32.shl (local.get $rs) (i32.const 2))))
                (block $vdone
                  (loop $pv4
                    (br_if $vdone (i32.gt_u (i32.add (local.get $p) (i32.const 4)) (local.get $kc)))
                    (local.set $t0 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23
                      (v128.load (local.get $r0)) (v128.load (local.get $r1))))
                    (local.set $t1 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31
                      (v128.load (local.get $r0)) (v128.load (local.get $r1))))
                    (local.set $t2 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23
                      (v128.load (local.get $r2)) (v128.load (local.get $r3))))
                    (local.set $t3 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31
                      (v128.load (local.get $r2)) (v128.load (local.get $r3))))
                    (v128.store (local.get $dst) (f32x4.mul (local.get $va)
                      (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t0) (local.get $t2))))
                    (v128.store offset=16 (local.get $dst) (f32x4.mul (local.get $va)
                      (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t0) (local.get $t2))))
                    (v128.store offset=32 (local.get $dst) (f32x4.mul (local.get $va)
                      (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t1) (local.get $t3))))
                    (v128.store offset=48 (local.get $dst) (f32x4.mul (local.get $va)
                      (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t1) (local.get $t3))))
                    (local.set $r0 (i32.add (local.get $r0) (i32.const 16)))
                    (local.set $r1 (i32.add (local.get $r1) (i32.const 16)))
                    (local.set $r2 (i32.add (local.get $r2) (i32.const 16)))
                    (local.set $r3 (i32.add (local.get $r3) (i32.const 16)))
                    (local.set $dst (i32.add (local.get $dst) (i32.const 64)))
                    (local.set $p (i32.add (local.get $p) (i32.const 4)))
                    (br $pv4)))))
            (block $pdone
              (loop $ps
                (br_if $pdone (i32.ge_u (local.get $p) (local.get $kc)))
                (v128.store (local.get $dst) (v128.const i32x4 0 0 0 0))
                (local.set $i (i32.const 0))
                (loop $is
                  (f32.store
                    (i32.add (local.get $dst) (i32.shl (local.get $i) (i32.const 2)))
                    (f32.mul (local.get $alpha)
                      (f32.load (i32.add (local.get $src)
                        (i32.shl (i32.add (i32.mul (i32.add (local.get $ip) (local.get $i)) (local.get $rs))
                          (i32.mul (local.get $p) (local.get $cs))) (i32.const 2))))))
                  (local.set $i (i32.add (local.get $i) (i32.const 1)))
                  (br_if $is (i32.lt_u (local.get $i) (local.get $mr))))
                (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
                (local.set $p (i32.add (local.get $p) (i32.const 1)))
                (br $ps)))))
        (local.set $ip (i32.add (local.get $ip) (i32.const 4)))
        (br $iloop))))

  ;; ---- Convolution over NHWC images, through an indirection table ----------------------------
  ;; The table holds, for each tile of 4 output positions and each kernel tap (ky, kx), the byte
  ;; addresses of the 4 input pixels x[n, iy, ix, 0] (or of a zero pixel where the tap falls in the
  ;; padding), laid out [tile][tap][4]. Built once per geometry by wasm-backend.ts.

  ;; out[4 positions x 8 filters] = bias[8] + Σ_tap Σ_ch x[pixel + ch] · w[tap, ch, 8 filters],
  ;; with w packed as one panel of 8 filters: w[(tap · c + ch) · 8 + j]. Rows of out are ldo floats apart.
  (func $conv_micro (param $ind i32) (param $taps i32) (param $c i32) (param $pw i32) (param $bias i32) (param $out i32) (param $ldo i32)
    (local $c00 v128) (local $c01 v128) (local $c10 v128) (local $c11 v128)
    (local $c20 v128) (local $c21 v128) (local $c30 v128) (local $c31 v128)
    (local $b0 v128) (local $b1 v128) (local $a v128) (local $ptrs v128)
    (local $p0 i32) (local $p1 i32) (local $p2 i32) (local $p3 i32) (local $t i32) (local $ch i32) (local $row i32)
    (local.set $c00 (v128.load (local.get $bias)))
    (local.set $c01 (v128.load offset=16 (local.get $bias)))
    (local.set $c10 (local.get $c00)) (local.set $c11 (local.get $c01))
    (local.set $c20 (local.get $c00)) (local.set $c21 (local.get $c01))
    (local.set $c30 (local.get $c00)) (local.set $c31 (local.get $c01))
    (loop $tap
      (local.set $ptrs (v128.load (local.get $ind)))
      (local.set $p0 (i32x4.extract_lane 0 (local.get $ptrs)))
      (local.set $p1 (i32x4.extract_lane 1 (local.get $ptrs)))
      (local.set $p2 (i32x4.extract_lane 2 (local.get $ptrs)))
      (local.set $p3 (i32x4.extract_lane 3 (local.get $ptrs)))
      (local.set $ch (local.get $c))
      (loop $chan
        (local.set $b0 (v128.load (local.get $pw)))
        (local.set $b1 (v128.load offset=16 (local.get $pw)))
        (local.set $a (v128.load32_splat (local.get $p0)))
        (local.set $c00 (f32x4.add (local.get $c00) (f32x4.mul (local.get $a) (local.get $b0))))
        (local.set $c01 (f32x4.add (local.get $c01) (f32x4.mul (local.get $a) (local.get $b1))))
        (local.set $a (v128.load32_splat (local.get $p1)))
        (local.set $c10 (f32x4.add (local.get $c10) (f32x4.mul (local.get $a) (local.get $b0))))
        (local.set $c11 (f32x4.add (local.get $c11) (f32x4.mul (local.get $a) (local.get $b1))))
        (local.set $a (v128.load32_splat (local.get $p2)))
        (local.set $c20 (f32x4.add (local.get $c20) (f32x4.mul (local.get $a) (local.get $b0))))
        (local.set $c21 (f32x4.add (local.get $c21) (f32x4.mul (local.get $a) (local.get $b1))))
        (local.set $a (v128.load32_splat (local.get $p3)))
        (local.set $c30 (f32x4.add (local.get $c30) (f32x4.mul (local.get $a) (local.get $b0))))
        (local.set $c31 (f32x4.add (local.get $c31) (f32x4.mul (local.get $a) (local.get $b1))))
        (local.set $p0 (i32.add (local.get $p0) (i32.const 4)))
        (local.set $p1 (i32.add (local.get $p1) (i32.const 4)))
        (local.set $p2 (i32.add (local.get $p2) (i32.const 4)))
        (local.set $p3 (i32.add (local.get $p3) (i32.const 4)))
        (local.set $pw (i32.add (local.get $pw) (i32.const 32)))
        (local.tee $ch (i32.sub (local.get $ch) (i32.const 1)))
        (br_if $chan))
      (local.set $ind (i32.add (local.get $ind) (i32.const 16)))
      (local.tee $t (i32.add (local.get $t) (i32.const 1)))
      (br_if $tap (i32.lt_u (local.get $taps))))
    (local.set $row (i32.shl (local.get $ldo) (i32.const 2)))
    (v128.store (local.get $out) (local.get $c00))
    (v128.store offset=16 (local.get $out) (local.get $c01))
    (local.set $out (i32.add (local.get $out) (local.get $row)))
    (v128.store (local.get $out) (local.get $c10))
    (v128.store offset=16 (local.get $out) (local.get $c11))
    (local.set $out (i32.add (local.get $out) (local.get $row)))
    (v128.store (local.get $out) (local.get $c20))
    (v128.store offset=16 (local.get $out) (local.get $c21))
    (local.set $out (i32.add (local.get $out) (local.get $row)))
    (v128.store (local.get $out) (local.get $c30))
    (v128.store offset=16 (local.get $out) (local.get $c31)))

  ;; $conv_micro for one input channel (a grayscale first layer): one multiply-add per tap and
  ;; row, without the channel loop.
  (func $conv_micro1 (param $ind i32) (param $taps i32) (param $pw i32) (param $bias i32) (param $out i32) (param $ldo i32)
    (local $c00 v128) (local $c01 v128) (local $c10 v128) (local $c11 v128)
    (local $c20 v128) (local $c21 v128) (local $c30 v128) (local $c31 v128)
    (local $b0 v128) (local $b1 v128) (local $a v128) (local $ptrs v128) (local $end i32) (local $row i32)
    (local.set $c00 (v128.load (local.get $bias)))
    (local.set $c01 (v128.load offset=16 (local.get $bias)))
    (local.set $c10 (local.get $c00)) (local.set $c11 (local.get $c01))
    (local.set $c20 (local.get $c00)) (local.set $c21 (local.get $c01))
    (local.set $c30 (local.get $c00)) (local.set $c31 (local.get $c01))
    (local.set $end (i32.add (local.get $ind) (i32.shl (local.get $taps) (i32.const 4))))
    (loop $tap
      (local.set $ptrs (v128.load (local.get $ind)))
      (local.set $b0 (v128.load (local.get $pw)))
      (local.set $b1 (v128.load offset=16 (local.get $pw)))
      (local.set $a (v128.load32_splat (i32x4.extract_lane 0 (local.get $ptrs))))
      (local.set $c00 (f32x4.add (local.get $c00) (f32x4.mul (local.get $a) (local.get $b0))))
      (local.set $c01 (f32x4.add (local.get $c01) (f32x4.mul (local.get $a) (local.get $b1))))
      (local.set $a (v128.load32_splat (i32x4.extract_lane 1 (local.get $ptrs))))
      (local.set $c10 (f32x4.add (local.get $c10) (f32x4.mul (local.get $a) (local.get $b0))))
      (local.set $c11 (f32x4.add (local.get $c11) (f32x4.mul (local.get $a) (local.get $b1))))
      (local.set $a (v128.load32_splat (i32x4.extract_lane 2 (local.get $ptrs))))
      (local.set $c20 (f32x4.add (local.get $c20) (f32x4.mul (local.get $a) (local.get $b0))))
      (local.set $c21 (f32x4.add (local.get $c21) (f32x4.mul (local.get $a) (local.get $b1))))
      (local.set $a (v128.load32_splat (i32x4.extract_lane 3 (local.get $ptrs))))
      (local.set $c30 (f32x4.add (local.get $c30) (f32x4.mul (local.get $a) (local.get $b0))))
      (local.set $c31 (f32x4.add (local.get $c31) (f32x4.mul (local.get $a) (local.get $b1))))
      (local.set $pw (i32.add (local.get $pw) (i32.const 32)))
      (local.tee $ind (i32.add (local.get $ind) (i32.const 16)))
      (br_if $tap (i32.lt_u (local.get $end))))
    (local.set $row (i32.shl (local.get $ldo) (i32.const 2)))
    (v128.store (local.get $out) (local.get $c00))
    (v128.store offset=16 (local.get $out) (local.get $c01))
    (local.set $out (i32.add (local.get $out) (local.get $row)))
    (v128.store (local.get $out) (local.get $c10))
    (v128.store offset=16 (local.get $out) (local.get $c11))
    (local.set $out (i32.add (local.get $out) (local.get $row)))
    (v128.store (local.get $out) (local.get $c20))
    (v128.store offset=16 (local.get $out) (local.get $c21))
    (local.set $out (i32.add (local.get $out) (local.get $row)))
    (v128.store (local.get $out) (local.get $c30))
    (v128.store offset=16 (local.get $out) (local.get $c31)))

  ;; out[positions, filters] = conv(x, w) + bias for every tile of the table. w is packed as
  ;; panels of 8 filters ([panel][tap · c + ch][8]), bias padded to whole panels. Edge tiles (fewer
  ;; than 4 positions or 8 filters) go through the 32-float scratch tile at $tmp.
  (func (export "conv_forward") (param $ind i32) (param $positions i32) (param $taps i32) (param $c i32)
    (param $pw i32) (param $bias i32) (param $filters i32) (param $out i32) (param $tmp i32)
    (local $pos i32) (local $f i32) (local $mr i32) (local $nr i32) (local $panel i32) (local $o i32)
    (local $i i32) (local $j i32)
    (local.set $panel (i32.shl (i32.mul (local.get $taps) (local.get $c)) (i32.const 5)))
    (block $pdone
      (loop $ploop
        (br_if $pdone (i32.ge_u (local.get $pos) (local.get $positions)))
        (local.set $mr (select (i32.const 4) (i32.sub (local.get $positions) (local.get $pos))
          (i32.ge_u (i32.sub (local.get $positions) (local.get $pos)) (i32.const 4))))
        (local.set $f (i32.const 0))
        (block $fdone
          (loop $floop
            (br_if $fdone (i32.ge_u (local.get $f) (local.get $filters)))
            (local.set $nr (select (i32.const 8) (i32.sub (local.get $filters) (local.get $f))
              (i32.ge_u (i32.sub (local.get $filters) (local.get $f)) (i32.const 8))))
            (local.set $o (i32.add (local.get $out)
              (i32.shl (i32.add (i32.mul (local.get $pos) (local.get $filters)) (local.get $f)) (i32.const 2))))
            (if (i32.and (i32.eq (local.get $mr) (i32.const 4)) (i32.eq (local.get $nr) (i32.const 8)))
              (then
                (if (i32.eq (local.get $c) (i32.const 1))
                  (then
                    (call $conv_micro1 (local.get $ind) (local.get $taps)
                      (i32.add (local.get $pw) (i32.mul (i32.shr_u (local.get $f) (i32.const 3)) (local.get $panel)))
                      (i32.add (local.get $bias) (i32.shl (local.get $f) (i32.const 2)))
                      (local.get $o) (local.get $filters)))
                  (else
                    (call $conv_micro (local.get $ind) (local.get $taps) (local.get $c)
                      (i32.add (local.get $pw) (i32.mul (i32.shr_u (local.get $f) (i32.const 3)) (local.get $panel)))
                      (i32.add (local.get $bias) (i32.shl (local.get $f) (i32.const 2)))
                      (local.get $o) (local.get $filters)))))
              (else
                (call $conv_micro (local.get $ind) (local.get $taps) (local.get $c)
                  (i32.add (local.get $pw) (i32.mul (i32.shr_u (local.get $f) (i32.const 3)) (local.get $panel)))
                  (i32.add (local.get $bias) (i32.shl (local.get $f) (i32.const 2)))
                  (local.get $tmp) (i32.const 8))
                (local.set $i (i32.const 0))
                (loop $ti
                  (local.set $j (i32.const 0))
                  (loop $tj
                    (f32.store
                      (i32.add (local.get $o) (i32.shl (i32.add (i32.mul (local.get $i) (local.get $filters)) (local.get $j)) (i32.const 2)))
                      (f32.load (i32.add (local.get $tmp) (i32.shl (i32.add (i32.shl (local.get $i) (i32.const 3)) (local.get $j)) (i32.const 2)))))
                    (local.set $j (i32.add (local.get $j) (i32.const 1)))
                    (br_if $tj (i32.lt_u (local.get $j) (local.get $nr))))
                  (local.set $i (i32.add (local.get $i) (i32.const 1)))
                  (br_if $ti (i32.lt_u (local.get $i) (local.get $mr))))))
            (local.set $f (i32.add (local.get $f) (i32.const 8)))
            (br $floop)))
        (local.set $ind (i32.add (local.get $ind) (i32.shl (local.get $taps) (i32.const 4))))
        (local.set $pos (i32.add (local.get $pos) (i32.const 4)))
        (br $ploop))))

  ;; col2im through the table, the adjoint of im2col: x[pixel(pos, tap) + ch] += col[pos, tap · c + ch]
  ;; for every position. Padding taps add into the zero pixel, which the caller clears afterwards.
  (func (export "col2im") (param $ind i32) (param $positions i32) (param $taps i32) (param $c i32) (param $col i32)
    (local $pos i32) (local $t i32) (local $dst i32) (local $src i32) (local $ch i32) (local $row i32) (local $entry i32)
    (local.set $row (i32.shl (i32.mul (local.get $taps) (local.get $c)) (i32.const 2)))
    (block $pdone
      (loop $ploop
        (br_if $pdone (i32.ge_u (local.get $pos) (local.get $positions)))
        (local.set $src (i32.add (local.get $col) (i32.mul (local.get $pos) (local.get $row))))
        (local.set $entry (i32.add (local.get $ind)
          (i32.add (i32.shl (i32.mul (i32.shr_u (local.get $pos) (i32.const 2)) (local.get $taps)) (i32.const 4))
            (i32.shl (i32.and (local.get $pos) (i32.const 3)) (i32.const 2)))))
        (local.set $t (i32.const 0))
        (loop $tloop
          (local.set $dst (i32.load (local.get $entry)))
          (local.set $ch (i32.const 0))
          (block $vdone
            (loop $vloop
              (br_if $vdone (i32.gt_u (i32.add (local.get $ch) (i32.const 4)) (local.get $c)))
              (v128.store (local.get $dst) (f32x4.add (v128.load (local.get $dst)) (v128.load (local.get $src))))
              (local.set $src (i32.add (local.get $src) (i32.const 16)))
              (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
              (local.set $ch (i32.add (local.get $ch) (i32.const 4)))
              (br $vloop)))
          (block $sdone
            (loop $sloop
              (br_if $sdone (i32.ge_u (local.get $ch) (local.get $c)))
              (f32.store (local.get $dst) (f32.add (f32.load (local.get $dst)) (f32.load (local.get $src))))
              (local.set $src (i32.add (local.get $src) (i32.const 4)))
              (local.set $dst (i32.add (local.get $dst) (i32.const 4)))
              (local.set $ch (i32.add (local.get $ch) (i32.const 1)))
              (br $sloop)))
          (local.set $entry (i32.add (local.get $entry) (i32.const 16)))
          (local.tee $t (i32.add (local.get $t) (i32.const 1)))
          (br_if $tloop (i32.lt_u (local.get $taps))))
        (local.set $pos (i32.add (local.get $pos) (i32.const 1)))
        (br $ploop))))

  ;; ---- Element-wise and pooling -----------------------------------------------------------------

  ;; z[r, j] += bias[j] for r < rows, j < cols, in place: four columns at a time while four
  ;; remain, then one at a time (a product's bias, as addRowVector in ../elementwise.ts).
  (func (export "bias_rows") (param $z i32) (param $bias i32) (param $rows i32) (param $cols i32)
    (local $r i32) (local $j i32) (local $at i32) (local $b i32)
    (block $rdone
      (loop $rloop
        (br_if $rdone (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $j (i32.const 0))
        (local.set $b (local.get $bias))
        (block $vdone
          (loop $vloop
            (br_if $vdone (i32.gt_u (i32.add (local.get $j) (i32.const 4)) (local.get $cols)))
            (v128.store (local.get $z) (f32x4.add (v128.load (local.get $z)) (v128.load (local.get $b))))
            (local.set $z (i32.add (local.get $z) (i32.const 16)))
            (local.set $b (i32.add (local.get $b) (i32.const 16)))
            (local.set $j (i32.add (local.get $j) (i32.const 4)))
            (br $vloop)))
        (block $sdone
          (loop $sloop
            (br_if $sdone (i32.ge_u (local.get $j) (local.get $cols)))
            (f32.store (local.get $z) (f32.add (f32.load (local.get $z)) (f32.load (local.get $b))))
            (local.set $z (i32.add (local.get $z) (i32.const 4)))
            (local.set $b (i32.add (local.get $b) (i32.const 4)))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $sloop)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rloop))))

  ;; Zeroes `bytes` bytes at dst (memory.fill: a memset, where a JavaScript fill of a view into
  ;; shared memory stores element by element, about seven times slower).
  (func (export "zero") (param $dst i32) (param $bytes i32)
    (memory.fill (local.get $dst) (i32.const 0) (local.get $bytes)))

  ;; dst[i] = max(src[i], 0) for i < count (count a multiple of 4; the caller pads).
  (func (export "relu") (param $src i32) (param $dst i32) (param $count i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $src) (i32.shl (local.get $count) (i32.const 2))))
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get $src) (local.get $end)))
        (v128.store (local.get $dst) (f32x4.max (v128.load (local.get $src)) (v128.const f32x4 0 0 0 0)))
        (local.set $src (i32.add (local.get $src) (i32.const 16)))
        (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
        (br $l))))

  ;; dst[i] = src[i] > 0 ? src[i] : alpha · src[i] for i < count (a multiple of 4).
  (func (export "leaky_relu") (param $src i32) (param $dst i32) (param $count i32) (param $alpha f32)
    (local $end i32) (local $v v128) (local $va v128)
    (local.set $va (f32x4.splat (local.get $alpha)))
    (local.set $end (i32.add (local.get $src) (i32.shl (local.get $count) (i32.const 2))))
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get $src) (local.get $end)))
        (local.set $v (v128.load (local.get $src)))
        (v128.store (local.get $dst)
          (v128.bitselect (local.get $v) (f32x4.mul (local.get $va) (local.get $v))
            (f32x4.gt (local.get $v) (v128.const f32x4 0 0 0 0))))
        (local.set $src (i32.add (local.get $src) (i32.const 16)))
        (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
        (br $l))))

  ;; ---- Optimizer -------------------------------------------------------------------------------

  ;; SGD over `count` floats at w, g and v (v unused in mode 0), in float32 as Keras 3 computes
  ;; it (its learning rate and momentum cast to the variables' float32), so that the TypeScript
  ;; reference (sgdJs in ../js/optim.ts), which rounds after every operation, gives the same bits:
  ;; mode 0: w ← w − lr·g; 1 (momentum): v ← v·m − g·lr, w ← w + v; 2 (Nesterov): v as in 1,
  ;; w ← w + (v·m − g·lr). Four floats a step, then one at a time.
  (func (export "sgd") (param $w i32) (param $g i32) (param $v i32) (param $count i32) (param $lr f32) (param $m f32) (param $mode i32)
    (local $end i32) (local $end4 i32) (local $lrv v128) (local $mv v128) (local $V v128) (local $sv f32)
    (local.set $lrv (f32x4.splat (local.get $lr)))
    (local.set $mv (f32x4.splat (local.get $m)))
    (local.set $end (i32.add (local.get $w) (i32.shl (local.get $count) (i32.const 2))))
    (local.set $end4 (i32.add (local.get $w) (i32.shl (i32.and (local.get $count) (i32.const -4)) (i32.const 2))))
    (block $done4
      (loop $four
        (br_if $done4 (i32.ge_u (local.get $w) (local.get $end4)))
        (if (i32.eqz (local.get $mode))
          (then
            (v128.store (local.get $w) (f32x4.sub (v128.load (local.get $w)) (f32x4.mul (v128.load (local.get $g)) (local.get $lrv)))))
          (else
            (local.set $V (f32x4.sub (f32x4.mul (v128.load (local.get $v)) (local.get $mv)) (f32x4.mul (v128.load (local.get $g)) (local.get $lrv))))
            (v128.store (local.get $v) (local.get $V))
            (v128.store (local.get $w) (f32x4.add (v128.load (local.get $w))
              (select (local.get $V)
                (f32x4.sub (f32x4.mul (local.get $V) (local.get $mv)) (f32x4.mul (v128.load (local.get $g)) (local.get $lrv)))
                (i32.eq (local.get $mode) (i32.const 1)))))))
        (local.set $w (i32.add (local.get $w) (i32.const 16)))
        (local.set $g (i32.add (local.get $g) (i32.const 16)))
        (local.set $v (i32.add (local.get $v) (i32.const 16)))
        (br $four)))
    (block $done
      (loop $one
        (br_if $done (i32.ge_u (local.get $w) (local.get $end)))
        (if (i32.eqz (local.get $mode))
          (then
            (f32.store (local.get $w) (f32.sub (f32.load (local.get $w)) (f32.mul (f32.load (local.get $g)) (local.get $lr)))))
          (else
            (local.set $sv (f32.sub (f32.mul (f32.load (local.get $v)) (local.get $m)) (f32.mul (f32.load (local.get $g)) (local.get $lr))))
            (f32.store (local.get $v) (local.get $sv))
            (f32.store (local.get $w) (f32.add (f32.load (local.get $w))
              (select (local.get $sv)
                (f32.sub (f32.mul (local.get $sv) (local.get $m)) (f32.mul (f32.load (local.get $g)) (local.get $lr)))
                (i32.eq (local.get $mode) (i32.const 1)))))))
        (local.set $w (i32.add (local.get $w) (i32.const 4)))
        (local.set $g (i32.add (local.get $g) (i32.const 4)))
        (local.set $v (i32.add (local.get $v) (i32.const 4)))
        (br $one))))

  ;; Max pooling over NHWC images with c a multiple of 4, four channels at a time. y gets each
  ;; window's maximum, argmax the element index in x it came from (the first one in scan order
  ;; on ties, as the TypeScript kernel); padding never wins.
  (func (export "max_pool") (param $x i32) (param $y i32) (param $arg i32)
    (param $batch i32) (param $hin i32) (param $win i32) (param $c i32) (param $hout i32) (param $wout i32)
    (param $sh i32) (param $sw i32) (param $pt i32) (param $pl i32) (param $kh i32) (param $kw i32)
    (local $n i32) (local $oy i32) (local $ox i32) (local $ch i32) (local $iy i32) (local $ix i32)
    (local $y0 i32) (local $y1 i32) (local $x0 i32) (local $x1 i32) (local $image i32) (local $at i32)
    (local $best v128) (local $bidx v128) (local $v v128) (local $m v128) (local $lanes v128)
    (local.set $lanes (v128.const i32x4 0 1 2 3))
    (loop $nloop
      (local.set $image (i32.mul (i32.mul (local.get $n) (local.get $hin)) (local.get $win)))
      (local.set $oy (i32.const 0))
      (loop $yloop
        (local.set $y0 (i32.sub (i32.mul (local.get $oy) (local.get $sh)) (local.get $pt)))
        (local.set $y1 (i32.add (local.get $y0) (local.get $kh)))
        (if (i32.lt_s (local.get $y0) (i32.const 0)) (then (local.set $y0 (i32.const 0))))
        (if (i32.gt_s (local.get $y1) (local.get $hin)) (then (local.set $y1 (local.get $hin))))
        (local.set $ox (i32.const 0))
        (loop $xloop
          (local.set $x0 (i32.sub (i32.mul (local.get $ox) (local.get $sw)) (local.get $pl)))
          (local.set $x1 (i32.add (local.get $x0) (local.get $kw)))
          (if (i32.lt_s (local.get $x0) (i32.const 0)) (then (local.set $x0 (i32.const 0))))
          (if (i32.gt_s (local.get $x1) (local.get $win)) (then (local.set $x1 (local.get $win))))
          (local.set $ch (i32.const 0))
          (loop $cloop
            (local.set $at (i32.add (i32.mul (i32.add (i32.add (local.get $image) (i32.mul (local.get $y0) (local.get $win))) (local.get $x0)) (local.get $c)) (local.get $ch)))
            (local.set $best (v128.load (i32.add (local.get $x) (i32.shl (local.get $at) (i32.const 2)))))
            (local.set $bidx (i32x4.add (i32x4.splat (local.get $at)) (local.get $lanes)))
            (local.set $iy (local.get $y0))
            (loop $iyloop
              (local.set $ix (local.get $x0))
              (loop $ixloop
                (local.set $at (i32.add (i32.mul (i32.add (i32.add (local.get $image) (i32.mul (local.get $iy) (local.get $win))) (local.get $ix)) (local.get $c)) (local.get $ch)))
                (local.set $v (v128.load (i32.add (local.get $x) (i32.shl (local.get $at) (i32.const 2)))))
                (local.set $m (f32x4.gt (local.get $v) (local.get $best)))
                (local.set $best (v128.bitselect (local.get $v) (local.get $best) (local.get $m)))
                (local.set $bidx (v128.bitselect (i32x4.add (i32x4.splat (local.get $at)) (local.get $lanes)) (local.get $bidx) (local.get $m)))
                (local.tee $ix (i32.add (local.get $ix) (i32.const 1)))
                (br_if $ixloop (i32.lt_s (local.get $x1))))
              (local.tee $iy (i32.add (local.get $iy) (i32.const 1)))
              (br_if $iyloop (i32.lt_s (local.get $y1))))
            (v128.store (local.get $y) (local.get $best))
            (v128.store (local.get $arg) (local.get $bidx))
            (local.set $y (i32.add (local.get $y) (i32.const 16)))
            (local.set $arg (i32.add (local.get $arg) (i32.const 16)))
            (local.tee $ch (i32.add (local.get $ch) (i32.const 4)))
            (br_if $cloop (i32.lt_u (local.get $c))))
          (local.tee $ox (i32.add (local.get $ox) (i32.const 1)))
          (br_if $xloop (i32.lt_u (local.get $wout))))
        (local.tee $oy (i32.add (local.get $oy) (i32.const 1)))
        (br_if $yloop (i32.lt_u (local.get $hout))))
      (local.tee $n (i32.add (local.get $n) (i32.const 1)))
      (br_if $nloop (i32.lt_u (local.get $batch)))))

  ;; ---- Backward steps ---------------------------------------------------------------------------

  ;; dz[i] = z[i] > 0 ? dy[i] : slope · dy[i] for i < count (a multiple of 4): the gradient
  ;; through leaky ReLU, or through ReLU (slope 0: dz[i] = 0 where z[i] ≤ 0).
  (func (export "leaky_relu_backward") (param $z i32) (param $dy i32) (param $dz i32) (param $count i32) (param $slope f32)
    (local $end i32) (local $g v128) (local $vs v128) (local $mask v128) (local $relu i32)
    (local.set $vs (f32x4.splat (local.get $slope)))
    (local.set $relu (f32.eq (local.get $slope) (f32.const 0)))
    (local.set $end (i32.add (local.get $z) (i32.shl (local.get $count) (i32.const 2))))
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get $z) (local.get $end)))
        (local.set $g (v128.load (local.get $dy)))
        (local.set $mask (f32x4.gt (v128.load (local.get $z)) (v128.const f32x4 0 0 0 0)))
        ;; ReLU passes dy where z > 0 and 0 elsewhere (not 0 · dy, a NaN for an infinite dy), as the TS kernel.
        (v128.store (local.get $dz)
          (if (result v128) (local.get $relu)
            (then (v128.and (local.get $g) (local.get $mask)))
            (else (v128.bitselect (local.get $g) (f32x4.mul (local.get $vs) (local.get $g)) (local.get $mask)))))
        (local.set $z (i32.add (local.get $z) (i32.const 16)))
        (local.set $dy (i32.add (local.get $dy) (i32.const 16)))
        (local.set $dz (i32.add (local.get $dz) (i32.const 16)))
        (br $l))))

  ;; dst[j] += Σ_r src[r, j] over rows r < rows, for j < cols: the bias gradient. Columns go four
  ;; at a time while four remain, then one at a time.
  (func (export "column_sums") (param $src i32) (param $rows i32) (param $cols i32) (param $dst i32)
    (local $j i32) (local $r i32) (local $at i32) (local $acc v128) (local $s f32) (local $stride i32)
    (local.set $stride (i32.shl (local.get $cols) (i32.const 2)))
    (block $vdone
      (loop $vloop
        (br_if $vdone (i32.gt_u (i32.add (local.get $j) (i32.const 4)) (local.get $cols)))
        (local.set $acc (v128.const i32x4 0 0 0 0))
        (local.set $at (i32.add (local.get $src) (i32.shl (local.get $j) (i32.const 2))))
        (local.set $r (i32.const 0))
        (block $rdone
          (loop $rloop
            (br_if $rdone (i32.ge_u (local.get $r) (local.get $rows)))
            (local.set $acc (f32x4.add (local.get $acc) (v128.load (local.get $at))))
            (local.set $at (i32.add (local.get $at) (local.get $stride)))
            (local.set $r (i32.add (local.get $r) (i32.const 1)))
            (br $rloop)))
        (local.set $at (i32.add (local.get $dst) (i32.shl (local.get $j) (i32.const 2))))
        (v128.store (local.get $at) (f32x4.add (v128.load (local.get $at)) (local.get $acc)))
        (local.set $j (i32.add (local.get $j) (i32.const 4)))
        (br $vloop)))
    (block $sdone
      (loop $sloop
        (br_if $sdone (i32.ge_u (local.get $j) (local.get $cols)))
        (local.set $s (f32.const 0))
        (local.set $at (i32.add (local.get $src) (i32.shl (local.get $j) (i32.const 2))))
        (local.set $r (i32.const 0))
        (block $rdone2
          (loop $rloop2
            (br_if $rdone2 (i32.ge_u (local.get $r) (local.get $rows)))
            (local.set $s (f32.add (local.get $s) (f32.load (local.get $at))))
            (local.set $at (i32.add (local.get $at) (local.get $stride)))
            (local.set $r (i32.add (local.get $r) (i32.const 1)))
            (br $rloop2)))
        (local.set $at (i32.add (local.get $dst) (i32.shl (local.get $j) (i32.const 2))))
        (f32.store (local.get $at) (f32.add (f32.load (local.get $at)) (local.get $s)))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $sloop))))

  ;; Packs rows [i0, i0 + mc) of im2col(x)ᵀ over positions [p0, p0 + kc) into panels of 4 rows, as
  ;; pack_a does, reading x through the indirection table (no im2col matrix). Row i is tap i / c,
  ;; channel i % c. When c is a multiple of 4, a panel's 4 rows are 4 channels of one tap: one
  ;; vector load per position.
  (func $pack_a_im2col_t (export "pack_a_im2col_t") (param $ind i32) (param $taps i32) (param $c i32)
    (param $i0 i32) (param $mc i32) (param $p0 i32) (param $kc i32) (param $dst i32)
    (local $ip i32) (local $pp i32) (local $p i32) (local $r i32) (local $row i32) (local $t i32) (local $ch i32)
    (local $entry i32) (local $e0 i32) (local $e1 i32) (local $e2 i32) (local $e3 i32)
    (local $o0 i32) (local $o1 i32) (local $o2 i32) (local $o3 i32) (local $v1 i32) (local $v2 i32) (local $v3 i32) (local $ptrs v128)
    (block $idone
      (loop $iloop
        (br_if $idone (i32.ge_u (local.get $ip) (local.get $mc)))
        (local.set $row (i32.add (local.get $i0) (local.get $ip)))
        (if (i32.and
              (i32.eqz (i32.and (local.get $c) (i32.const 3)))
              (i32.le_u (i32.add (local.get $ip) (i32.const 4)) (local.get $mc)))
          (then
            (local.set $t (i32.div_u (local.get $row) (local.get $c)))
            (local.set $ch (i32.shl (i32.rem_u (local.get $row) (local.get $c)) (i32.const 2)))
            (local.set $pp (i32.const 0))
            ;; Whole tiles of 4 positions (p0 is a multiple of 4): one vector of 4 addresses each.
            (local.set $entry (i32.add (local.get $ind)
              (i32.shl (i32.add (i32.mul (i32.shr_u (local.get $p0) (i32.const 2)) (local.get $taps)) (local.get $t)) (i32.const 4))))
            (block $tvdone
              (loop $tv
                (br_if $tvdone (i32.gt_u (i32.add (local.get $pp) (i32.const 4)) (local.get $kc)))
                (local.set $ptrs (v128.load (local.get $entry)))
                (v128.store (local.get $dst) (v128.load (i32.add (i32x4.extract_lane 0 (local.get $ptrs)) (local.get $ch))))
                (v128.store offset=16 (local.get $dst) (v128.load (i32.add (i32x4.extract_lane 1 (local.get $ptrs)) (local.get $ch))))
                (v128.store offset=32 (local.get $dst) (v128.load (i32.add (i32x4.extract_lane 2 (local.get $ptrs)) (local.get $ch))))
                (v128.store offset=48 (local.get $dst) (v128.load (i32.add (i32x4.extract_lane 3 (local.get $ptrs)) (local.get $ch))))
                (local.set $entry (i32.add (local.get $entry) (i32.shl (local.get $taps) (i32.const 4))))
                (local.set $dst (i32.add (local.get $dst) (i32.const 64)))
                (local.set $pp (i32.add (local.get $pp) (i32.const 4)))
                (br $tv)))
            (block $pvdone
            (loop $pv
              (br_if $pvdone (i32.ge_u (local.get $pp) (local.get $kc)))
              (local.set $p (i32.add (local.get $p0) (local.get $pp)))
              (local.set $entry (i32.add (local.get $ind)
                (i32.add (i32.shl (i32.add (i32.mul (i32.shr_u (local.get $p) (i32.const 2)) (local.get $taps)) (local.get $t)) (i32.const 4))
                  (i32.shl (i32.and (local.get $p) (i32.const 3)) (i32.const 2)))))
              (v128.store (local.get $dst) (v128.load (i32.add (i32.load (local.get $entry)) (local.get $ch))))
              (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
              (local.set $pp (i32.add (local.get $pp) (i32.const 1)))
              (br $pv))))
          (else
            ;; Each of the 4 rows: its tap's offset in a table tile (16 bytes a tap) and its
            ;; channel's byte offset; rows past mc repeat row 0 and are zeroed by the select.
            (local.set $e0 (i32.shl (i32.div_u (local.get $row) (local.get $c)) (i32.const 4)))
            (local.set $o0 (i32.shl (i32.rem_u (local.get $row) (local.get $c)) (i32.const 2)))
            (local.set $v1 (i32.lt_u (i32.add (local.get $ip) (i32.const 1)) (local.get $mc)))
            (local.set $v2 (i32.lt_u (i32.add (local.get $ip) (i32.const 2)) (local.get $mc)))
            (local.set $v3 (i32.lt_u (i32.add (local.get $ip) (i32.const 3)) (local.get $mc)))
            (local.set $r (select (i32.add (local.get $row) (i32.const 1)) (local.get $row) (local.get $v1)))
            (local.set $e1 (i32.shl (i32.div_u (local.get $r) (local.get $c)) (i32.const 4)))
            (local.set $o1 (i32.shl (i32.rem_u (local.get $r) (local.get $c)) (i32.const 2)))
            (local.set $r (select (i32.add (local.get $row) (i32.const 2)) (local.get $row) (local.get $v2)))
            (local.set $e2 (i32.shl (i32.div_u (local.get $r) (local.get $c)) (i32.const 4)))
            (local.set $o2 (i32.shl (i32.rem_u (local.get $r) (local.get $c)) (i32.const 2)))
            (local.set $r (select (i32.add (local.get $row) (i32.const 3)) (local.get $row) (local.get $v3)))
            (local.set $e3 (i32.shl (i32.div_u (local.get $r) (local.get $c)) (i32.const 4)))
            (local.set $o3 (i32.shl (i32.rem_u (local.get $r) (local.get $c)) (i32.const 2)))
            (local.set $pp (i32.const 0))
            ;; Whole tiles of 4 positions: per row, one vector of the 4 positions' addresses.
            (local.set $entry (i32.add (local.get $ind)
              (i32.shl (i32.mul (i32.shr_u (local.get $p0) (i32.const 2)) (local.get $taps)) (i32.const 4))))
            (block $tsdone
              (loop $ts
                (br_if $tsdone (i32.gt_u (i32.add (local.get $pp) (i32.const 4)) (local.get $kc)))
                (local.set $ptrs (v128.load (i32.add (local.get $entry) (local.get $e0))))
                (f32.store offset=0 (local.get $dst) (f32.load (i32.add (i32x4.extract_lane 0 (local.get $ptrs)) (local.get $o0))))
                (f32.store offset=16 (local.get $dst) (f32.load (i32.add (i32x4.extract_lane 1 (local.get $ptrs)) (local.get $o0))))
                (f32.store offset=32 (local.get $dst) (f32.load (i32.add (i32x4.extract_lane 2 (local.get $ptrs)) (local.get $o0))))
                (f32.store offset=48 (local.get $dst) (f32.load (i32.add (i32x4.extract_lane 3 (local.get $ptrs)) (local.get $o0))))
                (local.set $ptrs (v128.load (i32.add (local.get $entry) (local.get $e1))))
                (f32.store offset=4 (local.get $dst) (select (f32.load (i32.add (i32x4.extract_lane 0 (local.get $ptrs)) (local.get $o1))) (f32.const 0) (local.get $v1)))
                (f32.store offset=20 (local.get $dst) (select (f32.load (i32.add (i32x4.extract_lane 1 (local.get $ptrs)) (local.get $o1))) (f32.const 0) (local.get $v1)))
                (f32.store offset=36 (local.get $dst) (select (f32.load (i32.add (i32x4.extract_lane 2 (local.get $ptrs)) (local.get $o1))) (f32.const 0) (local.get $v1)))
                (f32.store offset=52 (local.get $dst) (select (f32.load (i32.add (i32x4.extract_lane 3 (local.get $ptrs)) (local.get $o1))) (f32.const 0) (local.get $v1)))
                (local.set $ptrs (v128.load (i32.add (local.get $entry) (local.get $e2))))
                (f32.store offset=8 (local.get $dst) (select (f32.load (i32.add (i32x4.extract_lane 0 (local.get $ptrs)) (local.get $o2))) (f32.const 0) (local.get $v2)))
                (f32.store offset=24 (local.get $dst) (select (f32.load (i32.add (i32x4.extract_lane 1 (local.get $ptrs)) (local.get $o2))) (f32.const 0) (local.get $v2)))
                (f32.store offset=40 (local.get $dst) (select (f32.load (i32.add (i32x4.extract_lane 2 (local.get $ptrs)) (local.get $o2))) (f32.const 0) (local.get $v2)))
                (f32.store offset=56 (local.get $dst) (select (f32.load (i32.add (i32x4.extract_lane 3 (local.get $ptrs)) (local.get $o2))) (f32.const 0) (local.get $v2)))
                (local.set $ptrs (v128.load (i32.add (local.get $entry) (local.get $e3))))
                (f32.store offset=12 (local.get $dst) (select (f32.load (i32.add (i32x4.extract_lane 0 (local.get $ptrs)) (local.get $o3))) (f32.const 0) (local.get $v3)))
                (f32.store offset=28 (local.get $dst) (select (f32.load (i32.add (i32x4.extract_lane 1 (local.get $ptrs)) (local.get $o3))) (f32.const 0) (local.get $v3)))
                (f32.store offset=44 (local.get $dst) (select (f32.load (i32.add (i32x4.extract_lane 2 (local.get $ptrs)) (local.get $o3))) (f32.const 0) (local.get $v3)))
                (f32.store offset=60 (local.get $dst) (select (f32.load (i32.add (i32x4.extract_lane 3 (local.get $ptrs)) (local.get $o3))) (f32.const 0) (local.get $v3)))
                (local.set $entry (i32.add (local.get $entry) (i32.shl (local.get $taps) (i32.const 4))))
                (local.set $dst (i32.add (local.get $dst) (i32.const 64)))
                (local.set $pp (i32.add (local.get $pp) (i32.const 4)))
                (br $ts)))
            (block $psdone
            (loop $ps
              (br_if $psdone (i32.ge_u (local.get $pp) (local.get $kc)))
              (local.set $p (i32.add (local.get $p0) (local.get $pp)))
              (local.set $entry (i32.add (local.get $ind)
                (i32.add (i32.shl (i32.mul (i32.shr_u (local.get $p) (i32.const 2)) (local.get $taps)) (i32.const 4))
                  (i32.shl (i32.and (local.get $p) (i32.const 3)) (i32.const 2)))))
              (f32.store (local.get $dst)
                (f32.load (i32.add (i32.load (i32.add (local.get $entry) (local.get $e0))) (local.get $o0))))
              (f32.store offset=4 (local.get $dst)
                (select (f32.load (i32.add (i32.load (i32.add (local.get $entry) (local.get $e1))) (local.get $o1))) (f32.const 0) (local.get $v1)))
              (f32.store offset=8 (local.get $dst)
                (select (f32.load (i32.add (i32.load (i32.add (local.get $entry) (local.get $e2))) (local.get $o2))) (f32.const 0) (local.get $v2)))
              (f32.store offset=12 (local.get $dst)
                (select (f32.load (i32.add (i32.load (i32.add (local.get $entry) (local.get $e3))) (local.get $o3))) (f32.const 0) (local.get $v3)))
              (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
              (local.set $pp (i32.add (local.get $pp) (i32.const 1)))
              (br $ps)))))
        (local.set $ip (i32.add (local.get $ip) (i32.const 4)))
        (br $iloop))))

  ;; ---- Drivers: whole products in one call, so that a worker thread can run a part of one ----------

  ;; C[m, n] += alpha · op(A) · op(B), or C = the product with $overwrite 1 (C is then not read;
  ;; k must be at least 1), all in wasm memory: the blocked loops over packed panels.
  ;; op(A)[i, p] is at a + 4 · (i · rsa + p · csa), op(B)[p, j] at b + 4 · (p · rsb + j · csb); C
  ;; rows are ldc floats apart. $pa and $pb are packing space for 128 x 256 and 256 x n floats.
  (func (export "gemm") (param $a i32) (param $b i32) (param $c i32) (param $m i32) (param $n i32) (param $k i32)
    (param $rsa i32) (param $csa i32) (param $rsb i32) (param $csb i32) (param $ldc i32) (param $alpha f32)
    (param $pa i32) (param $pb i32) (param $tmp i32) (param $overwrite i32)
    (local $pc i32) (local $ic i32) (local $kc i32) (local $mc i32)
    (block $pdone
      (loop $ploop
        (br_if $pdone (i32.ge_u (local.get $pc) (local.get $k)))
        (local.set $kc (select (i32.const 256) (i32.sub (local.get $k) (local.get $pc))
          (i32.ge_u (i32.sub (local.get $k) (local.get $pc)) (i32.const 256))))
        (call $pack_b
          (i32.add (local.get $b) (i32.shl (i32.mul (local.get $pc) (local.get $rsb)) (i32.const 2)))
          (local.get $rsb) (local.get $csb) (local.get $kc) (local.get $n) (local.get $pb))
        (local.set $ic (i32.const 0))
        (block $idone
          (loop $iloop
            (br_if $idone (i32.ge_u (local.get $ic) (local.get $m)))
            (local.set $mc (select (i32.const 128) (i32.sub (local.get $m) (local.get $ic))
              (i32.ge_u (i32.sub (local.get $m) (local.get $ic)) (i32.const 128))))
            (call $pack_a
              (i32.add (local.get $a) (i32.shl (i32.add (i32.mul (local.get $ic) (local.get $rsa)) (i32.mul (local.get $pc) (local.get $csa))) (i32.const 2)))
              (local.get $rsa) (local.get $csa) (local.get $mc) (local.get $kc) (local.get $pa) (local.get $alpha))
            (call $gemm_block (local.get $pa) (local.get $pb)
              (i32.add (local.get $c) (i32.shl (i32.mul (local.get $ic) (local.get $ldc)) (i32.const 2)))
              (local.get $ldc) (local.get $mc) (local.get $n) (local.get $kc) (local.get $tmp)
              ;; The first block over k overwrites C when asked; the later ones add to it.
              (i32.or (i32.eqz (local.get $overwrite)) (i32.ne (local.get $pc) (i32.const 0))))
            (local.set $ic (i32.add (local.get $ic) (i32.const 128)))
            (br $iloop)))
        (local.set $pc (i32.add (local.get $pc) (i32.const 256)))
        (br $ploop))))

  ;; Rows [m0, m1) of dK[depth, filters] += im2col(x)ᵀ · dz[positions, filters], im2col(x)ᵀ packed
  ;; straight from x through the table; dK rows are `filters` floats apart.
  (func (export "conv_dk") (param $ind i32) (param $taps i32) (param $c i32) (param $positions i32)
    (param $dz i32) (param $filters i32) (param $dk i32) (param $m0 i32) (param $m1 i32)
    (param $pa i32) (param $pb i32) (param $tmp i32)
    (local $pc i32) (local $ic i32) (local $kc i32) (local $mc i32)
    (block $pdone
      (loop $ploop
        (br_if $pdone (i32.ge_u (local.get $pc) (local.get $positions)))
        (local.set $kc (select (i32.const 256) (i32.sub (local.get $positions) (local.get $pc))
          (i32.ge_u (i32.sub (local.get $positions) (local.get $pc)) (i32.const 256))))
        (call $pack_b
          (i32.add (local.get $dz) (i32.shl (i32.mul (local.get $pc) (local.get $filters)) (i32.const 2)))
          (local.get $filters) (i32.const 1) (local.get $kc) (local.get $filters) (local.get $pb))
        (local.set $ic (local.get $m0))
        (block $idone
          (loop $iloop
            (br_if $idone (i32.ge_u (local.get $ic) (local.get $m1)))
            (local.set $mc (select (i32.const 128) (i32.sub (local.get $m1) (local.get $ic))
              (i32.ge_u (i32.sub (local.get $m1) (local.get $ic)) (i32.const 128))))
            (call $pack_a_im2col_t (local.get $ind) (local.get $taps) (local.get $c)
              (local.get $ic) (local.get $mc) (local.get $pc) (local.get $kc) (local.get $pa))
            (call $gemm_block (local.get $pa) (local.get $pb)
              (i32.add (local.get $dk) (i32.shl (i32.mul (local.get $ic) (local.get $filters)) (i32.const 2)))
              (local.get $filters) (local.get $mc) (local.get $filters) (local.get $kc) (local.get $tmp) (i32.const 1))
            (local.set $ic (i32.add (local.get $ic) (i32.const 128)))
            (br $iloop)))
        (local.set $pc (i32.add (local.get $pc) (i32.const 256)))
        (br $ploop))))
)
