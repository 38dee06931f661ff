package strip

import (
	"bytes"
	"errors"
	"fmt"
)

// Format identifies an image container recognised by its leading bytes.
type Format uint8

// The formats this package understands. Unknown is the zero value.
const (
	Unknown Format = iota
	JPEG
	PNG
	WebP
)

// String returns the lower-case format name used in logs and JSON.
func (f Format) String() string {
	switch f {
	case JPEG:
		return "jpeg"
	case PNG:
		return "png"
	case WebP:
		return "webp"
	default:
		return "unknown"
	}
}

// ContentType returns the media type served for the format, or
// "application/octet-stream" for Unknown.
func (f Format) ContentType() string {
	switch f {
	case JPEG:
		return "image/jpeg"
	case PNG:
		return "image/png"
	case WebP:
		return "image/webp"
	default:
		return "application/octet-stream"
	}
}

// ErrUnsupported is returned for input whose leading bytes match none of the
// supported formats.
var ErrUnsupported = errors.New("unsupported image format")

// ErrMalformed is matched (errors.Is) by every *MalformedError.
var ErrMalformed = errors.New("malformed image")

// MalformedError describes where and why a container could not be parsed.
// The offset is for logs; callers must not echo the reason to clients
// verbatim if they want to keep parser internals private.
type MalformedError struct {
	Format Format
	Offset int
	Reason string
}

// Error implements error.
func (e *MalformedError) Error() string {
	return fmt.Sprintf("malformed %s at byte %d: %s", e.Format, e.Offset, e.Reason)
}

// Is makes errors.Is(err, ErrMalformed) true.
func (e *MalformedError) Is(target error) bool { return target == ErrMalformed }

func malformed(f Format, off int, reason string) error {
	return &MalformedError{Format: f, Offset: off, Reason: reason}
}

// Options select what is kept besides the pixels.
type Options struct {
	// KeepICC keeps embedded ICC colour profiles (JPEG APP2 ICC_PROFILE, PNG
	// iCCP, WebP ICCP). A profile changes how colours render, not who took
	// the picture, so it is kept unless a deployment decides otherwise.
	KeepICC bool
}

var (
	pngSignature = []byte{0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'}
)

// Detect identifies the container from its magic bytes. The object key or a
// stored Content-Type is never trusted: a ".jpg" may hold anything.
func Detect(b []byte) Format {
	switch {
	case len(b) >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF:
		return JPEG
	case len(b) >= 8 && bytes.Equal(b[:8], pngSignature):
		return PNG
	case len(b) >= 12 && string(b[:4]) == "RIFF" && string(b[8:12]) == "WEBP":
		return WebP
	default:
		return Unknown
	}
}

// Strip returns a copy of src without metadata. Pixels are never decoded or
// re-encoded: the container is parsed and the kept structures are copied
// byte for byte, so the result is never larger than src and
// Strip(Strip(x)) == Strip(x). src is not modified.
func Strip(src []byte, opt Options) ([]byte, Format, error) {
	return run(src, make([]byte, 0, len(src)), opt, nil)
}

// StripInPlace is Strip writing into buf itself, saving one image-sized
// allocation. Every kept structure moves towards the start of buf and never
// past bytes still to be read, so the forward copy is safe. On error buf's
// contents are undefined and must be discarded.
func StripInPlace(buf []byte, opt Options) ([]byte, Format, error) {
	return run(buf, buf[:0], opt, nil)
}

// EXIF validates the whole container like Strip and returns its EXIF block
// as TIFF-structured bytes (starting "II*\x00" or "MM\x00*" when
// well-formed), or nil when the image has none. The block aliases src. Only
// the first EXIF block counts, as in every common reader.
func EXIF(src []byte) ([]byte, Format, error) {
	var ex exifCapture
	_, f, err := run(src, nil, Options{}, &ex)
	if err != nil {
		return nil, f, err
	}
	return ex.block, f, nil
}

// exifCapture records the first EXIF payload a walker meets.
type exifCapture struct {
	block []byte
	seen  bool
}

func (c *exifCapture) offer(b []byte) {
	if c == nil || c.seen {
		return
	}
	c.seen = true
	c.block = b
}

// out accumulates kept bytes. A nil out (EXIF extraction) discards writes so
// validation allocates nothing.
type out struct {
	buf     []byte
	discard bool
}

// write appends p with copy semantics (memmove), which StripInPlace relies
// on when p overlaps the destination.
func (o *out) write(p []byte) {
	if o.discard {
		return
	}
	n := len(o.buf)
	if cap(o.buf)-n < len(p) {
		o.buf = append(o.buf, p...)
		return
	}
	o.buf = o.buf[:n+len(p)]
	copy(o.buf[n:], p)
}

func run(src, dst []byte, opt Options, ex *exifCapture) ([]byte, Format, error) {
	o := &out{buf: dst, discard: ex != nil}
	f := Detect(src)
	var err error
	switch f {
	case JPEG:
		err = walkJPEG(src, opt, o, ex)
	case PNG:
		err = walkPNG(src, opt, o, ex)
	case WebP:
		err = walkWebP(src, opt, o, ex)
	default:
		return nil, Unknown, ErrUnsupported
	}
	if err != nil {
		return nil, f, err
	}
	if o.discard {
		return nil, f, nil
	}
	return o.buf, f, nil
}
