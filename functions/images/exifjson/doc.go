// Package exifjson turns an EXIF block into the JSON returned for
// ?showExif=true: tag names and values plus the GPS position in decimal
// degrees.
//
// # Decoder
//
// The TIFF/EXIF structure is decoded by github.com/rwcarlsen/goexif (tag
// names from the EXIF 2.3 tables, GPS degrees/minutes/seconds and
// hemisphere handling in LatLong). The candidates were checked against the
// Go module proxy in 2026:
//
//   - github.com/evanoberholster/imagemeta is the maintained project
//     (commits in 2026), but the proxy serves only v0.3.1 (2023). Its exif2
//     reader fills a fixed struct with a chosen subset of tags, reads
//     forward only (values stored before their directory are skipped) and
//     panicked with an index out of range within a second of fuzzing.
//   - github.com/dsoprea/go-exif/v3 v3.0.1 (2022, unmaintained since) is
//     the most complete, but brings six modules (its logging, utility and
//     geometry libraries, YAML, flags) and hung for 30 s on a fuzzed block.
//   - github.com/rwcarlsen/goexif (2019, no releases, unmaintained) is
//     small (≈1,100 lines, no dependencies) and complete for EXIF, GPS and
//     interoperability tags. Fuzzing found one failure class: its
//     count × type-size product is 32-bit and wraps, after which it
//     allocates count-sized slices (12 GB from a 300-byte block), and an
//     IFD chain A→B→A loops forever.
//
// goexif is used because its failure modes are structural and can be
// excluded before it runs: validate walks the same directories the decoder
// will (the IFD chain, then Exif/GPS/Interop pointers), rejects wrapping
// counts, loops, long chains, out-of-block values, and blocks whose
// converted values would exceed a 2 MiB budget (one decode then stays
// below about 12 MiB). Decoder panics are recovered. The fuzz target
// FuzzDecode runs validator and decoder together. goexif's JSON marshalling is not used (it does not escape
// strings); values are converted here and encoded with encoding/json.
//
// # Limits
//
// Blocks over MaxBlockBytes (256 KiB) are refused; at most 16 directories
// are read; strings are capped at 1 KiB and arrays at 64 values; binary
// values (maker notes) are shown as a size only.
package exifjson
