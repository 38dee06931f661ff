package serve

import (
	"container/list"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// cache is the local edge cache: entries keyed as the cache policy keys
// them, kept for the TTL CloudFront would compute, bounded in bytes (least
// recently used entries go first).
type cache struct {
	mu       sync.Mutex
	entries  map[string]*list.Element
	lru      *list.List
	bytes    int64
	maxBytes int64
}

type cacheEntry struct {
	key     string
	status  int
	header  http.Header
	body    []byte
	stored  time.Time
	expires time.Time
}

func newCache(maxBytes int64) *cache {
	return &cache{entries: map[string]*list.Element{}, lru: list.New(), maxBytes: maxBytes}
}

func (c *cache) get(key string, now time.Time) *cacheEntry {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.entries[key]
	if !ok {
		return nil
	}
	e := el.Value.(*cacheEntry)
	if !now.Before(e.expires) {
		c.remove(el)
		return nil
	}
	c.lru.MoveToFront(el)
	return e
}

func (c *cache) put(e *cacheEntry) {
	size := int64(len(e.body)) + 512
	if size > c.maxBytes/4 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.entries[e.key]; ok {
		c.remove(el)
	}
	c.entries[e.key] = c.lru.PushFront(e)
	c.bytes += size
	for c.bytes > c.maxBytes {
		c.remove(c.lru.Back())
	}
}

func (c *cache) remove(el *list.Element) {
	e := el.Value.(*cacheEntry)
	delete(c.entries, e.key)
	c.lru.Remove(el)
	c.bytes -= int64(len(e.body)) + 512
}

// cacheableStatus lists the codes CloudFront caches with the object TTL.
var cacheableStatus = map[int]bool{200: true, 203: true, 206: true, 300: true, 301: true, 410: true}

// errorCachedStatus lists the codes CloudFront caches for the error
// caching minimum TTL (10 s unless a custom error response says otherwise).
var errorCachedStatus = map[int]bool{400: true, 403: true, 404: true, 405: true, 414: true, 416: true, 500: true, 501: true, 502: true, 503: true, 504: true}

// objectTTL is CloudFront's rule for how long a response stays cached
// under a cache policy: the origin's s-maxage or max-age (or Expires)
// clamped to [MinTTL, MaxTTL]; no-store, no-cache and private mean MinTTL;
// without any of them, DefaultTTL.
func objectTTL(p *CachePolicy, h http.Header, now time.Time) time.Duration {
	clamp := func(s int64) time.Duration {
		if s < p.MinTTL {
			s = p.MinTTL
		}
		if s > p.MaxTTL {
			s = p.MaxTTL
		}
		return time.Duration(s) * time.Second
	}
	cc := strings.ToLower(strings.Join(h.Values("Cache-Control"), ","))
	var maxAge, sMaxAge int64 = -1, -1
	noStore := false
	for _, d := range strings.Split(cc, ",") {
		d = strings.TrimSpace(d)
		k, v, _ := strings.Cut(d, "=")
		switch k {
		case "no-store", "no-cache", "private":
			noStore = true
		case "max-age":
			if n, err := strconv.ParseInt(strings.Trim(v, `"`), 10, 64); err == nil {
				maxAge = n
			}
		case "s-maxage":
			if n, err := strconv.ParseInt(strings.Trim(v, `"`), 10, 64); err == nil {
				sMaxAge = n
			}
		}
	}
	switch {
	case noStore:
		return time.Duration(p.MinTTL) * time.Second
	case sMaxAge >= 0:
		return clamp(sMaxAge)
	case maxAge >= 0:
		return clamp(maxAge)
	}
	if exp := h.Get("Expires"); exp != "" {
		if t, err := http.ParseTime(exp); err == nil {
			return clamp(int64(t.Sub(now).Seconds()))
		}
		return clamp(0)
	}
	d := p.DefaultTTL
	if d < p.MinTTL {
		d = p.MinTTL
	}
	if d > p.MaxTTL {
		d = p.MaxTTL
	}
	return time.Duration(d) * time.Second
}
