package ingest

import (
	"math"
	"sort"
)

// site is a region's approximate position: the metro area of its data centres.
// A few hundred kilometres of error do not change any ranking that matters.
type site struct {
	lat, lon float64
	edge     bool // a CloudFront regional edge cache runs Lambda@Edge replicas here
}

// sites lists the regions whose position is known. The edge ones are the
// CloudFront regional edge cache (REC) regions: a Lambda@Edge replica runs in
// the Region of the REC serving the request, and that is its AWS_REGION. Those
// are therefore the keys the handler looks up (it falls back to the configured
// order for any other). The others are regions without a
// REC that can still host an ingest stream, so they can be ranked by distance.
var sites = map[string]site{
	// Regional edge cache regions.
	"us-east-1":      {39.0, -77.5, true},  // N. Virginia
	"us-east-2":      {40.0, -83.0, true},  // Ohio
	"us-west-1":      {37.4, -122.0, true}, // N. California
	"us-west-2":      {45.8, -119.7, true}, // Oregon
	"ca-central-1":   {45.5, -73.6, true},  // Montréal
	"sa-east-1":      {-23.5, -46.6, true}, // São Paulo
	"eu-west-1":      {53.3, -6.3, true},   // Dublin
	"eu-west-2":      {51.5, -0.1, true},   // London
	"eu-west-3":      {48.9, 2.4, true},    // Paris
	"eu-central-1":   {50.1, 8.7, true},    // Frankfurt
	"eu-north-1":     {59.3, 18.1, true},   // Stockholm
	"eu-south-1":     {45.5, 9.2, true},    // Milan
	"ap-south-1":     {19.1, 72.9, true},   // Mumbai
	"ap-southeast-1": {1.35, 103.8, true},  // Singapore
	"ap-southeast-2": {-33.9, 151.2, true}, // Sydney
	"ap-northeast-1": {35.7, 139.7, true},  // Tokyo
	"ap-northeast-2": {37.6, 127.0, true},  // Seoul
	"ap-northeast-3": {34.7, 135.5, true},  // Osaka
	"me-central-1":   {24.5, 54.4, true},   // UAE
	"af-south-1":     {-33.9, 18.4, true},  // Cape Town

	// Regions without a regional edge cache: possible ingest regions only.
	"ap-east-1":      {22.3, 114.2, false},  // Hong Kong
	"ap-south-2":     {17.4, 78.5, false},   // Hyderabad
	"ap-southeast-3": {-6.2, 106.8, false},  // Jakarta
	"ap-southeast-4": {-37.8, 145.0, false}, // Melbourne
	"ap-southeast-5": {3.1, 101.7, false},   // Malaysia
	"ap-southeast-7": {13.7, 100.5, false},  // Thailand
	"ca-west-1":      {51.0, -114.1, false}, // Calgary
	"eu-central-2":   {47.4, 8.5, false},    // Zurich
	"eu-south-2":     {41.6, -0.9, false},   // Spain
	"il-central-1":   {32.1, 34.8, false},   // Tel Aviv
	"me-south-1":     {26.1, 50.6, false},   // Bahrain
	"mx-central-1":   {20.6, -100.4, false}, // Mexico
}

// EdgeRegions returns, sorted, the regions where Lambda@Edge replicas of an
// origin-request function run: the CloudFront regional edge cache regions.
// They are the keys of the map RegionOrder returns.
func EdgeRegions() []string {
	var out []string
	for r, s := range sites {
		if s.edge {
			out = append(out, r)
		}
	}
	sort.Strings(out)
	return out
}

// DistanceKm is the great-circle distance between two regions' approximate
// positions, and false when either region's position is unknown.
func DistanceKm(a, b string) (float64, bool) {
	sa, okA := sites[a]
	sb, okB := sites[b]
	if !okA || !okB {
		return 0, false
	}
	return haversineKm(sa, sb), true
}

func haversineKm(a, b site) float64 {
	const earthRadiusKm = 6371.0
	rad := func(d float64) float64 { return d * math.Pi / 180 }
	dLat, dLon := rad(b.lat-a.lat), rad(b.lon-a.lon)
	h := math.Sin(dLat/2)*math.Sin(dLat/2) + math.Cos(rad(a.lat))*math.Cos(rad(b.lat))*math.Sin(dLon/2)*math.Sin(dLon/2)
	return 2 * earthRadiusKm * math.Asin(math.Min(1, math.Sqrt(h)))
}

// RegionOrder ranks the ingest regions for every edge region (EdgeRegions):
// nearest first by great-circle distance, so an edge replica writes to the
// closest Firehose stream and fails over to the next closest. An ingest region
// always ranks itself first; equal distances keep the configured order; ingest
// regions with an unknown position follow the known ones in configured order.
// Great-circle distance stands in for latency, and cable routes can disagree
// (Tokyo is nearer Frankfurt, yet reaches Virginia faster across the Pacific):
// then the first choice is correct but not the fastest.
// Every list is a permutation of ingest (duplicates are kept as given), and the
// result depends only on ingest, so the synthesized config is deterministic.
// Edge code falls back to the configured order for a region not in the map.
func RegionOrder(ingest []string) map[string][]string {
	out := make(map[string][]string)
	for _, edge := range EdgeRegions() {
		from := sites[edge]
		idx := make([]int, len(ingest))
		for i := range idx {
			idx[i] = i
		}
		rank := func(i int) (tier int, km float64) {
			r := ingest[i]
			if r == edge {
				return 0, 0
			}
			s, ok := sites[r]
			if !ok {
				return 2, 0
			}
			return 1, haversineKm(from, s)
		}
		sort.SliceStable(idx, func(x, y int) bool {
			tx, kx := rank(idx[x])
			ty, ky := rank(idx[y])
			if tx != ty {
				return tx < ty
			}
			if kx != ky {
				return kx < ky
			}
			return idx[x] < idx[y]
		})
		list := make([]string, len(idx))
		for i, j := range idx {
			list[i] = ingest[j]
		}
		out[edge] = list
	}
	return out
}
