package exifjson

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Limits on the work a block may cause. A camera EXIF block is a few
// kilobytes (64 KiB at most in JPEG); the limits leave ample room for that
// and none for blocks built to exhaust memory.
const (
	// MaxBlockBytes caps the EXIF block handed to the decoder.
	MaxBlockBytes = 256 << 10
	// maxChainDirs caps the IFD0 → IFD1 → ... chain.
	maxChainDirs = 8
	// maxDirs caps all directories reachable through chain and pointers.
	maxDirs = 16
	// maxCost caps the bytes the decoder may allocate for tag values in one
	// pass over all reachable directories (see tagCost). The chain is
	// decoded once and at most five sub-IFD decodes follow (Exif, GPS and
	// Interop by the decoder, Exif and GPS again by loadNewerTags), so a
	// decode allocates at most about 6 × maxCost.
	maxCost = 2 << 20
)

// typeSize is the TIFF field type → byte size table (TIFF 6.0 §2).
var typeSize = [13]uint64{0, 1, 1, 2, 4, 8, 1, 1, 2, 4, 8, 4, 8}

// Pointer tags whose value is the offset of a sub-IFD.
const (
	tagExifIFD    = 0x8769
	tagGPSIFD     = 0x8825
	tagInteropIFD = 0xA005
)

// errUnsafe marks structures that would make the decoder allocate memory
// out of proportion to the block (its count × size arithmetic is 32-bit and
// wraps, after which it allocates count-sized slices).
var errUnsafe = errors.New("unsafe tag count")

// validator walks the TIFF structure exactly as far as the decoder will and
// proves the decode bounded before the decoder sees the bytes.
type validator struct {
	b     []byte
	order binary.ByteOrder
	cost  uint64
	dirs  int
	seen  map[uint32]bool
}

// validate accepts a TIFF-structured block only if decoding it cannot loop,
// cannot allocate more than about 6×maxCost bytes and cannot read outside
// it. The IFD chain must be sound; a broken sub-IFD is tolerated (the
// decoder skips it) unless it is unsafe.
func validate(b []byte) error {
	if len(b) < 8 {
		return errors.New("shorter than a TIFF header")
	}
	v := &validator{b: b, seen: map[uint32]bool{}}
	switch string(b[:2]) {
	case "II":
		v.order = binary.LittleEndian
	case "MM":
		v.order = binary.BigEndian
	default:
		return errors.New("no TIFF byte order mark")
	}
	if v.order.Uint16(b[2:]) != 42 {
		return errors.New("no TIFF magic 42")
	}
	var pending []uint32
	off := v.order.Uint32(b[4:])
	for chain := 0; off != 0; chain++ {
		if chain >= maxChainDirs {
			return errors.New("IFD chain too long")
		}
		if v.seen[off] {
			return errors.New("IFD chain loops")
		}
		v.seen[off] = true
		v.dirs++
		next, ptrs, err := v.dir(off)
		if err != nil {
			return fmt.Errorf("IFD %d: %w", chain, err)
		}
		pending = append(pending, ptrs...)
		off = next
	}
	for len(pending) > 0 {
		off, pending = pending[0], pending[1:]
		if v.seen[off] {
			continue
		}
		v.seen[off] = true
		if v.dirs++; v.dirs > maxDirs {
			return errors.New("too many IFDs")
		}
		_, ptrs, err := v.dir(off)
		if errors.Is(err, errUnsafe) {
			return fmt.Errorf("sub-IFD at %d: %w", off, err)
		}
		if err == nil {
			pending = append(pending, ptrs...)
		}
	}
	if v.cost > maxCost {
		return fmt.Errorf("tag values would expand to %d bytes", v.cost)
	}
	return nil
}

// dir checks one IFD entry by entry, in the decoder's order, and returns the
// next-IFD offset and the sub-IFD offsets its pointer tags name.
func (v *validator) dir(off uint32) (next uint32, ptrs []uint32, err error) {
	b := v.b
	if uint64(off) > uint64(len(b))-2 || int32(off) < 0 {
		return 0, nil, errors.New("offset outside block")
	}
	o := int(off)
	n := int(int16(v.order.Uint16(b[o:]))) // the decoder reads a signed count
	n = max(n, 0)
	pos := o + 2
	for i := 0; i < n; i++ {
		if len(b)-pos < 12 {
			return 0, nil, errors.New("truncated entry")
		}
		e := b[pos : pos+12]
		pos += 12
		id := v.order.Uint16(e)
		typ := v.order.Uint16(e[2:])
		count := v.order.Uint32(e[4:])
		if typ == 0 || int(typ) >= len(typeSize) || count == 0 || count == 1<<32-1 {
			return 0, nil, errors.New("invalid entry type or count")
		}
		size := typeSize[typ] * uint64(count)
		if size > 1<<32-1 {
			return 0, nil, errUnsafe
		}
		val := e[8:12]
		if size > 4 {
			at := uint64(v.order.Uint32(e[8:]))
			if at+size > uint64(len(b)) {
				return 0, nil, errors.New("value outside block")
			}
			val = b[at : at+size]
		}
		v.cost += tagCost(typ, count, size)
		if id == tagExifIFD || id == tagGPSIFD || id == tagInteropIFD {
			if p, ok := v.firstInt(typ, val); ok && p > 0 && p < int64(len(b)) {
				ptrs = append(ptrs, uint32(p))
			}
		}
	}
	if len(b)-pos < 4 {
		return 0, nil, errors.New("truncated next-IFD offset")
	}
	return v.order.Uint32(b[pos:]), ptrs, nil
}

// tagCost estimates what the decoder allocates for one tag: the raw value
// (up to twice, as it grows a buffer) plus the converted values (int64 or
// float64 per number, a two-element []int64 per rational) and the struct.
func tagCost(typ uint16, count uint32, size uint64) uint64 {
	c := uint64(count)
	conv := uint64(0)
	switch typ {
	case 1, 3, 4, 6, 8, 9, 11, 12:
		conv = 8 * c
	case 5, 10:
		conv = 40 * c
	case 2:
		conv = size
	}
	return 2*size + conv + 160
}

// firstInt reads the first value of an integer-typed tag, as the decoder
// does when it follows a pointer.
func (v *validator) firstInt(typ uint16, val []byte) (int64, bool) {
	switch typ {
	case 1:
		return int64(val[0]), true
	case 6:
		return int64(int8(val[0])), true
	case 3:
		return int64(v.order.Uint16(val)), true
	case 8:
		return int64(int16(v.order.Uint16(val))), true
	case 4:
		return int64(v.order.Uint32(val)), true
	case 9:
		return int64(int32(v.order.Uint32(val))), true
	}
	return 0, false
}
