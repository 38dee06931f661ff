package serve

import (
	"archive/zip"
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"mime"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3afero"
	"github.com/spf13/afero"
)

// storage is the local S3: one gofakes3 backend per region, each a
// directory tree <state>/<region>/s3/buckets/<bucket>/<key>, so content
// buckets are folders a developer can drop files into.
type storage struct {
	mu      sync.RWMutex // guards bucket
	dir     string
	regions map[string]gofakes3.Backend
	bucket  map[string]string // bucket -> region
	home    string
	http    http.Handler
}

func newStorage(stateDir string, buckets map[string]*Bucket, home string) (*storage, error) {
	s := &storage{dir: stateDir, regions: map[string]gofakes3.Backend{}, bucket: map[string]string{}, home: home}
	regionOf := func(r string) (gofakes3.Backend, error) {
		if b, ok := s.regions[r]; ok {
			return b, nil
		}
		dir := filepath.Join(stateDir, r, "s3")
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("local S3 in %s: %w", dir, err)
		}
		b, err := s3afero.MultiBucket(afero.NewBasePathFs(afero.NewOsFs(), dir))
		if err != nil {
			return nil, fmt.Errorf("local S3 in %s: %w", dir, err)
		}
		s.regions[r] = b
		return b, nil
	}
	if _, err := regionOf(home); err != nil {
		return nil, err
	}
	for _, name := range sortedKeys(buckets) {
		b := buckets[name]
		be, err := regionOf(b.Region)
		if err != nil {
			return nil, err
		}
		s.bucket[name] = b.Region
		ok, err := be.BucketExists(name)
		if err != nil {
			return nil, fmt.Errorf("bucket %s: %w", name, err)
		}
		if !ok {
			if err := be.CreateBucket(name); err != nil {
				return nil, fmt.Errorf("create bucket %s: %w", name, err)
			}
		}
	}
	s.http = gofakes3.New(&routedBackend{s}, gofakes3.WithAutoBucket(false), gofakes3.WithoutVersioning()).Server()
	return s, nil
}

// dir is the folder holding bucket's objects.
func bucketDir(stateDir string, b *Bucket) string {
	return filepath.Join(stateDir, b.Region, "s3", "buckets", b.Name)
}

func (s *storage) backend(bucket string) (gofakes3.Backend, error) {
	s.mu.RLock()
	r, ok := s.bucket[bucket]
	s.mu.RUnlock()
	if !ok {
		return nil, gofakes3.BucketNotFound(bucket)
	}
	return s.regions[r], nil
}

// Get reads an object; nil, nil when it does not exist.
func (s *storage) Get(bucket, key string, rng *gofakes3.ObjectRangeRequest) (*gofakes3.Object, error) {
	obj, err := (&routedBackend{s}).GetObject(bucket, key, rng)
	if err != nil {
		if gofakes3.HasErrorCode(err, gofakes3.ErrNoSuchKey) || errors.Is(err, fs.ErrNotExist) || isNotDir(err) {
			return nil, nil
		}
		return nil, err
	}
	return obj, nil
}

func isNotDir(err error) bool {
	return err != nil && strings.Contains(err.Error(), "not a directory")
}

// Put writes an object.
func (s *storage) Put(bucket, key string, meta map[string]string, body []byte) error {
	_, err := (&routedBackend{s}).PutObject(bucket, key, meta, bytes.NewReader(body), int64(len(body)), nil)
	return err
}

// safeKey reports whether key maps to one file of its bucket's folder.
// S3 keys may hold "..", "." or "//" segments literally, but on a file
// tree they would name another file (another bucket's, even), so the local
// S3 refuses them: a GET answers NoSuchKey, a PUT InvalidArgument.
func safeKey(key string) bool {
	if key == "" || strings.ContainsRune(key, 0) || strings.HasPrefix(key, "/") || strings.Contains(key, "\\") {
		return false
	}
	for _, seg := range strings.Split(key, "/") {
		if seg == "." || seg == ".." {
			return false
		}
	}
	return !strings.Contains(strings.TrimSuffix(key, "/"), "//")
}

func keyError(key string) error {
	return gofakes3.ErrorMessage(gofakes3.ErrInvalidArgument, "the local S3 refuses keys with '.', '..' or empty segments: "+key)
}

