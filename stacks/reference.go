package stacks

import (
	"strings"

	"github.com/edgekit/edgekit/config"
	"github.com/edgekit/edgekit/constructs/pattern"
)

// ConfigReference renders every context key of the app section and of
// patterns' sections (with the app's defaults) as the README's Markdown table.
func ConfigReference(patterns []pattern.Pattern) string {
	var app config.App
	app.SetDefaults(config.App{})
	sections := append([]config.Section{&app}, Sections(patterns)...)
	var b strings.Builder
	b.WriteString("| Key | Default | Meaning |\n|---|---|---|\n")
	for _, s := range sections {
		s.SetDefaults(app)
		for _, f := range config.Fields(s) {
			b.WriteString("| `" + f.Key + "` | " + cell(f.Default) + " | " + f.Doc + " |\n")
		}
	}
	return b.String()
}

// cell shows a default in a table cell: JSON values as code, notes as text.
func cell(def string) string {
	if strings.HasPrefix(def, "(") || strings.Contains(def, " ") && !strings.HasPrefix(def, "\"") {
		return "*" + def + "*"
	}
	return "`" + strings.ReplaceAll(def, "|", "\\|") + "`"
}
