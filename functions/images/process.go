package images

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/edgekit/edgekit/functions/images/exifjson"
	"github.com/edgekit/edgekit/functions/images/strip"
)

// result is a processed object ready to send.
type result struct {
	Body        []byte
	ContentType string
	Format      strip.Format
}

// exifDocument is the ?showExif=true response body.
type exifDocument struct {
	// Format is the image format found in the bytes ("jpeg", "png", "webp").
	Format string `json:"format"`
	// Tags holds the EXIF tags, empty when the image has no EXIF.
	Tags map[string]any `json:"tags"`
	// GPS is the position in decimal degrees, omitted without one.
	GPS *exifjson.GPS `json:"gps,omitempty"`
}

// process turns the original's bytes into the response body: the stripped
// image, or its EXIF as JSON. data is reused for the stripped image (it is
// not needed afterwards), so a request holds one image-sized buffer.
func process(data []byte, showEXIF bool, opt strip.Options) (result, error) {
	if showEXIF {
		return processEXIF(data)
	}
	out, f, err := strip.StripInPlace(data, opt)
	if err != nil {
		return result{}, classifyStripError(err)
	}
	return result{Body: out, ContentType: f.ContentType(), Format: f}, nil
}

func processEXIF(data []byte) (result, error) {
	block, f, err := strip.EXIF(data)
	if err != nil {
		return result{}, classifyStripError(err)
	}
	doc := exifDocument{Format: f.String(), Tags: map[string]any{}}
	if block != nil {
		res, err := exifjson.Decode(block)
		if err != nil {
			return result{}, newError(http.StatusUnprocessableEntity, CodeMalformedEXIF, "the image's EXIF block cannot be read", err)
		}
		doc.Tags, doc.GPS = res.Tags, res.GPS
	}
	body, err := json.Marshal(doc)
	if err != nil {
		return result{}, fmt.Errorf("encode EXIF JSON: %w", err)
	}
	return result{Body: body, ContentType: "application/json", Format: f}, nil
}

func classifyStripError(err error) error {
	switch {
	case errors.Is(err, strip.ErrUnsupported):
		return newError(http.StatusUnsupportedMediaType, CodeUnsupportedMedia, "only JPEG, PNG and WebP images are served", err)
	case errors.Is(err, strip.ErrMalformed):
		return newError(http.StatusUnprocessableEntity, CodeMalformedImage, "the image is damaged or truncated", err)
	}
	return fmt.Errorf("strip: %w", err)
}

// readBounded reads an object body of declared length (-1 when unknown)
// into one buffer, refusing more than max bytes and bodies that end early,
// so a half image is never processed.
func readBounded(r io.Reader, declared, max int64) ([]byte, error) {
	if declared > max {
		return nil, tooLarge(declared, max)
	}
	size := declared
	if size < 0 {
		size = min(max, 512<<10)
	}
	buf := make([]byte, 0, size+1) // +1 so reaching EOF needs no growth
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if int64(len(buf)) > max {
			return nil, tooLarge(int64(len(buf)), max)
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	if declared >= 0 && int64(len(buf)) < declared {
		return nil, fmt.Errorf("body ended after %d of %d bytes: %w", len(buf), declared, io.ErrUnexpectedEOF)
	}
	if declared >= 0 && int64(len(buf)) > declared {
		return nil, fmt.Errorf("body has %d bytes, %d declared", len(buf), declared)
	}
	return buf, nil
}

func tooLarge(size, max int64) error {
	return newError(http.StatusRequestEntityTooLarge, CodeTooLarge,
		fmt.Sprintf("the image is larger than the %d bytes this service serves", max),
		fmt.Errorf("object of %d bytes over limit %d", size, max))
}