// routedBackend sends each bucket's calls to its region's backend.
type routedBackend struct{ s *storage }

// ListBuckets implements gofakes3.Backend.
func (r *routedBackend) ListBuckets() ([]gofakes3.BucketInfo, error) {
	var out []gofakes3.BucketInfo
	for _, reg := range sortedKeys(r.s.regions) {
		l, err := r.s.regions[reg].ListBuckets()
		if err != nil {
			return nil, err
		}
		out = append(out, l...)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// ListBucket implements gofakes3.Backend.
func (r *routedBackend) ListBucket(name string, prefix *gofakes3.Prefix, page gofakes3.ListBucketPage) (*gofakes3.ObjectList, error) {
	if prefix != nil && prefix.HasPrefix && strings.Contains(prefix.Prefix, "..") {
		return gofakes3.NewObjectList(), nil
	}
	be, err := r.s.backend(name)
	if err != nil {
		return nil, err
	}
	return be.ListBucket(name, prefix, page)
}

// CreateBucket implements gofakes3.Backend.
func (r *routedBackend) CreateBucket(name string) error {
	r.s.mu.Lock()
	defer r.s.mu.Unlock()
	if _, ok := r.s.bucket[name]; ok {
		return gofakes3.ResourceError(gofakes3.ErrBucketAlreadyExists, name)
	}
	// Buckets the templates do not define live in the home region.
	if err := r.s.regions[r.s.home].CreateBucket(name); err != nil {
		return err
	}
	r.s.bucket[name] = r.s.home
	return nil
}

// BucketExists implements gofakes3.Backend.
func (r *routedBackend) BucketExists(name string) (bool, error) {
	be, err := r.s.backend(name)
	if err != nil {
		return false, nil
	}
	return be.BucketExists(name)
}

// DeleteBucket implements gofakes3.Backend.
func (r *routedBackend) DeleteBucket(name string) error {
	be, err := r.s.backend(name)
	if err != nil {
		return err
	}
	return be.DeleteBucket(name)
}

// ForceDeleteBucket implements gofakes3.Backend.
func (r *routedBackend) ForceDeleteBucket(name string) error {
	be, err := r.s.backend(name)
	if err != nil {
		return err
	}
	return be.ForceDeleteBucket(name)
}

// GetObject implements gofakes3.Backend; a file dropped into the folder
// by hand is adopted first.
func (r *routedBackend) GetObject(bucket, key string, rng *gofakes3.ObjectRangeRequest) (*gofakes3.Object, error) {
	if !safeKey(key) {
		return nil, gofakes3.KeyNotFound(key)
	}
	be, err := r.s.backend(bucket)
	if err != nil {
		return nil, err
	}
	obj, err := be.GetObject(bucket, key, rng)
	if err != nil && r.s.adopt(be, bucket, key) {
		return be.GetObject(bucket, key, rng)
	}
	return obj, err
}

// HeadObject implements gofakes3.Backend.
func (r *routedBackend) HeadObject(bucket, key string) (*gofakes3.Object, error) {
	if !safeKey(key) {
		return nil, gofakes3.KeyNotFound(key)
	}
	be, err := r.s.backend(bucket)
	if err != nil {
		return nil, err
	}
	obj, err := be.HeadObject(bucket, key)
	if err != nil && r.s.adopt(be, bucket, key) {
		return be.HeadObject(bucket, key)
	}
	return obj, err
}

// adopt registers a file someone copied into a bucket's folder by hand
// (the backend keeps metadata beside the objects): it is stored again
// through the backend with the type its extension suggests, as
// `aws s3 cp` would upload it. It reports whether there was such a file.
func (s *storage) adopt(be gofakes3.Backend, bucket, key string) bool {
	if !safeKey(key) {
		return false
	}
	s.mu.RLock()
	region := s.bucket[bucket]
	s.mu.RUnlock()
	p := filepath.Join(s.dir, region, "s3", "buckets", bucket, filepath.FromSlash(key))
	st, err := os.Stat(p)
	if err != nil || !st.Mode().IsRegular() {
		return false
	}
	b, err := os.ReadFile(p)
	if err != nil {
		return false
	}
	_, err = be.PutObject(bucket, key, map[string]string{"Content-Type": contentTypeFor(key)}, bytes.NewReader(b), int64(len(b)), nil)
	return err == nil
}

// DeleteObject implements gofakes3.Backend.
func (r *routedBackend) DeleteObject(bucket, key string) (gofakes3.ObjectDeleteResult, error) {
	if !safeKey(key) {
		return gofakes3.ObjectDeleteResult{}, keyError(key)
	}
	be, err := r.s.backend(bucket)
	if err != nil {
		return gofakes3.ObjectDeleteResult{}, err
	}
	return be.DeleteObject(bucket, key)
}

// PutObject implements gofakes3.Backend.
func (r *routedBackend) PutObject(bucket, key string, meta map[string]string, input io.Reader, size int64, c *gofakes3.PutConditions) (gofakes3.PutObjectResult, error) {
	if !safeKey(key) {
		return gofakes3.PutObjectResult{}, keyError(key)
	}
	be, err := r.s.backend(bucket)
	if err != nil {
		return gofakes3.PutObjectResult{}, err
	}
	return be.PutObject(bucket, key, meta, input, size, c)
}

// DeleteMulti implements gofakes3.Backend.
func (r *routedBackend) DeleteMulti(bucket string, objects ...string) (gofakes3.MultiDeleteResult, error) {
	for _, o := range objects {
		if !safeKey(o) {
			return gofakes3.MultiDeleteResult{}, keyError(o)
		}
	}
	be, err := r.s.backend(bucket)
	if err != nil {
		return gofakes3.MultiDeleteResult{}, err
	}
	return be.DeleteMulti(bucket, objects...)
}

// CopyObject implements gofakes3.Backend.
func (r *routedBackend) CopyObject(srcBucket, srcKey, dstBucket, dstKey string, meta map[string]string) (gofakes3.CopyObjectResult, error) {
	if !safeKey(srcKey) || !safeKey(dstKey) {
		return gofakes3.CopyObjectResult{}, keyError(dstKey)
	}
	be, err := r.s.backend(dstBucket)
	if err != nil {
		return gofakes3.CopyObjectResult{}, err
	}
	src, err := r.GetObject(srcBucket, srcKey, nil)
	if err != nil {
		return gofakes3.CopyObjectResult{}, err
	}
	defer src.Contents.Close()
	if _, err := be.PutObject(dstBucket, dstKey, meta, src.Contents, src.Size, nil); err != nil {
		return gofakes3.CopyObjectResult{}, err
	}
	return gofakes3.CopyObjectResult{ETag: gofakes3.FormatETag(src.Hash)}, nil
}

// webTypes are the content types `aws s3 sync` (Python's mimetypes) gives
// the usual web files, without the charset Go's mime package adds.
var webTypes = map[string]string{
	".html": "text/html", ".htm": "text/html", ".css": "text/css", ".js": "text/javascript", ".mjs": "text/javascript",
	".json": "application/json", ".map": "application/json", ".txt": "text/plain", ".xml": "text/xml", ".svg": "image/svg+xml",
	".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif", ".webp": "image/webp",
	".avif": "image/avif", ".ico": "image/vnd.microsoft.icon", ".woff": "font/woff", ".woff2": "font/woff2",
	".wasm": "application/wasm", ".pdf": "application/pdf", ".csv": "text/csv", ".md": "text/markdown",
	".webmanifest": "application/manifest+json", ".mp4": "video/mp4", ".webm": "video/webm", ".mp3": "audio/mpeg",
}

// contentTypeFor guesses a key's type from its extension; S3 stores
// binary/octet-stream when an upload names none.
func contentTypeFor(key string) string {
	ext := strings.ToLower(path.Ext(key))
	if t, ok := webTypes[ext]; ok {
		return t
	}
	if t := mime.TypeByExtension(ext); t != "" {
		mt, _, _ := mime.ParseMediaType(t)
		if mt != "" {
			return mt
		}
	}
	return "binary/octet-stream"
}

// deploy copies a BucketDeployment's sources into its bucket, as the
// deployment's custom resource does on every deploy: content types from
// extensions, unchanged objects left alone, and with Prune every other
// object under the prefix deleted.
func (s *storage) deploy(d *Deployment) (written, pruned int, err error) {
	files := map[string][]byte{}
	for _, src := range d.Sources {
		if err := readAssetFiles(src, d.Extract, files); err != nil {
			return 0, 0, fmt.Errorf("%s: %w", d.Ref.Path(), err)
		}
	}
	be, err := s.backend(d.Bucket.Name)
	if err != nil {
		return 0, 0, err
	}
	for _, rel := range sortedKeys(files) {
		if !deploymentIncludes(d, rel) {
			delete(files, rel)
			continue
		}
		key := d.KeyPrefix + rel
		if !safeKey(key) {
			return written, pruned, fmt.Errorf("%s: the source file %q would leave the bucket", d.Ref.Path(), rel)
		}
		body := files[rel]
		sum := md5.Sum(body)
		if head, err := be.HeadObject(d.Bucket.Name, key); err == nil && hex.EncodeToString(head.Hash) == hex.EncodeToString(sum[:]) {
			continue
		}
		meta := map[string]string{"Content-Type": contentTypeFor(key)}
		if d.ContentType != "" {
			meta["Content-Type"] = d.ContentType
		}
		if d.CacheControl != "" {
			meta["Cache-Control"] = d.CacheControl
		}
		if _, err := be.PutObject(d.Bucket.Name, key, meta, bytes.NewReader(body), int64(len(body)), nil); err != nil {
			return written, pruned, fmt.Errorf("deploy %s to %s: %w", key, d.Bucket.Name, err)
		}
		written++
	}
	if d.Prune {
		list, err := be.ListBucket(d.Bucket.Name, &gofakes3.Prefix{Prefix: d.KeyPrefix, HasPrefix: d.KeyPrefix != ""}, gofakes3.ListBucketPage{})
		if err != nil {
			return written, pruned, fmt.Errorf("list %s: %w", d.Bucket.Name, err)
		}
		for _, c := range list.Contents {
			rel := strings.TrimPrefix(c.Key, d.KeyPrefix)
			if _, ok := files[rel]; ok || !deploymentIncludes(d, rel) {
				continue
			}
			if _, err := be.DeleteObject(d.Bucket.Name, c.Key); err != nil {
				return written, pruned, fmt.Errorf("prune %s from %s: %w", c.Key, d.Bucket.Name, err)
			}
			pruned++
		}
	}
	return written, pruned, nil
}

// deploymentIncludes applies the deployment's exclude and include filters
// (aws s3 sync semantics: the last matching filter wins).
func deploymentIncludes(d *Deployment, rel string) bool {
	in := true
	for _, p := range d.Exclude {
		if ok, _ := path.Match(p, rel); ok {
			in = false
		}
	}
	for _, p := range d.Include {
		if ok, _ := path.Match(p, rel); ok {
			in = true
		}
	}
	return in
}

// readAssetFiles reads an asset's files: a staged directory, or a zip
// (extracted when extract is set, else the zip itself by its name).
func readAssetFiles(a Asset, extract bool, out map[string][]byte) error {
	st, err := os.Stat(a.Path)
	if err != nil {
		return fmt.Errorf("asset %s: %w", filepath.Base(a.Path), err)
	}
	if st.IsDir() {
		return filepath.WalkDir(a.Path, func(p string, e fs.DirEntry, err error) error {
			if err != nil || e.IsDir() {
				return err
			}
			rel, _ := filepath.Rel(a.Path, p)
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			out[filepath.ToSlash(rel)] = b
			return nil
		})
	}
	if !extract || !strings.HasSuffix(a.Path, ".zip") {
		b, err := os.ReadFile(a.Path)
		if err != nil {
			return err
		}
		out[filepath.Base(a.ObjectKey)] = b
		return nil
	}
	zr, err := zip.OpenReader(a.Path)
	if err != nil {
		return fmt.Errorf("asset %s: %w", filepath.Base(a.Path), err)
	}
	defer zr.Close()
	for _, f := range zr.File {
		if f.FileInfo().IsDir() {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			return err
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			return err
		}
		out[f.Name] = b
	}
	return nil
}

// lastModified is an object's modification time (its file's).
func (s *Server) lastModified(b *Bucket, key string) time.Time {
	st, err := os.Stat(filepath.Join(bucketDir(s.opts.StateDir, b), filepath.FromSlash(key)))
	if err != nil {
		return time.Time{}
	}
	return st.ModTime()
}
