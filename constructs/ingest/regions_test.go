package ingest_test

import (
	"reflect"
	"slices"
	"sort"
	"testing"

	"github.com/edgekit/edgekit/constructs/ingest"
)

var defaultRegions = []string{"us-east-1", "eu-central-1", "ap-northeast-1"}

func TestEdgeRegions(t *testing.T) {
	want := []string{
		"af-south-1", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ap-south-1", "ap-southeast-1",
		"ap-southeast-2", "ca-central-1", "eu-central-1", "eu-north-1", "eu-south-1", "eu-west-1", "eu-west-2",
		"eu-west-3", "me-central-1", "sa-east-1", "us-east-1", "us-east-2", "us-west-1", "us-west-2",
	}
	if got := ingest.EdgeRegions(); !reflect.DeepEqual(got, want) {
		t.Fatalf("EdgeRegions() = %v, want %v", got, want)
	}
}

func TestDistanceKm(t *testing.T) {
	tests := []struct {
		a, b   string
		lo, hi float64
	}{
		{"eu-central-1", "eu-central-1", 0, 0},
		{"eu-west-1", "eu-central-1", 1000, 1200}, // Dublin-Frankfurt ~1,090 km
		{"us-east-1", "eu-central-1", 6400, 6700}, // ~6,550 km
		{"ap-southeast-1", "ap-northeast-1", 5200, 5400},
	}
	for _, tt := range tests {
		got, ok := ingest.DistanceKm(tt.a, tt.b)
		if !ok || got < tt.lo || got > tt.hi {
			t.Errorf("DistanceKm(%s, %s) = %v, %v; want %v..%v", tt.a, tt.b, got, ok, tt.lo, tt.hi)
		}
	}
	if _, ok := ingest.DistanceKm("xx-nowhere-1", "eu-central-1"); ok {
		t.Error("DistanceKm of an unknown region reported ok")
	}
}

func TestRegionOrder(t *testing.T) {
	tests := []struct {
		name   string
		ingest []string
		want   map[string][]string // a subset of edge regions to check exactly
	}{
		{"default_set", defaultRegions, map[string][]string{
			"eu-west-1":      {"eu-central-1", "us-east-1", "ap-northeast-1"},
			"ap-southeast-1": {"ap-northeast-1", "eu-central-1", "us-east-1"},
			"us-west-2":      {"us-east-1", "ap-northeast-1", "eu-central-1"},
			"sa-east-1":      {"us-east-1", "eu-central-1", "ap-northeast-1"},
			"me-central-1":   {"eu-central-1", "ap-northeast-1", "us-east-1"},
			"af-south-1":     {"eu-central-1", "us-east-1", "ap-northeast-1"},
			"ap-southeast-2": {"ap-northeast-1", "us-east-1", "eu-central-1"},
			"us-east-1":      {"us-east-1", "eu-central-1", "ap-northeast-1"},
			"eu-central-1":   {"eu-central-1", "us-east-1", "ap-northeast-1"},
			"ap-northeast-1": {"ap-northeast-1", "eu-central-1", "us-east-1"}, // Frankfurt is ~9,350 km, Virginia ~10,900 km
		}},
		{"single_region", []string{"eu-west-1"}, map[string][]string{
			"ap-southeast-2": {"eu-west-1"},
			"eu-west-1":      {"eu-west-1"},
		}},
		{"unknown_region_last_in_configured_order", []string{"zz-new-2", "ap-northeast-1", "zz-new-1", "eu-west-2"}, map[string][]string{
			"eu-west-1":      {"eu-west-2", "ap-northeast-1", "zz-new-2", "zz-new-1"},
			"ap-northeast-3": {"ap-northeast-1", "eu-west-2", "zz-new-2", "zz-new-1"},
		}},
		{"non_edge_ingest_region_ranked_by_distance", []string{"us-east-1", "eu-central-2"}, map[string][]string{
			"eu-south-1": {"eu-central-2", "us-east-1"}, // Milan: Zurich is next door
		}},
		{"empty", nil, map[string][]string{"eu-west-1": {}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ingest.RegionOrder(tt.ingest)
			if !reflect.DeepEqual(sortedKeys(got), ingest.EdgeRegions()) {
				t.Fatalf("keys %v, want every edge region", sortedKeys(got))
			}
			for edge, want := range tt.want {
				if g := got[edge]; !(len(g) == 0 && len(want) == 0) && !reflect.DeepEqual(g, want) {
					t.Errorf("RegionOrder[%s] = %v, want %v", edge, g, want)
				}
			}
			for edge, list := range got {
				// Every list is a permutation of the input.
				a, b := slices.Clone(list), slices.Clone(tt.ingest)
				sort.Strings(a)
				sort.Strings(b)
				if !slices.Equal(a, b) {
					t.Errorf("RegionOrder[%s] = %v is not a permutation of %v", edge, list, tt.ingest)
				}
				// An ingest region ranks itself first.
				if slices.Contains(tt.ingest, edge) && list[0] != edge {
					t.Errorf("RegionOrder[%s] = %v: an ingest region must rank itself first", edge, list)
				}
			}
			if again := ingest.RegionOrder(tt.ingest); !reflect.DeepEqual(again, got) {
				t.Errorf("RegionOrder is not deterministic")
			}
		})
	}
}

func TestRegionOrderAllIngestRegions(t *testing.T) {
	// Every edge region also ingesting: each must rank itself first.
	all := ingest.EdgeRegions()
	for edge, list := range ingest.RegionOrder(all) {
		if list[0] != edge {
			t.Errorf("RegionOrder[%s] starts with %s", edge, list[0])
		}
	}
}

func sortedKeys(m map[string][]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
