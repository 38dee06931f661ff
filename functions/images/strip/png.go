package strip

import (
	"encoding/binary"
	"hash/crc32"
)

// pngKeep lists the chunks copied to the output. Besides the critical
// chunks they are the ones that change how pixels render (colour space,
// gamma, transparency, background, aspect ratio, HDR mastering data) and
// the APNG animation chunks. Anything not listed is dropped, including
// eXIf, tEXt, zTXt, iTXt (XMP lives there), tIME, and vendor-private or
// future ancillary chunks that could hold metadata. Colour chunks are named
// both in their PNG third-edition spelling (mDCV, cLLI) and the draft one.
var pngKeep = map[[4]byte]bool{
	{'I', 'H', 'D', 'R'}: true,
	{'P', 'L', 'T', 'E'}: true,
	{'I', 'D', 'A', 'T'}: true,
	{'I', 'E', 'N', 'D'}: true,
	{'t', 'R', 'N', 'S'}: true,
	{'c', 'H', 'R', 'M'}: true,
	{'g', 'A', 'M', 'A'}: true,
	{'s', 'B', 'I', 'T'}: true,
	{'s', 'R', 'G', 'B'}: true,
	{'c', 'I', 'C', 'P'}: true,
	{'m', 'D', 'C', 'V'}: true,
	{'m', 'D', 'C', 'v'}: true,
	{'c', 'L', 'L', 'I'}: true,
	{'c', 'L', 'L', 'i'}: true,
	{'b', 'K', 'G', 'D'}: true,
	{'h', 'I', 'S', 'T'}: true,
	{'p', 'H', 'Y', 's'}: true,
	{'a', 'c', 'T', 'L'}: true,
	{'f', 'c', 'T', 'L'}: true,
	{'f', 'd', 'A', 'T'}: true,
}

var (
	chunkIHDR = [4]byte{'I', 'H', 'D', 'R'}
	chunkIDAT = [4]byte{'I', 'D', 'A', 'T'}
	chunkIEND = [4]byte{'I', 'E', 'N', 'D'}
	chunkICCP = [4]byte{'i', 'C', 'C', 'P'}
	chunkEXIF = [4]byte{'e', 'X', 'I', 'f'}
)

// maxPNGChunk is the largest length PNG allows (2^31-1).
const maxPNGChunk = 1<<31 - 1

// walkPNG copies the signature and the kept chunks, verifying every chunk's
// CRC (kept or not) so a corrupt file is rejected rather than served. The
// file must start with IHDR and end with IEND; bytes after IEND are dropped.
// An unknown critical chunk (upper-case first letter) cannot be dropped
// without breaking decoders, and no standard decoder could read it anyway,
// so it makes the file malformed.
func walkPNG(src []byte, opt Options, o *out, ex *exifCapture) error {
	o.write(src[:8])
	i := 8
	first := true
	sawIDAT := false
	for {
		if len(src)-i < 12 {
			return malformed(PNG, i, "truncated before IEND")
		}
		n := binary.BigEndian.Uint32(src[i:])
		if n > maxPNGChunk {
			return malformed(PNG, i, "chunk length above 2^31-1")
		}
		var typ [4]byte
		copy(typ[:], src[i+4:i+8])
		for _, c := range typ {
			if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z') {
				return malformed(PNG, i+4, "invalid chunk type")
			}
		}
		if int64(n) > int64(len(src)-i-12) {
			return malformed(PNG, i, "chunk runs past end of data")
		}
		end := i + 12 + int(n)
		want := binary.BigEndian.Uint32(src[end-4:])
		if crc32.ChecksumIEEE(src[i+4:end-4]) != want {
			return malformed(PNG, i, "chunk CRC mismatch")
		}
		if first != (typ == chunkIHDR) {
			return malformed(PNG, i, "IHDR must come first, once")
		}
		if first && n != 13 {
			return malformed(PNG, i, "IHDR length is not 13")
		}
		first = false
		switch {
		case typ == chunkIEND:
			if !sawIDAT {
				return malformed(PNG, i, "IEND before image data")
			}
			o.write(src[i:end])
			return nil
		case typ == chunkIDAT:
			sawIDAT = true
			o.write(src[i:end])
		case typ == chunkICCP:
			if opt.KeepICC {
				o.write(src[i:end])
			}
		case typ == chunkEXIF:
			ex.offer(src[i+8 : end-4])
		case pngKeep[typ]:
			o.write(src[i:end])
		case typ[0] >= 'A' && typ[0] <= 'Z':
			return malformed(PNG, i, "unknown critical chunk")
		}
		i = end
	}
}
