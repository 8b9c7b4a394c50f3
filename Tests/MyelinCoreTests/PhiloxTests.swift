// SPDX-License-Identifier: Apache-2.0
import MyelinCore
import Testing

/// Known-answer vectors of Random123's `kat_vectors` for philox4x32-10.
@Suite struct PhiloxTests {
  @Test func zeroCounterAndKey() {
    let out = Philox(seed: 0).block(0, 0, 0, 0)
    #expect(out == SIMD4(0x6627_e8d5, 0xe169_c58d, 0xbc57_ac4c, 0x9b00_dbd8))
  }

  @Test func allOnes() {
    let out = Philox(seed: UInt64.max).block(0xffff_ffff, 0xffff_ffff, 0xffff_ffff, 0xffff_ffff)
    #expect(out == SIMD4(0x408f_276d, 0x41c8_3b0e, 0xa20b_c7c6, 0x6d54_51fd))
  }

  @Test func piDigits() {
    let out = Philox(seed: 0x299f_31d0_a409_3822).block(0x243f_6a88, 0x85a3_08d3, 0x1319_8a2e, 0x0370_7344)
    #expect(out == SIMD4(0xd16c_fe09, 0x94fd_cceb, 0x5001_e420, 0x2412_6ea1))
  }

  @Test func uniformsAreInRangeAndCentred() {
    var random = RandomSequence(philox: Philox(seed: 3), stream: 1, index: 2)
    var sum = 0.0
    let n = 100_000
    for _ in 0..<n {
      let u = random.nextUniform()
      #expect(u >= 0 && u < 1)
      sum += u
    }
    // The mean of n uniforms has standard deviation 1/sqrt(12 n) ≈ 0.0009.
    #expect(abs(sum / Double(n) - 0.5) < 0.005)
  }

  @Test func boundedIntegersCoverTheirRange() {
    var random = RandomSequence(philox: Philox(seed: 9), stream: 0, index: 0)
    var seen = Set<UInt32>()
    for _ in 0..<1000 {
      let x = random.nextInt(below: 7)
      #expect(x < 7)
      seen.insert(x)
    }
    #expect(seen.count == 7)
  }
}
