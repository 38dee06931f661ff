package ingest

import (
	"github.com/edgekit/edgekit/config"
)

// Config is the ingest section of the configuration (edgekit:ingest:* and
// edgekit:ingestRegions).
type Config struct {
	// Enabled switches the pattern: the edge function, its behaviour and the
	// regional stacks.
	Enabled bool `context:"edgekit:ingest:enabled" doc:"ingest pattern on/off"`
	// Regions each get an Ingest-<region> stack with a Firehose stream.
	Regions []string `context:"edgekit:ingestRegions" doc:"one Ingest stack each (comma list or JSON array)"`
	// Path is the exact path the ingest behaviour answers.
	Path string `context:"edgekit:ingest:path" doc:"path the ingest behavior answers"`
	// StreamName is the Firehose stream's name, the same in every region.
	StreamName string `context:"edgekit:ingest:streamName" doc:"Firehose stream name, the same in every region" defaultDoc:"<appName>-ingest"`
	// BufferIntervalSeconds is Firehose's buffering interval.
	BufferIntervalSeconds int `context:"edgekit:ingest:bufferIntervalSeconds" doc:"Firehose buffering interval (0–900)"`
	// BufferSizeMiB is Firehose's buffering size.
	BufferSizeMiB int `context:"edgekit:ingest:bufferSizeMiB" doc:"Firehose buffering size (1–128)"`
	// ExpireAfterDays is the lifecycle expiration of delivered objects.
	ExpireAfterDays int `context:"edgekit:ingest:expireAfterDays" doc:"lifecycle expiration of delivered objects"`
	// MaxRecords is the most records one request may carry.
	MaxRecords int `context:"edgekit:ingest:maxRecords" doc:"records per request (≤ 500, the PutRecordBatch limit)"`
	// MaxRecordKiB is the largest record, metadata included.
	MaxRecordKiB int `context:"edgekit:ingest:maxRecordKiB" doc:"bytes per record incl. metadata (≤ 1,000 KiB)"`
}

// SetDefaults implements config.Section.
func (c *Config) SetDefaults(app config.App) {
	*c = Config{
		Enabled:               true,
		Regions:               []string{"us-east-1", "eu-central-1", "ap-northeast-1"},
		Path:                  DefaultPath,
		StreamName:            app.AppName + "-ingest",
		BufferIntervalSeconds: 60,
		BufferSizeMiB:         5,
		ExpireAfterDays:       365,
		MaxRecords:            FirehoseMaxBatchRecords,
		MaxRecordKiB:          FirehoseMaxRecordBytes / 1024,
	}
}

// Validate implements config.Section.
func (c *Config) Validate(_ config.App, p *config.Problems) {
	if c.Enabled && len(c.Regions) == 0 {
		p.Add(&c.Regions, "must list at least one region while ingest is enabled")
	}
	seen := map[string]bool{}
	for _, r := range c.Regions {
		if !config.RegionRe.MatchString(r) {
			p.AddAt(&c.Regions, "", r, "not an AWS region name")
		} else if seen[r] {
			p.AddAt(&c.Regions, "", r, "listed twice")
		}
		seen[r] = true
	}
	var pathErrs errList
	validatePath(&pathErrs, c.Path)
	if len(pathErrs) > 0 {
		p.Add(&c.Path, "must be an absolute path without wildcards, e.g. /ingest")
	}
	if !streamNameRe.MatchString(c.StreamName) {
		p.Add(&c.StreamName, "must be 1-64 characters of a-z, A-Z, 0-9, '_', '.', '-'")
	}
	if c.BufferIntervalSeconds < 0 || c.BufferIntervalSeconds > 900 {
		p.Add(&c.BufferIntervalSeconds, "must be 0..900 (Firehose buffering interval)")
	}
	if c.BufferSizeMiB < 1 || c.BufferSizeMiB > 128 {
		p.Add(&c.BufferSizeMiB, "must be 1..128 (Firehose buffering size)")
	}
	if c.ExpireAfterDays < 1 {
		p.Add(&c.ExpireAfterDays, "must be at least 1")
	}
	if c.MaxRecords < 1 || c.MaxRecords > FirehoseMaxBatchRecords {
		p.Add(&c.MaxRecords, "must be 1..500 (Firehose PutRecordBatch limit)")
	}
	if c.MaxRecordKiB < 1 || c.MaxRecordKiB > FirehoseMaxRecordBytes/1024 {
		p.Add(&c.MaxRecordKiB, "must be 1..1000 (Firehose record limit is 1,000 KiB)")
	}
}
